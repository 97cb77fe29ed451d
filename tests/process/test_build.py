"""The optional [build] step: built once on first use into a cache keyed by the sources (under
XDG_CACHE_HOME), rebuilt when they change, one build at a time across client processes; a build
tool or program that is not installed makes the adapter unavailable, said in one line."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from taala.cli.app import app
from taala.process.adapter import load
from taala.process.build import BuildError
from typer.testing import CliRunner

from tests.process.conftest import HOSTILE, toml

pytestmark = pytest.mark.timeout(120)
ROOT = Path(__file__).resolve().parents[2]
# Counts its runs in built.txt (beside the TOML), then "compiles": copies the client into the cache.
BUILD_SH = 'echo run >> built.txt\nsleep "${SLOW:-0}"\ncp client.py "$TAALA_BUILD_DIR/client.py"\n'


@pytest.fixture
def built(tmp_path, monkeypatch):
    """build(tools=["sh"], command=...) -> the adapter class of a directory with a build step."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    here = tmp_path / "my_lock"
    here.mkdir()
    shutil.copy(HOSTILE, here / "client.py")
    (here / "build.sh").write_text(BUILD_SH)

    def make(tools=("sh",), command=("sh", "build.sh"), program="{python}"):
        top = f"[build]\ntools = {json.dumps(tools)}\nsources = ['*.py', 'build.sh']\ncommand = {json.dumps(command)}\n"
        (here / "taala-adapter.toml").write_text(toml("my-lock", [program, "{build}/client.py", "well"], top=top))
        [cls], broken = load(here / "taala-adapter.toml")
        assert not broken
        return cls

    make.here = here
    return make


def _runs(here: Path) -> int:
    path = here / "built.txt"
    return len(path.read_text().split()) if path.exists() else 0


def test_built_on_first_use_into_the_cache_and_reused(built, tmp_path):
    cls = built()
    assert cls.unavailable() is None and _runs(built.here) == 0
    adapter = cls(["127.0.0.1:1"], ttl=0.2, client=0)
    assert adapter.acquire("k") == "t1"
    adapter.close()
    out = cls.build.directory()
    assert out.parent == tmp_path / "cache" / "taala" / "build" and out.name.startswith("my_lock-")
    assert (out / "client.py").exists() and _runs(built.here) == 1
    cls(["127.0.0.1:1"], ttl=0.2, client=1).close()
    assert _runs(built.here) == 1  # the cache answers

    (built.here / "client.py").write_text((built.here / "client.py").read_text() + "\n# edited\n")
    assert cls.build.directory() != out  # a changed source: another key
    cls.prepare()
    assert _runs(built.here) == 2


def _prepare(cls) -> None:
    cls.prepare()


def test_two_client_processes_build_once(built, monkeypatch):
    monkeypatch.setenv("SLOW", "1")
    cls = built()
    ctx = multiprocessing.get_context("fork")
    clients = [ctx.Process(target=_prepare, args=(cls,)) for _ in range(2)]
    for p in clients:
        p.start()
    for p in clients:
        p.join(30)
    assert [p.exitcode for p in clients] == [0, 0]
    assert _runs(built.here) == 1


def test_a_failed_build_is_one_line_naming_its_log(built):
    cls = built(command=("sh", "-c", "echo 'client.py:3: syntax error' >&2; exit 2"))
    with pytest.raises(BuildError) as e:
        cls.prepare()
    log = cls.build.directory() / "build.log"
    assert str(e.value) == f"build of my_lock failed (status 2): client.py:3: syntax error; log: {log}"


def test_a_missing_build_tool_makes_the_adapter_unavailable_in_one_line(built):
    cls = built(tools=("sh", "no-such-compiler-xyz"))
    assert cls.unavailable() == "needs no-such-compiler-xyz on PATH to build (not found)"
    result = CliRunner().invoke(app, ["vet", str(built.here / "taala-adapter.toml"), "--budget", "1"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        "taala: adapter 'my-lock' is unavailable here: needs no-such-compiler-xyz on PATH to build (not found)"]


def test_a_missing_program_makes_the_adapter_unavailable(built):
    assert built(program="no-such-runtime-xyz").unavailable() == "needs no-such-runtime-xyz on PATH (not found)"


def test_pytest_verifier_skips_an_unavailable_adapter_with_its_reason(built):
    built(tools=("no-such-compiler-xyz",))
    done = subprocess.run([sys.executable, "-m", "pytest", "verifier/test_adapters.py", "-q", "-rs",
                           "--taala-adapter", str(built.here / "taala-adapter.toml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=100)
    assert "1 skipped" in done.stdout, done.stdout + done.stderr
    assert "taala-adapter.toml: needs no-such-compiler-xyz on PATH to build (not found)" in done.stdout


def test_sources_outside_the_directory_are_part_of_the_key(tmp_path, monkeypatch):
    """Two adapter directories built by one shared script from one shared client, as the Go
    adapters share ../go_protocol/: a shared file edited rebuilds both."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shared = tmp_path / "shared"
    shared.mkdir()
    shutil.copy(HOSTILE, shared / "client.py")
    (shared / "build.sh").write_text('echo run >> built.txt\ncp "$(dirname "$0")/client.py" "$TAALA_BUILD_DIR/client.py"\n')
    top = "[build]\nsources = ['../shared/*.py', '../shared/build.sh']\ncommand = ['sh', '../shared/build.sh']\n"
    classes = []
    for name in ("a_lock", "b_lock"):
        here = tmp_path / name
        here.mkdir()
        (here / "taala-adapter.toml").write_text(toml(name.replace("_", "-"), ["{python}", "{build}/client.py", "well"],
                                                      top=top))
        [cls], broken = load(here / "taala-adapter.toml")
        assert not broken
        cls.prepare()
        classes.append(cls)
    before = [cls.build.directory() for cls in classes]
    assert [_runs(tmp_path / name) for name in ("a_lock", "b_lock")] == [1, 1]

    (shared / "client.py").write_text((shared / "client.py").read_text() + "\n# edited\n")
    assert all(cls.build.directory() != old for cls, old in zip(classes, before))
    for cls in classes:
        cls.prepare()
    assert [_runs(tmp_path / name) for name in ("a_lock", "b_lock")] == [2, 2]
    adapter = classes[1](["127.0.0.1:1"], ttl=0.2, client=0)
    assert adapter.acquire("k") == "t1"
    adapter.close()
