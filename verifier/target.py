"""Remote targets: vet a lock against servers you already run (`taala vet ADAPTER --target FILE`).

A target file (TOML) names the backend, each node's address, and how taala may inject
faults into that node: `docker:CONTAINER` (the node runs in a container of the Docker
engine at `docker`, so node faults go through `taala.nemesis.containers`: pause, kill and
restart with its volumes wiped) or `none` (taala only connects to it):

    backend = "redis"                      # must be the adapter's backend
    docker = "unix:///var/run/docker.sock" # optional: the engine (default: $DOCKER_HOST)

    [[node]]
    address = "172.30.0.2:6379"
    inject = "docker:redis-1"
    clock = "clocks/redis-1"              # optional: this node's wall clock can be moved

`clock` names a directory on this machine that the container mounts at `/taala-clock`,
its server running with libfaketime preloaded and reading `/taala-clock/faketime.rc`
(`taala.nemesis.containers.faketime_environment` gives the environment): taala writes the
offset there, so the `clock` fault jumps that server's wall clock. A relative path is
read from the target file's folder.

Client faults (`pause`, `slow`, `partition`, `latency`, `connection-kill`) always work:
they strike taala's own client processes and the TCP proxies in front of every node. A
node fault is run only if *every* node says how to inject it; anything else is refused
in one line before a server is touched. taala never flushes or stops a target's servers:
every run locks a key name of its own, so nothing of one run can touch the next, and
nothing of yours is deleted.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taala.faults import CLIENT, REGISTRY

DOCKER_FAULTS = tuple(n for n, f in REGISTRY.items() if f.on_targets == "container")  # any container takes them
CLOCK_FAULTS = tuple(n for n, f in REGISTRY.items() if f.on_targets == "clock")  # a container with a `clock` directory


class TargetError(ValueError):
    """A target file that cannot be used, with the file (and node) in the message."""


@dataclass(frozen=True)
class TargetNode:
    address: str
    inject: str = "none"  # "none" or "docker:CONTAINER"
    clock: str | None = None  # directory mounted at /taala-clock in the container (libfaketime)

    @property
    def container(self) -> str | None:
        return self.inject.split(":", 1)[1] if self.inject.startswith("docker:") else None


@dataclass
class Target:
    path: str
    backend: str
    nodes: list[TargetNode]
    docker: str | None = None

    def unsupported(self, faults: list[str]) -> list[str]:
        """One line per fault this target cannot inject (empty: all fine)."""
        problems = []
        for name in (f for f in faults if f in REGISTRY and REGISTRY[f].target != CLIENT):
            blind = [i for i, n in enumerate(self.nodes) if n.container is None]
            clockless = [i for i, n in enumerate(self.nodes) if n.clock is None]
            if name not in DOCKER_FAULTS + CLOCK_FAULTS:
                problems.append(f"{name}: a target's nodes take only {', '.join(DOCKER_FAULTS + CLOCK_FAULTS)} "
                                f"(and client faults); {self.path} cannot inject {name}")
            elif blind:
                problems.append(f"{name}: node {blind[0]} of {self.path} ({self.nodes[blind[0]].address}) "
                                f"says inject = \"none\"")
            elif name in CLOCK_FAULTS and clockless:
                problems.append(f"{name}: node {clockless[0]} of {self.path} ({self.nodes[clockless[0]].address}) "
                                f"names no clock directory (clock = \"DIR\", mounted at /taala-clock)")
        return problems

    def connect(self) -> TargetCluster:
        return TargetCluster(self)


def load(path: str | Path) -> Target:
    """Read and check a target file; TargetError naming the file (and line or node)."""
    where = str(path)
    try:
        data = tomllib.loads(Path(path).read_text())
    except OSError as e:
        raise TargetError(f"{where}: cannot read: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise TargetError(f"{where}: {e}") from None
    backend, nodes = data.get("backend"), data.get("node")
    if not isinstance(backend, str):
        raise TargetError(f"{where}: needs backend = \"redis\" (or another backend name)")
    if not isinstance(nodes, list) or not nodes:
        raise TargetError(f"{where}: needs at least one [[node]] with an address")
    out = []
    for i, node in enumerate(nodes):
        address, inject = node.get("address"), node.get("inject", "none")
        host, _, port = str(address).rpartition(":")
        if not isinstance(address, str) or not host or not port.isdigit():
            raise TargetError(f"{where}: node {i}: address must be \"host:port\", got {address!r}")
        if not isinstance(inject, str) or not (inject == "none" or inject.startswith("docker:") and inject[7:]):
            raise TargetError(f"{where}: node {i}: inject must be \"none\" or \"docker:CONTAINER\", got {inject!r}")
        clock = node.get("clock")
        if clock is not None and (not isinstance(clock, str) or not clock or not inject.startswith("docker:")):
            raise TargetError(f"{where}: node {i}: clock must be a directory (a string) on a docker: node, got {clock!r}")
        if clock is not None:
            clock = str((Path(path).parent / clock).resolve())
        out.append(TargetNode(address, inject, clock))
    docker = data.get("docker")
    if docker is not None and not isinstance(docker, str):
        raise TargetError(f"{where}: docker must be the engine's address, e.g. \"unix:///var/run/docker.sock\"")
    return Target(where, backend, out, docker)


class RemoteNode:
    """A node taala only connects to: always running, never paused, no faults."""

    kind = "remote"

    def __init__(self, address: str, index: int):
        self.address, self.name = address, f"node{index}"
        self.running, self.paused, self.clock = True, False, None

    def clear(self) -> None:
        """Nothing: a target's servers are the user's, never flushed (each run has its own key)."""

    def __repr__(self) -> str:
        return f"<RemoteNode {self.address}>"


@dataclass
class TargetCluster:
    """A target's nodes as the runner sees a cluster: iterable, `close()` stops nothing."""

    target: Target
    nodes: list[Any] = field(default_factory=list)
    _docker: Any = None

    def __post_init__(self) -> None:
        for i, node in enumerate(self.target.nodes):
            if node.container is None:
                self.nodes.append(RemoteNode(node.address, i))
                continue
            from taala.nemesis.containers import ContainerNode, clock_file

            host, _, port = node.address.rpartition(":")
            try:
                found = self.docker.containers.get(node.container)
            except Exception as e:  # docker.errors.NotFound, APIError: one line for the user
                raise TargetError(f"{self.target.path}: node {i}: container {node.container!r}: {e}") from None
            clock = clock_file(Path(node.clock)) if node.clock else None
            self.nodes.append(ContainerNode(found, port=int(port), host=host, clock=clock))

    @property
    def docker(self) -> Any:
        if self._docker is None:
            try:
                import docker
            except ImportError:
                raise TargetError("a docker: node needs the Docker SDK: pip install 'taala[docker]'") from None
            self._docker = docker.DockerClient(base_url=self.target.docker) if self.target.docker \
                else docker.from_env()
        return self._docker

    def __iter__(self):
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def __getitem__(self, i: int) -> Any:
        return self.nodes[i]

    def close(self) -> None:
        """Leave every server as the faults' healing left it; close the engine connection."""
        if self._docker is not None:
            self._docker.close()
