"""The pytest plugin attaches the tail of each live server's log to a failing test."""

import subprocess
import sys
import textwrap


def test_failing_test_report_carries_server_logs(tmp_path):
    (tmp_path / "test_fails.py").write_text(textwrap.dedent("""
        def test_fails(redis_servers):
            redis_servers(2)
            assert False, "deliberate"
    """))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:randomly", str(tmp_path)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 1
    assert "taala redis redis1 log" in done.stdout and "taala redis redis2 log" in done.stdout
    assert "Ready to accept connections" in done.stdout
