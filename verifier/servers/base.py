"""What every backend shares: a `Server` node, a `Cluster` of nodes, and their errors.

A backend module (redis.py, zookeeper.py, ...) only says how to build its command line,
how to prepare its data directory and how to ask "are you serving?" once. Everything
that must be right for all of them lives here: ports reserved per node and kept across
restarts (peers and clients know a node by address), a bounded readiness wait that
notices a server that died while starting, one clear error naming the Debian package and
quoting the server's log, and cleanup that is safe to call twice.
"""

from __future__ import annotations

import abc
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, Generic, Self, TypeVar

import psutil
from taala.servers import watchdog
from taala.servers.ports import PortLease, reserve_ports
from taala.servers.process import SupervisedProcess

LOOPBACK = "127.0.0.1"

_START_ATTEMPTS = 3

# Every server created and not yet closed: the pytest plugin attaches their logs to failures.
live_servers: weakref.WeakSet[Server] = weakref.WeakSet()


class ServerError(RuntimeError):
    """A server could not be found, started or reached. The message says what to do."""


class MissingBinaryError(ServerError):
    def __init__(self, binary: str, package: str):
        super().__init__(
            f"{binary!r} not found: install the Debian package {package!r} "
            f"(apt-get install -y {package}; the full list is scripts/apt-packages.txt)"
        )
        self.binary = binary
        self.package = package


class StartupError(ServerError):
    def __init__(self, server: Server, reason: str):
        super().__init__(
            f"{server.kind} server {server.name!r} on {server.address} {reason} "
            f"(Debian package {server.package!r}; log {server.log_path}):\n"
            f"{server.log_tail(30)}"
        )
        self.server = server


def find_binary(name: str, package: str, *candidates: str) -> str:
    """Absolute path of `name` on PATH or at one of `candidates`, else MissingBinaryError."""
    found = shutil.which(name)
    if found:
        return found
    for path in candidates:
        if Path(path).is_file():
            return path
    raise MissingBinaryError(name, package)


def exchange(host: str, port: int, request: bytes, timeout: float = 0.5,
             until: bytes = b"\n") -> bytes:
    """Send `request` on a fresh TCP connection and read until `until` or EOF (bounded)."""
    with socket.create_connection((host, port), timeout=timeout) as conn:
        conn.settimeout(timeout)
        if request:
            conn.sendall(request)
        reply = b""
        while until not in reply:
            chunk = conn.recv(4096)
            if not chunk:
                break
            reply += chunk
        return reply


