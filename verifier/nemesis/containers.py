"""The Docker nemesis: the same faults as the local one, injected into containers.

A `ContainerNode` is a container seen as a node: it has the `Server` interface the
`Nemesis` drives (``name``, ``address``, ``pause``/``resume``, ``kill``/``restart(wipe=)``,
an optional ``clock``), so every fault of `Nemesis` works on it unchanged and is recorded
the same way (``start-pause``, ``kill``, ``restart`` with ``wipe``, ``clock-jump``, ...):

    from taala.nemesis.containers import ContainerNode, DockerNemesis
    node = ContainerNode.attach(docker.from_env(), "taala-redis1-1", port=6379)
    with DockerNemesis(record=history.append) as nemesis:
        nemesis.pause(node)          # docker pause: the cgroup freezer, like SIGSTOP on a group
        nemesis.kill(node)           # docker kill (SIGKILL)
        nemesis.restart(node, wipe=True)   # a new container from the same config, empty volumes
        nemesis.disconnect(node)     # docker network disconnect: cut off from peers and clients
    # healed here: unpaused, started, reconnected

What each fault does to the container:

- pause/resume: ``docker pause``/``unpause`` (the freezer cgroup: every process stops at once).
- kill/restart: ``docker kill`` then ``docker start`` — the container's file system and
  volumes survive, its memory does not. ``restart(wipe=True)`` removes the container with
  its anonymous and named volumes and creates it again from its own recorded config, on
  the same network addresses (bind mounts are the host's: not wiped).
- disconnect/reconnect (``partition`` events): ``docker network disconnect``; the node is
  cut off from everyone on that network, clients included. Partitions between groups of
  nodes are not expressible with one network (`partition` says so).
- clock: where the container runs with libfaketime reading a timestamp file that this
  process writes (`ContainerNode(clock=FakeClock(...))`, see `faketime_environment`);
  otherwise the `Nemesis` rules apply (refused for wall-clock servers, modelled as a pause
  for the others).

Needs the Docker SDK (``pip install 'taala[docker]'``).
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from taala.nemesis.nemesis import Nemesis
from taala.servers.base import ServerError, exchange
from taala.servers.faketime import FakeClock

Probe = Callable[["ContainerNode"], bool]

# Where libfaketime finds its offset inside a container (bind-mounted from this machine).
CLOCK_DIR = "/taala-clock"


def tcp_probe(node: ContainerNode) -> bool:
    """The node accepts a TCP connection on its port."""
    with socket.create_connection((node.host, node.port), timeout=0.5):
        return True


def redis_probe(node: ContainerNode) -> bool:
    return exchange(node.host, node.port, b"PING\r\n").startswith(b"+PONG")


def faketime_environment(libfaketime: str, malloc_debug: str | None) -> dict[str, str]:
    """The container environment for a movable wall clock (the same settings as
    `taala.servers.faketime`), reading ``CLOCK_DIR/faketime.rc``; the library paths are
    inside the image."""
    preload = f"{malloc_debug}:{libfaketime}" if malloc_debug else libfaketime
    return {
        "LD_PRELOAD": preload,
        "FAKETIME_TIMESTAMP_FILE": f"{CLOCK_DIR}/faketime.rc",
        "FAKETIME_NO_CACHE": "1",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }


class ContainerNode:
    """One container as a node of a cluster. `host` defaults to its address on its first
    network; `port` is the service's port at that address."""

    kind = "container"

    def __init__(self, container: Any, *, port: int, host: str | None = None,
                 probe: Probe = tcp_probe, clock: FakeClock | None = None,
                 wall_clock_timers: bool = False, start_timeout: float = 20.0):
        self.container = container
        self.client = container.client
        self.name: str = container.name
        self.port = port
        self.probe = probe
        self.clock = clock
        self.wall_clock_timers = wall_clock_timers
        self.start_timeout = start_timeout
        self._endpoints = self._record_endpoints()
        self.host = host or self._first_address()

    @classmethod
    def attach(cls, client: Any, name: str, **options: Any) -> ContainerNode:
        """A node for an existing container (e.g. one of a compose project's)."""
        return cls(client.containers.get(name), **options)

    # ---- state --------------------------------------------------------------------------
    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def network_names(self) -> list[str]:
        return list(self._endpoints)

    def status(self) -> str:
        self.container.reload()
        return self.container.status

    @property
    def running(self) -> bool:
        return self.status() in ("running", "paused")

    @property
    def paused(self) -> bool:
        return self.status() == "paused"

    def _record_endpoints(self) -> dict[str, dict[str, Any]]:
        """Each network's address and aliases, kept so a reconnect or a re-creation puts the
        container back where peers and clients know it."""
        self.container.reload()
        endpoints = {}
        for name, settings in (self.container.attrs["NetworkSettings"]["Networks"] or {}).items():
            endpoints[name] = {
                "ipv4_address": settings.get("IPAddress") or None,
                "aliases": [a for a in settings.get("Aliases") or []
                            if not self.container.id.startswith(a)] or None,
            }
        return endpoints

    def _first_address(self) -> str:
        for endpoint in self._endpoints.values():
            if endpoint["ipv4_address"]:
                return endpoint["ipv4_address"]
        return "127.0.0.1"  # host networking: the service listens on this machine's loopback

    # ---- faults -------------------------------------------------------------------------
    def pause(self) -> None:
        self.container.pause()

    def resume(self) -> None:
        if self.paused:
            self.container.unpause()

    def kill(self) -> None:
        """SIGKILL the container (a paused one too) and wait until it has exited."""
        if self.running:
            self.container.kill()
        deadline = time.monotonic() + 10
        while self.running and time.monotonic() < deadline:
            time.sleep(0.02)

    def restart(self, *, wipe: bool = False, timeout: float | None = None) -> ContainerNode:
        """Start the container again (after a kill); `wipe` re-creates it with empty volumes."""
        self.kill()
        if wipe:
            self._recreate()
        else:
            self.container.start()
        self.wait_ready(time.monotonic() + (timeout or self.start_timeout))
        return self

    def _recreate(self) -> None:
        attrs = self.container.attrs
        config = {k: v for k, v in attrs["Config"].items() if v is not None}
        if config.get("Hostname") == self.container.id[:12]:
            config.pop("Hostname")  # docker's default (the old id): let the new one have its own
        config["HostConfig"] = attrs["HostConfig"]
        volumes = [m["Name"] for m in attrs.get("Mounts", []) if m.get("Type") == "volume"]
        networks = list(self._endpoints.items())
        if networks:
            first, endpoint = networks[0]
            config["NetworkingConfig"] = {"EndpointsConfig": {first: self._endpoint_config(endpoint)}}
        name = self.name
        self.container.remove(v=True, force=True)
        for volume in volumes:  # named volumes outlive their container: wiping deletes them
            with contextlib.suppress(Exception):  # gone with the container (anonymous)
                self.client.volumes.get(volume).remove(force=True)
        created = self.client.api.create_container_from_config(config, name=name)
        self.container = self.client.containers.get(created["Id"])
        for network, endpoint in networks[1:]:
            self.client.networks.get(network).connect(self.container, **endpoint)
        self.container.start()

    @staticmethod
    def _endpoint_config(endpoint: dict[str, Any]) -> dict[str, Any]:
        config: dict[str, Any] = {}
        if endpoint["ipv4_address"]:
            config["IPAMConfig"] = {"IPv4Address": endpoint["ipv4_address"]}
        if endpoint["aliases"]:
            config["Aliases"] = endpoint["aliases"]
        return config

    def disconnect(self, network: str) -> None:
        self.client.networks.get(network).disconnect(self.container, force=True)

    def reconnect(self, network: str) -> None:
        self.client.networks.get(network).connect(self.container, **self._endpoints[network])

    def wait_ready(self, deadline: float) -> None:
        pause = 0.01
        while True:
            try:
                if self.probe(self):
                    return
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                logs = self.container.logs(tail=30).decode(errors="replace")
                raise ServerError(f"container {self.name} ({self.address}) did not become ready "
                                  f"in time; status {self.status()}; its log:\n{logs}")
            time.sleep(pause)
            pause = min(pause * 1.5, 0.1)

    def clear(self) -> None:
        """Nothing: a container of a target is the user's server, never flushed (each run
        locks a key of its own)."""

    def __repr__(self) -> str:
        return f"<ContainerNode {self.name} {self.address}>"


