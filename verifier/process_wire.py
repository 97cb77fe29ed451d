"""The wire of a process adapter (docs/process-adapters.md): a child process spoken to in JSON
lines, that can never hang its client and never outlive it.

Why a module of its own: everything that can go wrong with a program taala did not write
(it crashes mid-op, hangs, prints garbage or a line without end, answers another request)
must end in one `ProtocolError` within a deadline, with the child's whole process tree
killed, because the runner reads an exception as `info` (outcome unknown) and retires the
client. So reads go through `selectors` and `os.read` on a non-blocking pipe, never a
blocking `readline`; and the child dies with its client process (`PR_SET_PDEATHSIG`), in a
session of its own (a Ctrl-C at the terminal is the coordinator's to handle, and a kill
reaches its process group).
"""

from __future__ import annotations

import ctypes
import json
import os
import selectors
import signal
import subprocess
import time
from typing import Any

import psutil

MAX_LINE = 65536  # bytes per line, "\n" excluded (the protocol's limit)
_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded before any fork: preexec must not load libraries
# A select that returns this much later than asked means the process was suspended (a client
# pause stops the child and taala's side together): time spent stopped does not count.
_SUSPENDED_SLACK_S = 0.5


class ProtocolError(RuntimeError):
    """The child broke the protocol or its deadline; its process tree is already killed."""


def _die_with_parent(parent_pid: int):
    def preexec() -> None:  # in the child, between fork and exec
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)
    return preexec


def start(command: list[str], cwd: str) -> subprocess.Popen:
    """Start `command` with pipes for stdin and stdout; stderr stays the caller's (a client
    process's stderr is the run's client log). It dies with the calling *thread*'s process
    (PR_SET_PDEATHSIG fires when the thread that forked it ends: start it from the thread
    that lives as long as the adapter, as the runner's client processes do)."""
    proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None,
                            preexec_fn=_die_with_parent(os.getpid()), start_new_session=True, close_fds=True)
    os.set_blocking(proc.stdout.fileno(), False)
    return proc


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL the child, its process group and every descendant, and reap the child."""
    try:
        victims = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        victims = []
    for sig_target in (lambda: os.killpg(proc.pid, signal.SIGKILL), proc.kill):
        try:
            sig_target()
        except (ProcessLookupError, PermissionError, OSError):
            pass
    for victim in victims:
        try:
            victim.kill()
        except psutil.NoSuchProcess:
            pass
    try:
        proc.wait(2.0)
    except subprocess.TimeoutExpired:
        pass
    psutil.wait_procs(victims, timeout=2.0)
    for stream in (proc.stdin, proc.stdout):
        try:
            stream.close()
        except OSError:
            pass


class Channel:
    """One request at a time over the child's stdin/stdout, each reply within a deadline."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self._buf = bytearray()
        self._selector = selectors.DefaultSelector()
        self._selector.register(proc.stdout.fileno(), selectors.EVENT_READ)

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            raise ProtocolError(self._exited("before the request was sent")) from None

    def receive(self, timeout: float) -> dict[str, Any]:
        """The next line as a JSON object, or ProtocolError within `timeout` seconds (time the
        process spent suspended excluded)."""
        deadline = time.monotonic() + timeout
        while True:
            line = self._line()
            if line is not None:
                return _parse(line)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProtocolError(f"no reply within {timeout:g} s")
            asked = min(remaining, 0.5)
            before = time.monotonic()
            ready = self._selector.select(asked)
            overslept = time.monotonic() - before - asked
            if overslept > _SUSPENDED_SLACK_S:
                deadline += overslept
            if ready:
                self._read()

    def _line(self) -> bytes | None:
        end = self._buf.find(b"\n", 0, MAX_LINE + 1)
        if end >= 0:
            line = bytes(self._buf[:end])
            del self._buf[:end + 1]
            return line
        if len(self._buf) > MAX_LINE:
            raise ProtocolError(f"reply line over {MAX_LINE} bytes")
        return None

    def _read(self) -> None:
        try:
            chunk = os.read(self.proc.stdout.fileno(), MAX_LINE + 1)
        except BlockingIOError:
            return
        if not chunk:
            raise ProtocolError(self._exited("mid-op"))
        self._buf += chunk

    def _exited(self, when: str) -> str:
        try:
            status = self.proc.wait(1.0)
        except subprocess.TimeoutExpired:
            return f"closed its stdout {when} (still running)"
        how = f"killed by signal {-status}" if status < 0 else f"exited with status {status}"
        return f"{how} {when} (its stderr is in the client log)"

    def close(self) -> None:
        self._selector.close()


def _parse(line: bytes) -> dict[str, Any]:
    try:
        reply = json.loads(line)
    except ValueError:
        raise ProtocolError(f"reply is not JSON: {_shown(line)}") from None
    if not isinstance(reply, dict):
        raise ProtocolError(f"reply is not a JSON object: {_shown(line)}")
    return reply


def _shown(line: bytes) -> str:
    text = line.decode("utf-8", "replace")
    return repr(text if len(text) <= 80 else text[:77] + "...")
