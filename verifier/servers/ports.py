"""Free loopback ports, reserved so that parallel test workers never pick the same one.

`port_for` finds a port nobody listens on *now*; between that check and the server's bind,
another pytest-xdist worker (a separate process) could pick the same number. Like
pytest-redis, we close that race with a lock file per port, created with ``O_EXCL`` in one
directory shared by every process on the machine. The lock file holds the owner's pid and
start time, so a lock left behind by a SIGKILLed owner is recognised as stale and reclaimed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

import port_for
import psutil

LOCK_DIR = Path(tempfile.gettempdir()) / "taala-ports"
_MAX_TRIES = 200


class PortLease:
    """Ports held for one server for as long as it may restart on them.

    A node that is killed and restarted must come back on the *same* ports (clients and
    peers know it by address), so the reservation outlives the process and is released only
    by `release()`.
    """

    def __init__(self, ports: list[int]):
        self.ports = ports

    def release(self) -> None:
        for port in self.ports:
            unlock(str(port))
        self.ports = []

    def __repr__(self) -> str:
        return f"PortLease({self.ports})"


def reserve_ports(count: int) -> PortLease:
    """Reserve `count` distinct free TCP ports on loopback for this process."""
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    held: list[int] = []
    for _ in range(_MAX_TRIES):
        if len(held) == count:
            return PortLease(held)
        port = port_for.select_random()
        if port in held or not try_lock(str(port)):
            continue
        if port_for.is_available(port):
            held.append(port)
        else:
            unlock(str(port))
    PortLease(held).release()
    raise RuntimeError(f"could not reserve {count} free ports in {_MAX_TRIES} tries")


def _owner_stamp() -> str:
    me = psutil.Process()
    return f"{me.pid} {me.create_time()}"


def try_lock(key: str) -> bool:
    """Take the machine-wide lock `key` for this process (False if a live process holds it)."""
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    path = LOCK_DIR / f"{key}.lock"
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if not _is_stale(path):
                return False
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            continue
        with os.fdopen(fd, "w") as f:
            f.write(_owner_stamp())
        return True
    return False


def unlock(key: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        (LOCK_DIR / f"{key}.lock").unlink()


def _is_stale(path: Path) -> bool:
    """A lock is stale when the process that wrote it no longer exists (pid reuse checked)."""
    try:
        pid_text, created_text = path.read_text().split()
        owner = psutil.Process(int(pid_text))
        return abs(owner.create_time() - float(created_text)) > 0.01
    except FileNotFoundError:
        return False  # just released: try again
    except ValueError:  # being written right now, or its writer died mid-write
        with contextlib.suppress(FileNotFoundError):
            return time.time() - path.stat().st_mtime > 10
        return False
    except psutil.NoSuchProcess:
        return True