class DockerNemesis(Nemesis):
    """`Nemesis` for containers: every fault of the local nemesis that a `ContainerNode`
    supports (pause, kill/restart, clock), plus network disconnection."""

    def disconnect(self, node: ContainerNode, network: str | None = None) -> None:
        """Cut `node` off its network (default: its first); healing reconnects it."""
        network = network or node.network_names[0]
        with self._lock:
            node.disconnect(network)
            self._active[("disconnect", node)] = lambda: self.reconnect(node, network)
            self._emit("partition", {"node": node.name, "address": node.address,
                                     "network": network, "via": "docker"})

    def reconnect(self, node: ContainerNode, network: str | None = None) -> None:
        network = network or node.network_names[0]
        with self._lock:
            if self._active.pop(("disconnect", node), None) is None:
                return
            node.reconnect(network)
            self._emit("heal", {"node": node.name, "network": network, "via": "docker"})

    def isolate(self, node: ContainerNode, *, peers: Sequence[Any] = (), clients: bool = True,
                direction: str = "both", loss: float = 1.0) -> None:
        """Only the whole cut is possible with Docker networks: from everyone, both ways."""
        if not clients or direction != "both" or loss != 1.0:
            raise ServerError("a Docker network cuts a container off from everyone, both ways, "
                              "every packet: use the local nemesis for one-way or lossy links")
        self.disconnect(node)

    def partition(self, groups: Sequence[Sequence[Any]]) -> None:
        raise ServerError("a partition between groups of containers needs one network per "
                          "group; cut single nodes off with disconnect()")

    def heal_network(self) -> None:
        """Reconnect every disconnected node (to the network it was cut from)."""
        for key in [k for k in self._active if k[0] == "disconnect"]:
            undo = self._active.get(key)
            if undo is not None:
                undo()


def clock_file(directory: Path) -> FakeClock:
    """A `FakeClock` whose file a container sees at ``CLOCK_DIR/faketime.rc`` when
    `directory` is bind-mounted there."""
    directory.mkdir(parents=True, exist_ok=True)
    return FakeClock(directory / "faketime.rc")
