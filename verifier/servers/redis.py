"""Independent Redis servers (Redlock wants five), optionally with a movable wall clock.

`persistence` decides what a crash loses: "none" (the default: a killed and restarted
node comes back empty, the classic Redlock hazard) or "aof" (append-only file fsynced on
every write: a restarted node comes back with every acknowledged key).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from taala.servers.base import (
    LOOPBACK,
    Cluster,
    Server,
    ServerError,
    exchange,
    find_binary,
    make_workdir,
)
from taala.servers.faketime import FakeClock, faketime_leftovers
from taala.servers.network import PrivateNetwork

Persistence = Literal["none", "aof"]


class RedisServer(Server):
    kind = "redis"
    package = "redis-server"
    start_timeout = 10.0
    wall_clock_timers = True  # key expiry reads the wall clock: a clock jump expires keys

    def __init__(self, name: str, workdir: Path, *, clock: bool = False,
                 persistence: Persistence = "none", host: str = LOOPBACK,
                 netns: str | None = None):
        self._binary = find_binary("redis-server", self.package)
        super().__init__(name, workdir, host=host, netns=netns)
        self.persistence = persistence
        self.clock = FakeClock(self.dir / "faketime.rc") if clock else None

    def command(self) -> list[str]:
        argv = [
            self._binary, "--port", str(self.port), "--bind", self.host,
            "--daemonize", "no", "--dir", str(self.data_dir), "--logfile", "",
            "--save", "",
        ]
        if self.persistence == "aof":
            argv += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            argv += ["--appendonly", "no"]
        if self.host != LOOPBACK:
            argv += ["--protected-mode", "no"]  # else every non-loopback client is DENIED
        return argv

    def environment(self) -> dict[str, str] | None:
        return self.clock.environment() if self.clock else None

    def probe(self) -> bool:
        return exchange(self.host, self.port, b"PING\r\n").startswith(b"+PONG")

    def leftover_files(self, pid: int) -> list[str]:
        return faketime_leftovers(pid) if self.clock else []

    def clear(self) -> None:
        """FLUSHALL on a fresh connection (a node killed and restarted since the last run
        would have broken a kept one)."""
        reply = exchange(self.host, self.port, b"FLUSHALL\r\n", timeout=2.0)
        if not reply.startswith(b"+OK"):
            raise ServerError(f"{self.name}: FLUSHALL answered {reply[:80]!r}")


def start_redis(nodes: int = 1, *, clock: bool = False, persistence: Persistence = "none",
                workdir: Path | str | None = None, network: PrivateNetwork | None = None,
                timeout: float | None = None) -> Cluster[RedisServer]:
    """Start `nodes` independent Redis servers on loopback (or each in its own namespace of
    `network`, a `taala.servers.network.PrivateNetwork`, so they can be partitioned).

    With ``clock=True`` each node's wall clock can be moved through ``node.clock``.
    """
    directory, owned = make_workdir("redis", workdir)
    servers = []
    try:
        for i in range(nodes):
            where = network.add_host(f"redis{i + 1}") if network else None
            servers.append(RedisServer(
                f"redis{i + 1}", directory, clock=clock, persistence=persistence,
                host=where.address if where else LOOPBACK, netns=where.netns if where else None))
    except BaseException:
        Cluster(servers, directory, owns_workdir=owned).close()
        raise
    return Cluster(servers, directory, owns_workdir=owned).start(timeout)
