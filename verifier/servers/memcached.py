"""memcached 1.6 (tooz's memcached driver, sherlock's MCLock): one server, no persistence.

Expiry uses memcached's own clock, ticked from the monotonic clock, so there is no wall
clock to jump; a kill always loses everything (there is nothing to persist).
"""

from __future__ import annotations

import os
from pathlib import Path

from taala.servers.base import (
    LOOPBACK,
    Server,
    exchange,
    find_binary,
    make_workdir,
    start_single,
)
from taala.servers.network import PrivateNetwork


class MemcachedServer(Server):
    kind = "memcached"
    package = "memcached"
    start_timeout = 10.0
    wall_clock_timers = False

    def __init__(self, name: str, workdir: Path, *, memory_mb: int = 64, host: str = LOOPBACK,
                 netns: str | None = None):
        self._binary = find_binary("memcached", self.package)
        super().__init__(name, workdir, host=host, netns=netns)
        self.memory_mb = memory_mb

    def command(self) -> list[str]:
        argv = [self._binary, "-l", self.host, "-p", str(self.port), "-U", "0",
                "-m", str(self.memory_mb), "-v"]
        if os.geteuid() == 0:
            argv += ["-u", "root"]  # memcached refuses root without naming the user
        return argv

    def probe(self) -> bool:
        return exchange(self.host, self.port, b"version\r\n").startswith(b"VERSION")


def start_memcached(*, workdir: Path | str | None = None, network: PrivateNetwork | None = None,
                    timeout: float | None = None) -> MemcachedServer:
    directory, owned = make_workdir("memcached", workdir)
    where = network.add_host("memcached") if network else None
    server = MemcachedServer("memcached", directory, host=where.address if where else LOOPBACK,
                             netns=where.netns if where else None)
    server.remove_on_close = directory if owned else None
    return start_single(server, timeout)
