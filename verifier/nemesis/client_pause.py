"""Client pauses: the "GC pause" that makes a lock holder outlive its lease.

A paused client's clock keeps running (it is never faked: libfaketime hangs CPython's
timed waits, tried on Debian 12's libfaketime 0.9.10), so when it wakes up it sees that real time has
passed, exactly like a process after a long GC pause or a VM migration.

- A client that is a separate process is suspended with SIGSTOP (psutil) — real, and
  invisible to the client — with every process it started (a process adapter's child).
- A client that is a thread cannot be stopped from outside in CPython; it calls
  `PauseGate.checkpoint()` at the points where a real process could be descheduled
  (e.g. between "acquired" and "write to the protected resource"), and blocks there while
  the gate is closed.
"""

from __future__ import annotations

import threading

import psutil


class PauseGate:
    """A cooperative pause point for thread clients. Open unless paused."""

    def __init__(self, name: str = "client"):
        self.name = name
        self._open = threading.Event()
        self._open.set()

    def pause(self) -> None:
        self._open.clear()

    def resume(self) -> None:
        self._open.set()

    @property
    def paused(self) -> bool:
        return not self._open.is_set()

    def checkpoint(self, timeout: float = 600.0) -> None:
        """Block while paused (at most `timeout` seconds, so a forgotten pause cannot hang
        a run forever)."""
        self._open.wait(timeout)


class ProcessClient:
    """A client running in another process, paused with SIGSTOP/SIGCONT together with every
    process it started: a process adapter's lock client is a child of the client process
    (`taala.process_adapter`), and a pause that stopped only the parent would leave the lock
    client running, renewing its lease, unlike a paused machine."""

    def __init__(self, pid: int, name: str | int | None = None):  # an int: the Jepsen process id
        self.process = psutil.Process(pid)
        self.name = name if name is not None else f"pid{pid}"
        self._stopped: list[psutil.Process] = []  # the descendants the last pause stopped

    def pause(self) -> None:
        """Stop the client, then its descendants (stopped, it starts no new ones meanwhile)."""
        self.process.suspend()
        self._stopped = []
        for child in self._children():
            try:
                child.suspend()
                self._stopped.append(child)
            except psutil.NoSuchProcess:
                pass

    def resume(self) -> None:
        """Continue the descendants first, then the client: when it looks at its child's pipe
        again, the child already runs."""
        for child in self._stopped + self._children():
            try:
                child.resume()
            except psutil.NoSuchProcess:
                pass
        self._stopped = []
        try:
            self.process.resume()
        except psutil.NoSuchProcess:
            pass

    def _children(self) -> list[psutil.Process]:
        try:
            return self.process.children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    @property
    def paused(self) -> bool:
        try:
            return self.process.status() == psutil.STATUS_STOPPED
        except psutil.NoSuchProcess:
            return False
