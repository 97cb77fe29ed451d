"""Process adapters declared on the fly: a taala-adapter.toml in the test's directory whose
command runs tests/process/hostile.py in a given mode, loaded as a class (no registry)."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest
import taala.process_adapter
from taala.process_adapter import load

HOSTILE = Path(__file__).with_name("hostile.py")

EXPECT = '''
[adapter.expectations]
none = { safe = false, reason = "a protocol test's lock" }
'''


def toml(name: str, command: list[str], extra: str = "", top: str = "") -> str:
    quoted = ", ".join(f'"{c}"' for c in command)
    return f'protocol = 1\n{top}\n[[adapter]]\nname = "{name}"\ncommand = [{quoted}]\nbackend = "none"\n{extra}\n{EXPECT}'


@pytest.fixture
def declare(tmp_path, monkeypatch):
    """declare(mode, extra="") -> the adapter class running hostile.py `mode` in tmp_path.
    Op deadlines are shortened to 1 lease + 1 s."""
    monkeypatch.setattr(taala.process_adapter, "OP_SLACK_S", 1.0)

    def make(mode: str, extra: str = ""):
        path = tmp_path / "taala-adapter.toml"
        path.write_text(toml(f"hostile-{mode}", ["{python}", str(HOSTILE), mode], extra))
        classes, broken = load(path)
        assert not broken and len(classes) == 1, broken
        return classes[0]

    return make


def started_pids(directory: Path) -> list[int]:
    """The pids hostile.py noted in `directory` (itself and every process it started)."""
    path = directory / "pids.txt"
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def assert_none_left(directory: Path, timeout: float = 3.0) -> None:
    """Every process hostile.py started is gone (a zombie awaiting its reaper counts as gone)."""
    pids = started_pids(directory)
    assert pids, "hostile.py noted no pid"
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not alive, f"processes left behind: {alive}"
