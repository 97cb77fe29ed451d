"""The servers of one campaign: the adapter's backend nodes and the protected resource.

Servers are started once per campaign and reset between runs (faults healed, data
cleared), because starting five servers for each of hundreds of Hypothesis examples would
dominate the campaign. Every run also locks a key name of its own, so nothing a previous
run left behind on *any* backend (a key still under its lease, a ZooKeeper node of a
session not yet expired, a SQL session still holding a lock) can touch the next one; the
history always calls it "lock". Clearing data is each node's own business
(`clear()`: Redis flushes, the rest have nothing to clear); the resource is one Redis the
nemesis never touches.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

from taala.adapter import Adapter, host_port
from taala.nemesis.proxy import TcpProxy
from taala.redis_connect import redis_client
from taala.servers import BACKENDS, start_redis
from taala.servers.network import PrivateNetwork
from taala.target import Target
from taala.workloads.base import Workload, load

LOCK_KEY, RESOURCE_KEY = "lock", "resource"


class Environment:
    """Servers for one campaign; a context manager that always stops them."""

    def __init__(self, adapter_cls: type[Adapter], *, client_log: str | None = None, network: bool = False,
                 workload: Workload | None = None, target: Target | None = None):
        """`network`: start the nodes each in a namespace of a private network, so the
        `node-partition` fault can cut links between them (root only). `workload`: what
        the clients do in their critical sections (`taala.workloads.base`); None: the counter.
        `target`: servers the user runs (`taala.target`), used instead of starting any."""
        self.adapter_cls = adapter_cls
        self.workload = workload
        self.target = target
        self.client_log = client_log  # where client processes write their output
        self.cluster = None
        self._runs = itertools.count(1)
        self._store: Any = None  # the coordinator's connection to the resource Redis
        self.lock_key = LOCK_KEY
        self.proxies: dict[int, list[TcpProxy]] = {}  # client slot -> one proxy per node
        self.network: PrivateNetwork | None = None
        prepare = getattr(adapter_cls, "prepare", None)  # a process adapter's build step, once, here:
        if prepare is not None:  # client processes time their start (taala.process_adapter)
            prepare()
        self.resource = start_redis(1)
        try:
            if target is not None:
                self.cluster = target.connect()
            elif adapter_cls.backend is not None:
                start, takes_nodes = BACKENDS[adapter_cls.backend]
                options = dict(adapter_cls.server_options)
                if network:
                    self.network = options["network"] = PrivateNetwork()
                self.cluster = start(adapter_cls.nodes, **options) if takes_nodes else start(**options)
        except BaseException:
            if self.network is not None:
                self.network.close()
            self.resource.close()
            raise

    @property
    def nodes(self) -> list:
        if self.cluster is None:
            return []
        return list(self.cluster) if hasattr(self.cluster, "__iter__") else [self.cluster]  # one server

    @property
    def addresses(self) -> list[str]:
        return [node.address for node in self.nodes]

    def use_proxies(self, clients: int) -> None:
        """Put a TCP proxy between each client slot and each node (kept for the campaign)."""
        for c in range(clients):
            if c not in self.proxies:
                self.proxies[c] = [TcpProxy(*host_port(node.address), name=f"client{c}-{node.name}").start()
                                   for node in self.nodes]

    def proxies_of(self, c: int) -> list[TcpProxy]:
        if c not in self.proxies:
            raise RuntimeError("connection faults need the runner's proxies (Environment.use_proxies)")
        return self.proxies[c]

    def addresses_for(self, c: int) -> list[str]:
        """Where client slot c connects: through its proxies if there are any."""
        return [p.address for p in self.proxies[c]] if c in self.proxies else self.addresses

    @property
    def resource_address(self) -> str:
        return self.resource[0].address

    def reset(self) -> None:
        """Back to a clean state: every node running, resumed, on time and cleared; a new key."""
        for node in self.nodes:
            if getattr(node, "paused", False):
                node.resume()
            clock = getattr(node, "clock", None)
            if clock is not None and clock.offset:
                clock.reset()
            if not node.running and self.target is not None:
                node.restart()  # a container: started again from its own config
            elif not node.running:
                node.start()
        for node in self.nodes + [self.resource[0]]:
            node.clear()  # a target's servers are the user's: theirs clear nothing
        if self.workload is not None:
            load(self.store, self.workload)
        self.lock_key = f"taala-{os.getpid()}-{next(self._runs)}"

    @property
    def store(self) -> Any:
        """The coordinator's connection to the resource Redis (where a workload's data lives)."""
        if self._store is None:
            self._store = redis_client(self.resource_address, timeout=2.0)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        try:
            for proxies in self.proxies.values():
                for proxy in proxies:
                    proxy.close()
            if self.cluster is not None:
                self.cluster.close()
            if self.network is not None:
                self.network.close()
        finally:
            self.resource.close()

    def __enter__(self) -> Environment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