class Server(abc.ABC):
    """One node of a backend: its process, reserved ports, data directory and log."""

    kind: ClassVar[str] = "server"
    package: ClassVar[str] = ""  # the Debian package that provides the binary
    port_names: ClassVar[tuple[str, ...]] = ("client",)
    start_timeout: ClassVar[float] = 20.0
    stop_signal: ClassVar[int] = signal.SIGTERM
    stop_grace: ClassVar[float] = 5.0  # seconds between stop_signal and SIGKILL
    # True when the server expires locks by the wall clock, so a clock jump is a real fault
    # (Redis). False: timers are monotonic or absent, and the nemesis models a jump as a pause.
    wall_clock_timers: ClassVar[bool] = False

    def __init__(self, name: str, workdir: Path, *, host: str = LOOPBACK,
                 netns: str | None = None):
        self.name = name
        self.host = host
        self.netns = netns
        self.dir = Path(workdir) / name
        self.data_dir = self.dir / "data"
        self.log_path = self.dir / "server.log"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lease: PortLease | None = reserve_ports(len(self.port_names))
        self.ports: dict[str, int] = dict(zip(self.port_names, self._lease.ports))
        self._process: SupervisedProcess | None = None
        self.remove_on_close: Path | None = None  # a temp workdir made for this server alone
        live_servers.add(self)

    # ---- what a backend defines -------------------------------------------------------
    @abc.abstractmethod
    def command(self) -> list[str]:
        """The server's argv (without any network-namespace prefix)."""

    def environment(self) -> dict[str, str] | None:
        """Extra environment variables for the server process."""
        return None

    def prepare(self) -> None:
        """Create the data directory and config files; called before every (re)start."""
        self.data_dir.mkdir(parents=True, exist_ok=True)

    @abc.abstractmethod
    def probe(self) -> bool:
        """One short, bounded attempt to see whether the server serves requests."""

    # ---- addresses ----------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self.ports["client"]

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    # ---- lifecycle ----------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.running()

    @property
    def paused(self) -> bool:
        return self._process is not None and self._process.paused

    def spawn(self) -> None:
        """Start the process without waiting for it to serve (so a cluster starts in parallel)."""
        if self.running:
            return
        self.prepare()
        argv = self.command()
        if self.netns:
            argv = ["ip", "netns", "exec", self.netns, *argv]
        self._process = SupervisedProcess(argv, self.log_path, env=self.environment(),
                                          cwd=self.dir, stop_signal=self.stop_signal)
        self._process.start()
        leftovers = self.leftover_files(self._process.pid)  # type: ignore[arg-type]
        if leftovers:
            watchdog.guard_command(["rm", "-f", *leftovers])

    def wait_ready(self, deadline: float) -> None:
        """Poll `probe` until it holds, or fail once time.monotonic() passes `deadline`."""
        pause = 0.005
        while True:
            if not self.running:
                code = self._process.exit_code() if self._process else None
                self.kill()
                raise StartupError(self, f"exited while starting (exit code {code})")
            try:
                if self.probe() and self._owns_port():
                    return
            except (OSError, ValueError, subprocess.SubprocessError):
                pass  # not serving yet (refused, reset, half an answer, probe timed out)
            if time.monotonic() > deadline:
                self.kill()
                raise StartupError(self, "did not become ready in time")
            time.sleep(pause)
            pause = min(pause * 1.5, 0.1)

    def _owns_port(self) -> bool:
        """The answer came from OUR process, not from another server already on the port.

        Only checkable for servers in our own network namespace (psutil reads ours)."""
        if self.netns or self.pid is None:
            return True
        try:
            procs = [psutil.Process(self.pid), *psutil.Process(self.pid).children(recursive=True)]
            return any(c.status == psutil.CONN_LISTEN and c.laddr.port == self.port
                       for p in procs for c in p.net_connections("inet"))
        except psutil.Error:
            return False

    def start(self, timeout: float | None = None) -> Self:
        self.spawn()
        self.wait_ready(time.monotonic() + (timeout or self.start_timeout))
        return self

    def stop(self) -> None:
        """Graceful stop (bounded; falls back to SIGKILL). Data stays for a restart."""
        pid = self.pid
        if self._process:
            self._process.stop(self.stop_grace)
        self._after_exit(pid)

    def request_stop(self) -> None:
        if self._process:
            self._process.request_stop()

    def kill(self) -> None:
        """SIGKILL, as a crash: no shutdown work, whatever was not persisted is lost."""
        pid = self.pid
        if self._process:
            self._process.kill()
        self._after_exit(pid)

    def leftover_files(self, pid: int) -> list[str]:
        """Files the process `pid` leaves behind when killed (e.g. libfaketime's shared
        memory): deleted after it exits, or by the watchdog if we die first."""
        return []

    def _after_exit(self, pid: int | None) -> None:
        leftovers = self.leftover_files(pid) if pid else []
        for path in leftovers:
            with contextlib.suppress(OSError):
                os.unlink(path)
        if leftovers:
            watchdog.release_command(["rm", "-f", *leftovers])

    def pause(self) -> None:
        if self._process:
            self._process.pause()

    def resume(self) -> None:
        if self._process:
            self._process.resume()

    def clear(self) -> None:
        """Forget what earlier runs stored, between runs of a campaign. Nothing by default:
        every run locks a key name of its own, so a leftover cannot touch the next run;
        a server whose leftovers cost something (Redis: keys and fencing counters in
        memory, the resource's value) overrides it."""

    def wipe(self) -> None:
        """Delete the data directory (the server must not be running)."""
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def restart(self, *, wipe: bool = False, timeout: float | None = None) -> Self:
        """Kill and start again on the same ports; `wipe` also deletes all persisted data."""
        self.kill()
        if wipe:
            self.wipe()
        return self.start(timeout)

    def renew_ports(self) -> None:
        """Swap the reserved ports for new ones (only while stopped: peers know the old ones)."""
        old = self._lease
        self._lease = reserve_ports(len(self.port_names))
        self.ports = dict(zip(self.port_names, self._lease.ports))
        if old:
            old.release()

    def close(self) -> None:
        """Stop for good and give the ports back. Safe to call more than once."""
        self.stop()
        if self._lease:
            self._lease.release()
            self._lease = None
        live_servers.discard(self)
        if self.remove_on_close:
            remove_dir(self.remove_on_close)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"

    def __enter__(self) -> Self:
        if not self.running:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "paused" if self.paused else "running" if self.running else "stopped"
        return f"<{type(self).__name__} {self.name} {self.address} pid={self.pid} {state}>"


