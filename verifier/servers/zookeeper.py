"""ZooKeeper 3.8: a standalone server or an ensemble, one JVM per node.

The JVM is started directly (``QuorumPeerMain zoo.cfg``); Debian's zkServer.sh would
daemonize and lose the pid. ``tickTime`` sets the session timeout range a client can get
(2x to 20x tick: 1 s to 10 s at the default 500 ms), and with ``syncLimit=5`` a follower
notices a dead leader after ~2.5 s: short enough to expire sessions inside a test.

Clocks: ZooKeeper times sessions with the monotonic clock (``Time.currentElapsedTime``),
so a wall-clock jump does not expire anything; the nemesis models its clock faults as
pauses.
"""

from __future__ import annotations

from pathlib import Path

from taala.servers.base import (
    LOOPBACK,
    Cluster,
    MissingBinaryError,
    Server,
    exchange,
    find_binary,
    make_workdir,
)
from taala.servers.network import PrivateNetwork

_JARS = ("/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-simple.jar")


class ZooKeeperServer(Server):
    kind = "zookeeper"
    package = "zookeeper"
    port_names = ("client", "quorum", "election")
    start_timeout = 30.0
    wall_clock_timers = False

    def __init__(self, name: str, workdir: Path, *, myid: int = 1, tick_ms: int = 500,
                 host: str = LOOPBACK, netns: str | None = None):
        self._java = find_binary("java", "default-jre-headless")
        if not Path(_JARS[0]).is_file():
            raise MissingBinaryError("zookeeper.jar", self.package)
        super().__init__(name, workdir, host=host, netns=netns)
        self.myid = myid
        self.tick_ms = tick_ms
        self.peers: list[ZooKeeperServer] = []  # the whole ensemble, self included; [] = standalone

    def prepare(self) -> None:
        super().prepare()
        lines = [
            f"tickTime={self.tick_ms}", "initLimit=10", "syncLimit=5",
            f"dataDir={self.data_dir}", f"clientPort={self.port}",
            f"clientPortAddress={self.host}", "maxClientCnxns=0",
            "admin.enableServer=false",  # else a Jetty admin server on :8080 per node
            "4lw.commands.whitelist=ruok,srvr,stat,mntr,conf,isro",
        ]
        if self.peers:
            (self.data_dir / "myid").write_text(f"{self.myid}\n")
            lines += [f"server.{p.myid}={p.host}:{p.ports['quorum']}:{p.ports['election']}"
                      for p in self.peers]
        (self.dir / "zoo.cfg").write_text("\n".join(lines) + "\n")

    def command(self) -> list[str]:
        return [self._java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
                ":".join(["/etc/zookeeper/conf", *_JARS]),
                "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(self.dir / "zoo.cfg")]

    def four_letter(self, word: str) -> str:
        """Ask a four-letter-word command ("srvr", "ruok", "mntr", ...)."""
        return exchange(self.host, self.port, word.encode(), until=b"\x00").decode(errors="replace")

    def mode(self) -> str | None:
        """"leader", "follower", "standalone", or None when not serving."""
        for line in self.four_letter("srvr").splitlines():
            if line.startswith("Mode: "):
                return line.split(": ", 1)[1].strip()
        return None

    def probe(self) -> bool:
        return self.mode() in ("leader", "follower", "standalone")


class ZooKeeperEnsemble(Cluster[ZooKeeperServer]):
    @property
    def hosts(self) -> str:
        """The connection string for kazoo / any ZooKeeper client."""
        return ",".join(self.addresses)

    def leader(self) -> ZooKeeperServer | None:
        for server in self.servers:
            try:
                if server.running and not server.paused and server.mode() in ("leader", "standalone"):
                    return server
            except OSError:
                continue
        return None


def start_zookeeper(nodes: int = 1, *, tick_ms: int = 500, workdir: Path | str | None = None,
                    network: PrivateNetwork | None = None,
                    timeout: float | None = None) -> ZooKeeperEnsemble:
    """A standalone server (``nodes=1``) or an ensemble, ready when every node has a role."""
    directory, owned = make_workdir("zookeeper", workdir)
    servers: list[ZooKeeperServer] = []
    try:
        for i in range(1, nodes + 1):
            where = network.add_host(f"zk{i}") if network else None
            servers.append(ZooKeeperServer(
                f"zk{i}", directory, myid=i, tick_ms=tick_ms,
                host=where.address if where else LOOPBACK, netns=where.netns if where else None))
    except BaseException:
        ZooKeeperEnsemble(servers, directory, owns_workdir=owned).close()
        raise
    if nodes > 1:
        for server in servers:
            server.peers = servers
    return ZooKeeperEnsemble(servers, directory, owns_workdir=owned).start(timeout)
