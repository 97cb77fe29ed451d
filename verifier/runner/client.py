"""Lock clients as separate processes, one per Jepsen process, driven over a pipe.

A client process builds its own adapter instance, so pausing it with SIGSTOP freezes the
lock library completely (renewal threads included), as a GC pause or a descheduled VM
would. The coordinator records each op's invocation *before* sending the command and its
completion *after* the reply arrives, so the recorded interval always contains the real
one: recording can hide a violation but never invent one.

An op that raises or does not answer within `timeout` is indeterminate (`info`); the
process that ran it is retired and a fresh one takes its place under a new process id,
as Jepsen does, so the history never shows a process with two open ops.

A client process dies with the thread that forked it (`PR_SET_PDEATHSIG`), so `kill -9`
of `taala vet` leaves none behind, and writes its stdout and stderr (library warnings and
tracebacks) to a log file, never over the user's terminal.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import stat
import traceback
from typing import Any

from taala.adapter import Adapter
from taala.runner.resource import Rejected, Resource
from taala.workloads.base import Workload, WorkloadData

OK, FAIL, INFO = "ok", "fail", "info"
_PR_SET_PDEATHSIG = 1


class AdapterError(RuntimeError):
    """The adapter could not even be built (its constructor raised): bad input, not a verdict."""


def _detach(parent_pid: int, log_path: str | None, keep: int) -> None:
    """In the child: die with the parent, drop the parent's sockets, and keep output off
    the user's terminal.

    A forked child inherits every socket the coordinator had open: the proxies' ends of
    other clients' connections, other clients' pipes. While the child holds a copy, closing
    the original sends nothing to the peer, so a proxy's connection kill would not reach
    the server, and a client's end of file would never come. Only the child's own pipe
    (`keep`) stays.

    Each inherited socket is replaced by /dev/null (`dup2`), not closed: the inherited
    Python socket objects still name those numbers, and when the collector finalizes one it
    closes its number. Had the number been freed and reused by the adapter's own connection,
    that late close would cut the adapter off (seen: EBADF in a MariaDB adapter's
    constructor); on /dev/null it closes nothing that matters."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    null = os.open(os.devnull, os.O_RDWR)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in (keep, null):
            try:
                if stat.S_ISSOCK(os.fstat(fd).st_mode):
                    os.dup2(null, fd)
            except OSError:
                pass
    os.close(null)
    fd = os.open(log_path or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _serve(conn, adapter_cls: type[Adapter], addresses: list[str], ttl: float, client: int, resource: str,
           parent_pid: int, log_path: str | None, workload: Workload | None = None) -> None:
    """The client process: build the adapter, then answer commands until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _detach(parent_pid, log_path, conn.fileno())
    try:
        adapter = adapter_cls(addresses, ttl=ttl, client=client, resource=resource)
        store = Resource(resource) if workload is None else WorkloadData(resource, workload)
    except BaseException as e:
        traceback.print_exc()
        conn.send((INFO, None, f"{adapter_cls.__name__}(...) raised {type(e).__name__}: {e}"))
        return
    conn.send((OK, None, None))
    while True:
        try:
            command, key, arg = conn.recv()
        except (EOFError, OSError):
            break
        if command == "stop":
            break
        try:
            conn.send(_run(adapter, store, command, key, arg))
        except BaseException as e:  # an exception means "outcome unknown"
            conn.send((INFO, None, f"{type(e).__name__}: {e}"))
    try:
        adapter.close()
    except Exception:
        pass


def _run(adapter: Adapter, store: Resource | WorkloadData, command: str, key: str, arg: Any) -> tuple:
    if command == "acquire":  # a lock with modes is told which (`Adapter.modes`); arg is the mode
        token = adapter.acquire(key, mode=arg) if adapter.modes else adapter.acquire(key)
        return (OK, token, None) if token else (FAIL, None, None)
    if command == "release":  # arg: the token, or (token, mode) for a lock with modes
        released = adapter.release(key, arg[0], mode=arg[1]) if adapter.modes else adapter.release(key, arg)
        return (OK, None, None) if released else (FAIL, None, None)
    if command == "wread":  # a workload's data (`taala.workloads.base`)
        return (OK, store.read(arg["op"]), None)
    if command == "wwrite":
        applied, why = store.write(arg["op"], arg["seen"], arg["tokens"])
        return (OK, None, None) if applied else (FAIL, None, why)
    token = arg.get("token")
    try:
        if command == "read":
            return (OK, store.read(token), None)
        if command == "write":
            store.write(arg["value"], token)
            return (OK, None, None)
    except Rejected as e:
        return (FAIL, None, str(e))
    raise ValueError(f"unknown command {command!r}")


class ClientProcess:
    """The coordinator's handle on one client process."""

    def __init__(self, adapter_cls: type[Adapter], addresses: list[str], ttl: float, client: int, resource: str,
                 *, startup_timeout: float = 10.0, log_path: str | None = None, wait: bool = True,
                 workload: Workload | None = None):
        """Fork the client; unless not `wait`, also wait until its adapter is built
        (`ready()`), so a run can start several clients side by side and wait once."""
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        args = (child, adapter_cls, addresses, ttl, client, resource, os.getpid(), log_path, workload)
        self.process = ctx.Process(target=_serve, args=args, daemon=True)
        # Ctrl-C is the coordinator's to handle: the child ignores SIGINT, and it stays
        # blocked across the fork so the child cannot be interrupted before it ignores it.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        child.close()
        self._client, self._startup_timeout, self._ready = client, startup_timeout, False
        if wait:
            self.ready()

    def ready(self) -> ClientProcess:
        """Wait for the adapter's constructor; AdapterError if it raised."""
        if self._ready:
            return self
        if not self._conn.poll(self._startup_timeout):
            self.kill()
            raise RuntimeError(f"client {self._client} did not start within {self._startup_timeout:g} s")
        status, _, error = self._conn.recv()
        if status != OK:
            self.kill()
            raise AdapterError(error)
        self._ready = True
        return self

    @property
    def pid(self) -> int:
        return self.process.pid  # type: ignore[return-value]

    def call(self, command: str, key: str, arg: Any = None, *, timeout: float) -> tuple[str, Any, str | None]:
        """Run one command; a missing answer within `timeout` is (INFO, None, "timeout")."""
        sent = self.send(command, key, arg)
        return sent if sent is not None else self.reply(timeout)

    def send(self, command: str, key: str, arg: Any = None) -> tuple[str, Any, str] | None:
        """Dispatch a command without waiting; an (INFO, ...) outcome if it could not be sent."""
        try:
            self._conn.send((command, key, arg))
        except (EOFError, OSError) as e:
            return (INFO, None, f"client died: {e}")
        return None

    def reply(self, timeout: float) -> tuple[str, Any, str | None]:
        """The answer to the command in flight; (INFO, None, ...) if none within `timeout`."""
        try:
            if self._conn.poll(timeout):
                return self._conn.recv()
        except (EOFError, OSError) as e:
            return (INFO, None, f"client died: {e}")
        return (INFO, None, f"no answer within {timeout:g} s")

    def stop(self) -> None:
        try:
            self._conn.send(("stop", "", None))
        except OSError:
            pass
        self.process.join(1.0)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2.0)
        self._conn.close()
