"""A private network on this machine: one network namespace per server, joined by a bridge.

Servers on plain loopback cannot be partitioned from each other (every rule on ``lo`` hits
everyone). Each host here gets its own namespace, a veth pair onto a bridge and an
address in a /24 that this process created (``10.213.<slot>.0/24``; the slot is locked
machine-wide, so parallel test workers get distinct subnets and interface names). The
test process stays in the root namespace and reaches every host through the bridge, at
``gateway``; iptables rules inside a host's namespace (`taala.nemesis.partition`) then cut
exactly the links a fault names, and touch nothing outside the namespaces made here.

Needs root (CAP_NET_ADMIN). Everything is deleted on `close()`, and by the watchdog if
this process dies first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

from taala.servers import watchdog
from taala.servers.base import ServerError, live_servers
from taala.servers.ports import try_lock, unlock

_PREFIX = "10.213"


@dataclass(frozen=True)
class Host:
    name: str
    netns: str
    address: str


def run(*argv: str, netns: str | None = None, stdin: str | None = None) -> None:
    """Run one `ip`/`iptables` command (bounded), raising ServerError with its stderr."""
    if netns:
        argv = ("ip", "netns", "exec", netns, *argv)
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=20)
    if done.returncode != 0:
        raise ServerError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")


class PrivateNetwork:
    """Bridge + namespaces. `add_host(name)` gives a `Host` to start a server in."""

    def __init__(self) -> None:
        if os.geteuid() != 0:
            raise ServerError("network namespaces need root; without root use the TCP proxy "
                              "(taala.nemesis.proxy) for network faults between client and server")
        for tool, package in (("ip", "iproute2"), ("iptables", "iptables")):
            if not shutil.which(tool):
                raise ServerError(f"{tool!r} not found: install the Debian package {package!r}")
        self.slot = self._claim_slot()
        self.subnet = f"{_PREFIX}.{self.slot}"
        self.gateway = f"{self.subnet}.1"
        self.bridge = f"tbr{self.slot}"
        self.hosts: list[Host] = []
        self._cleanup: list[list[str]] = []
        try:
            run("ip", "link", "add", self.bridge, "type", "bridge")
            self._on_close(["ip", "link", "del", self.bridge])
            run("ip", "addr", "add", f"{self.gateway}/24", "dev", self.bridge)
            run("ip", "link", "set", self.bridge, "up")
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _claim_slot() -> int:
        in_use = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True,
                                timeout=10).stdout
        for slot in range(1, 250):
            taken = f" {_PREFIX}.{slot}." in in_use or f" tbr{slot} " in in_use
            if taken or not try_lock(f"net-{slot}"):
                continue
            return slot
        raise ServerError("no free 10.213.x.0/24 slot for a private network")

    def _on_close(self, argv: list[str]) -> None:
        self._cleanup.append(argv)
        watchdog.guard_command(argv)

    def add_host(self, name: str) -> Host:
        index = len(self.hosts) + 1
        netns = f"taala-{self.slot}-{index}"
        outside, inside = f"tv{self.slot}h{index}", f"tv{self.slot}n{index}"
        address = f"{self.subnet}.{10 + index}"
        run("ip", "netns", "add", netns)
        self._on_close(["ip", "netns", "del", netns])
        run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
        # deleted explicitly: a dead namespace releases its veth only later, asynchronously
        self._on_close(["ip", "link", "del", outside])
        run("ip", "link", "set", inside, "netns", netns)
        run("ip", "link", "set", outside, "master", self.bridge)
        run("ip", "link", "set", outside, "up")
        batch = (f"addr add {address}/24 dev {inside}\nlink set {inside} up\nlink set lo up\n"
                 f"route add default via {self.gateway}\n")
        run("ip", "-batch", "-", netns=netns, stdin=batch)
        host = Host(name, netns, address)
        self.hosts.append(host)
        return host

    def close(self) -> None:
        """Delete namespaces and bridge (kill the servers inside first: a namespace lives on
        while a process is in it, keeping its host-side veth name taken)."""
        ours = {h.netns for h in self.hosts}
        for server in list(live_servers):
            if server.netns in ours:
                server.kill()
        for argv in reversed(self._cleanup):
            subprocess.run(argv, capture_output=True, timeout=20)
            watchdog.release_command(argv)
        self._cleanup = []
        unlock(f"net-{self.slot}")

    def __enter__(self) -> PrivateNetwork:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
