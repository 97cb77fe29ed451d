"""`pip install taala` without extras gives a working `taala check` and `taala vet --help`.

Installs a copy of the working tree (not editable, so only what the package declares is
there) into a fresh virtual environment, with the dependencies from the package index, and
runs the installed `taala` from outside the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_NOT_SOURCE = shutil.ignore_patterns(".git", "__pycache__", "*.egg-info", "build", "dist", "store", ".venv", "tmp",
                                     ".hypothesis", ".pytest_cache", "node_modules")
_OFFLINE = ("NewConnectionError", "Temporary failure in name resolution", "Network is unreachable",
            "No matching distribution found for setuptools")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The `bin` directory of a fresh venv with taala (no extras) installed."""
    base = tmp_path_factory.mktemp("install")
    source = base / "src"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(source)],
                          capture_output=True, text=True, timeout=900, env=env)
    if done.returncode != 0 and any(s in done.stderr for s in _OFFLINE):
        pytest.skip(f"the package index is unreachable: {done.stderr.strip().splitlines()[-1]}")
    assert done.returncode == 0, done.stdout + done.stderr
    return venv / "bin"


def run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run([str(bin_dir / "taala"), *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_bare_install_has_no_test_only_dependencies(installed, tmp_path):
    python = str(installed / "python")
    for extra_only in ("hypothesis", "redis", "pytest"):
        found = subprocess.run([python, "-c", f"import importlib.util as u; print(u.find_spec({extra_only!r}) is not None)"],
                               capture_output=True, text=True, cwd=tmp_path)
        assert found.stdout.strip() == "False", f"{extra_only} got installed without an extra"


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("history, model, code", [
    ("histories/mutex/valid/redis-lock-no-fault.jsonl", "mutex", 0),
    ("histories/mutex/invalid/etcd-lease-expired.edn", "mutex", 1),
    ("histories/cas-register/invalid/stale-read.txt", "cas-register", 1),
])
def test_bare_install_checks_a_shipped_history(installed, tmp_path, history, model, code):
    done = run(installed, "check", str(ROOT / history), "--model", model, cwd=tmp_path)
    assert done.returncode == code, done.stdout + done.stderr
    assert ("valid" if code == 0 else "INVALID") in done.stdout


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_bare_install_shows_help(installed, tmp_path):
    for args in (["--help"], ["check", "--help"], ["vet", "--help"], ["models"]):
        done = run(installed, *args, cwd=tmp_path)
        assert done.returncode == 0, f"taala {' '.join(args)}: {done.stdout}{done.stderr}"
        assert "Traceback" not in done.stderr
    assert "--faults" in run(installed, "vet", "--help", cwd=tmp_path).stdout


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_bare_install_names_the_extra_a_command_needs(installed, tmp_path):
    done = run(installed, "vet", "seed-redis", "--budget", "1", cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "pip install 'taala[vet]'" in done.stderr


def test_every_subpackage_is_listed_for_packaging():
    """A package missing from pyproject's list installs fine in editable mode and breaks a
    real install: every folder of the source with an __init__.py must be named."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {"taala." + p.parent.relative_to(root / "verifier").as_posix().replace("/", ".")
             for p in (root / "verifier").glob("**/__init__.py") if p.parent != root / "verifier"}
    assert found <= listed, f"not in pyproject.toml's packages: {sorted(found - listed)}"
