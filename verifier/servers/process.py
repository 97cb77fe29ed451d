"""One server process: started in its own process group, logged to a file, never orphaned.

Why not mirakuru's executors: mirakuru fixes ``preexec_fn`` to ``os.setsid`` (it
overwrites any ``popen_kwargs`` value), so the parent-death signal could only be armed by
overriding a private member; and its readiness checks are single TCP/HTTP probes, while
an ensemble is ready only when every node knows its role. What we keep from it is the
shape: a new session per server, signals sent to the whole group, bounded waits.

Two independent mechanisms make sure no server outlives the Python process that started it:
``PR_SET_PDEATHSIG`` = SIGKILL armed in the child before ``exec`` (when started from the
main thread: the signal follows the *thread* that forked), and the watchdog process
(`watchdog.py`) that SIGKILLs the whole process group when our end of its pipe closes.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import psutil
from taala.servers import watchdog

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent(parent_pid: int) -> None:
    """Runs in the forked child before exec: SIGKILL me when my parent thread dies."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


class SupervisedProcess:
    """A child process in its own session whose output goes to `log_path`."""

    def __init__(self, argv: list[str], log_path: Path, env: dict[str, str] | None = None,
                 cwd: Path | None = None, stop_signal: int = signal.SIGTERM):
        self.argv = argv
        self.stop_signal = stop_signal
        self.log_path = log_path
        self.env = env
        self.cwd = cwd
        self._popen: subprocess.Popen | None = None
        self.paused = False

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    def start(self) -> None:
        if self.running():
            return
        parent = os.getpid()
        in_main_thread = threading.current_thread() is threading.main_thread()
        with open(self.log_path, "ab") as log:
            self._popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=None if self.env is None else {**os.environ, **self.env},
                cwd=self.cwd,
                start_new_session=True,
                preexec_fn=(lambda: _die_with_parent(parent)) if in_main_thread else None,
            )
        self.paused = False
        watchdog.guard_group(self._popen.pid)

    def running(self) -> bool:
        """True while the process exists and is not a zombie (paused counts as running)."""
        return self._popen is not None and self._popen.poll() is None

    def exit_code(self) -> int | None:
        return None if self._popen is None else self._popen.poll()

    def signal_group(self, sig: int) -> None:
        if self._popen is None:
            return
        try:
            os.killpg(self._popen.pid, sig)
        except ProcessLookupError:
            pass

    def pause(self) -> None:
        """SIGSTOP the whole group (PostgreSQL's backends too): the node stops answering."""
        self.signal_group(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        self.signal_group(signal.SIGCONT)
        self.paused = False

    def request_stop(self) -> None:
        """Ask the server to stop without waiting (a cluster asks all nodes at once)."""
        if self.running():
            self.signal_group(signal.SIGCONT)
            self.signal_group(self.stop_signal)

    def stop(self, timeout: float = 5.0) -> None:
        """`stop_signal` (after SIGCONT, or a paused server would never see it), then SIGKILL."""
        if self._popen is None:
            return
        if self.running():
            self.signal_group(signal.SIGCONT)
            self.signal_group(self.stop_signal)
            try:
                self._popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()

    def kill(self) -> None:
        """SIGKILL the whole group and reap the leader; bounded, even for stopped processes."""
        if self._popen is None:
            return
        pgid = self._popen.pid
        self.signal_group(signal.SIGKILL)
        try:
            self._popen.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
            pass
        _wait_group_gone(pgid, timeout=5)
        watchdog.release_group(pgid)
        self.paused = False
        self._popen = None


def _wait_group_gone(pgid: int, timeout: float) -> None:
    """Group members other than the leader (e.g. PostgreSQL backends) die a moment later."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        members = [p for p in psutil.process_iter(["pid"]) if _pgid(p.pid) == pgid]
        if not [p for p in members if _alive(p)]:
            return
        time.sleep(0.02)


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
