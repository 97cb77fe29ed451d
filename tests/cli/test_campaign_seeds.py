"""--taala-seeds A:B: every vetting case once per seed, so machines given disjoint ranges
run one longer campaign between them (scripts/findings merges their rows)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

CASE = '''
def test_case(taala_seed):
    print("SEED", taala_seed)
'''


def _pytest(tmp_path, *args: str, env_seeds: str | None = None) -> subprocess.CompletedProcess:
    (tmp_path / "test_seeded.py").write_text(CASE)
    env = None
    if env_seeds is not None:
        import os
        env = dict(os.environ, TAALA_SEEDS=env_seeds)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:randomly", "-p", "no:cacheprovider",
                           "-n", "0", str(tmp_path / "test_seeded.py"), *args],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env, check=False)


def test_a_range_runs_the_case_once_per_seed(tmp_path):
    done = _pytest(tmp_path, "--taala-seeds", "3:6")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.findall(r"SEED \S+", done.stdout) == ["SEED 3", "SEED 4", "SEED 5"]
    assert "3 passed" in done.stdout


def test_without_seeds_one_run_with_a_fresh_seed(tmp_path):
    done = _pytest(tmp_path)
    assert "SEED None" in done.stdout and "1 passed" in done.stdout


def test_the_environment_names_seeds_too(tmp_path):
    done = _pytest(tmp_path, env_seeds="7")
    assert "SEED 7" in done.stdout and "1 passed" in done.stdout


@pytest.mark.parametrize("spec", ["5:5", "a:b", "3:"])
def test_a_bad_range_is_a_usage_error_in_one_line(tmp_path, spec):
    done = _pytest(tmp_path, "--taala-seeds", spec)
    assert done.returncode == 4, done.stdout + done.stderr
    assert f"--taala-seeds {spec}:" in done.stderr and "Traceback" not in done.stderr
