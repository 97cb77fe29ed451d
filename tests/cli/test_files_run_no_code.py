"""Files from elsewhere never run code: a reproducer or a target file that names an
importable module never gets it imported.

Reproducers and target files are shared between teams and attached to bug reports, so they
may name registered adapters only; an import path (`module:Class`) is accepted from the
command line alone (`taala vet module:Class`, `taala replay FILE --adapter module:Class`).
Each test plants a module that writes a file when imported, puts it on the path of a real
`taala` process, and checks that the file never appears.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLANTED = "planted_adapter"


@pytest.fixture
def planted(tmp_path):
    """A directory with an importable module that writes `marker` on import, and a function
    running `python -m taala ...` with that directory on its path."""
    marker = tmp_path / "imported.txt"
    code = tmp_path / "code"
    code.mkdir()
    (code / f"{PLANTED}.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('imported')\n\n"
        "from taala.adapter import Adapter, safe\n\n\n"
        "class Lock(Adapter):\n    name = 'planted'\n    backend = None\n"
        "    expectations = {'none': safe('never vetted')}\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(code), str(ROOT)])}

    def taala(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "taala", *args], capture_output=True, text=True, timeout=120,
                              cwd=tmp_path, env=env)

    def python(source: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=60, env=env)

    taala.marker, taala.python = marker, python
    return taala


def _reproducer(tmp_path: Path, adapter: str) -> Path:
    path = tmp_path / "reproducer.json"
    path.write_text(json.dumps({"taala_reproducer": 2, "adapter": adapter, "ttl": 0.25, "clients": 2,
                                "schedule": [["acquire", 0], ["acquire", 1]]}))
    return path


def test_the_planted_module_does_write_its_file_when_imported(planted):
    """The control: the module is importable from the processes below, and writing is what importing it does."""
    assert planted.python(f"import {PLANTED}").returncode == 0
    assert planted.marker.exists()


def test_a_reproducer_naming_an_import_path_is_refused_without_importing_it(planted, tmp_path):
    out = planted("replay", str(_reproducer(tmp_path, f"{PLANTED}:Lock")), "--runs", "1")
    assert out.returncode == 2, out.stdout + out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert f"names the adapter '{PLANTED}:Lock' by import path" in lines[0]
    assert "--adapter module:Class" in lines[0]
    assert not planted.marker.exists()


@pytest.mark.parametrize("named", [PLANTED, f"{PLANTED}.Lock", f"taala.adapters:{PLANTED}"])
def test_a_reproducer_naming_a_module_otherwise_is_an_unknown_adapter(planted, tmp_path, named):
    out = planted("replay", str(_reproducer(tmp_path, named)), "--runs", "1")
    assert out.returncode == 2, out.stdout + out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert not planted.marker.exists()


def test_a_target_file_naming_a_module_imports_nothing(planted, tmp_path):
    target = tmp_path / "target.toml"
    target.write_text(f'adapter = "{PLANTED}:Lock"\nbackend = "{PLANTED}"\ndocker = "{PLANTED}"\n\n'
                      f'[[node]]\naddress = "127.0.0.1:1"\ninject = "none"\n')
    out = planted("vet", "no-lock", "--target", str(target), "--faults", "none", "--budget", "1")
    assert out.returncode == 2, out.stdout + out.stderr
    assert f"is a {PLANTED} target" in out.stderr
    assert not planted.marker.exists()


def test_the_command_line_may_name_an_adapter_under_development(planted, tmp_path):
    """`--adapter module:Class` replays a reproducer of a registered adapter against one of yours."""
    out = planted("replay", str(_reproducer(tmp_path, "no-lock")), "--runs", "1", "--adapter",
                  "tests.vet.broken_adapters:SlowSecondClient")
    assert out.returncode == 1, out.stdout + out.stderr  # it grants every acquire: two holders at once
    assert out.stdout.startswith("slow-second-client: violation reproduced in 1 of 1 runs")
    assert not planted.marker.exists()