S = TypeVar("S", bound=Server)


class Cluster(Generic[S]):
    """Nodes started together and stopped together: N independent Redis, a ZK ensemble, ...

    `workdir` is deleted on close when the cluster created it (``owns_workdir``); a
    caller-provided directory (e.g. pytest's tmp_path) is kept so the logs can be read.
    """

    def __init__(self, servers: list[S], workdir: Path, *, owns_workdir: bool = False):
        self.servers = servers
        self.workdir = Path(workdir)
        self.owns_workdir = owns_workdir

    def start(self, timeout: float | None = None) -> Self:
        """Spawn every node first, then wait for all of them: startup cost is the slowest node.

        Ports are checked free and locked against other taala processes, but a program
        that knows nothing of our locks can still bind one in between. Then the cluster
        starts over on new ports with empty data directories (a few times at most).
        """
        timeout = timeout or max(s.start_timeout for s in self.servers)
        try:
            for attempt in range(1, _START_ATTEMPTS + 1):
                try:
                    return self._start_once(time.monotonic() + timeout)
                except StartupError as error:
                    if "already in use" not in str(error).lower() or attempt == _START_ATTEMPTS:
                        raise
                    for server in self.servers:
                        server.kill()
                        Server.wipe(server)
                        server.renew_ports()
        except BaseException:
            self.close()
            raise
        raise AssertionError("unreachable")

    def _start_once(self, deadline: float) -> Self:
        for server in self.servers:
            server.spawn()
        for server in self.servers:
            server.wait_ready(deadline)
        return self

    @property
    def addresses(self) -> list[str]:
        return [s.address for s in self.servers]

    def stop(self) -> None:
        for server in self.servers:
            server.request_stop()  # all at once: a lone survivor may wait for its lost peers
        for server in self.servers:
            server.stop()

    def close(self) -> None:
        errors = []
        for server in self.servers:
            server.request_stop()
        for server in self.servers:
            try:
                server.close()
            except Exception as error:  # close the others anyway
                errors.append(error)
        if self.owns_workdir:
            remove_dir(self.workdir)
        if errors:
            raise errors[0]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[S]:
        return iter(self.servers)

    def __len__(self) -> int:
        return len(self.servers)

    def __getitem__(self, index: int) -> S:
        return self.servers[index]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.servers}>"


def start_single(server: S, timeout: float | None = None) -> S:
    """Start one server with the same port-clash retry as a cluster; closed if it fails."""
    Cluster([server], server.dir.parent).start(timeout)
    return server


def make_workdir(kind: str, workdir: Path | str | None) -> tuple[Path, bool]:
    """(directory, created_here): a fresh temp dir unless the caller gives one."""
    if workdir is not None:
        path = Path(workdir)
        path.mkdir(parents=True, exist_ok=True)
        return path, False
    return temp_dir(f"taala-{kind}-"), True


def temp_dir(prefix: str) -> Path:
    """A temporary directory the watchdog deletes if we die without deleting it ourselves
    (a `kill -9` would otherwise leave a server's data behind: hundreds of MB for etcd)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    watchdog.guard_command(["rm", "-rf", "--", str(path)])
    return path


def remove_dir(path: Path) -> None:
    """Delete a `temp_dir` and tell the watchdog it is gone."""
    shutil.rmtree(path, ignore_errors=True)
    watchdog.release_command(["rm", "-rf", "--", str(path)])
