"""etcd 3.4: a single node or a cluster, v3 API (gRPC and its JSON gateway under /v3/).

Ready means ``/health`` says true, which etcd only does once the node sees a leader.
``--heartbeat-interval 100 --election-timeout 1000`` (the defaults) keep an election after
a leader pause within ~2 s. Clocks: etcd is Go; Go reads time through the vDSO (libfaketime
cannot reach it) and leases run on the monotonic clock, so the nemesis models etcd clock
faults as pauses.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from taala.servers.base import (
    LOOPBACK,
    Cluster,
    Server,
    ServerError,
    find_binary,
    make_workdir,
)
from taala.servers.network import PrivateNetwork


class EtcdServer(Server):
    kind = "etcd"
    package = "etcd-server"
    port_names = ("client", "peer")
    start_timeout = 30.0
    wall_clock_timers = False
    # A stopping leader first tries to hand leadership to peers that are stopping too; a
    # test cluster's data is thrown away anyway, so do not wait out that transfer.
    stop_grace = 1.0

    def __init__(self, name: str, workdir: Path, *, host: str = LOOPBACK,
                 netns: str | None = None):
        self._binary = find_binary("etcd", self.package)
        super().__init__(name, workdir, host=host, netns=netns)
        self.peers: list[EtcdServer] = [self]
        self.cluster_token = f"taala-{self.ports['peer']}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    @property
    def peer_url(self) -> str:
        return f"http://{self.host}:{self.ports['peer']}"

    def command(self) -> list[str]:
        members = ",".join(f"{p.name}={p.peer_url}" for p in self.peers)
        return [
            self._binary, "--name", self.name, "--data-dir", str(self.data_dir),
            "--logger", "zap", "--log-level", "warn",
            "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
            "--listen-peer-urls", self.peer_url, "--initial-advertise-peer-urls", self.peer_url,
            "--initial-cluster", members, "--initial-cluster-state", "new",
            "--initial-cluster-token", self.cluster_token,
            "--heartbeat-interval", "100", "--election-timeout", "1000",
        ]

    def wipe(self) -> None:
        if len(self.peers) > 1:
            raise ServerError(f"{self.name}: a cluster member restarted with an empty data dir "
                              "cannot rejoin under its old identity (etcd needs member remove/add)")
        super().wipe()

    def probe(self) -> bool:
        with urllib.request.urlopen(f"{self.url}/health", timeout=0.5) as reply:
            return json.loads(reply.read()).get("health") == "true"

    def is_leader(self) -> bool:
        request = urllib.request.Request(f"{self.url}/v3/maintenance/status", data=b"{}",
                                         method="POST")
        with urllib.request.urlopen(request, timeout=0.5) as reply:
            status = json.loads(reply.read())
        return status.get("leader") == status.get("header", {}).get("member_id")


class EtcdCluster(Cluster[EtcdServer]):
    @property
    def endpoints(self) -> list[str]:
        return [s.url for s in self.servers]

    def leader(self) -> EtcdServer | None:
        for server in self.servers:
            try:
                if server.running and not server.paused and server.is_leader():
                    return server
            except OSError:
                continue
        return None


def start_etcd(nodes: int = 1, *, workdir: Path | str | None = None,
               network: PrivateNetwork | None = None, timeout: float | None = None) -> EtcdCluster:
    """A single node (``nodes=1``) or a cluster; ready when every node reports healthy."""
    directory, owned = make_workdir("etcd", workdir)
    servers: list[EtcdServer] = []
    try:
        for i in range(1, nodes + 1):
            where = network.add_host(f"etcd{i}") if network else None
            servers.append(EtcdServer(f"etcd{i}", directory,
                                      host=where.address if where else LOOPBACK,
                                      netns=where.netns if where else None))
    except BaseException:
        EtcdCluster(servers, directory, owns_workdir=owned).close()
        raise
    for server in servers:
        server.peers = servers
        server.cluster_token = servers[0].cluster_token
    return EtcdCluster(servers, directory, owns_workdir=owned).start(timeout)
