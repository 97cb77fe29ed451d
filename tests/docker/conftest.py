"""A private dockerd for the Docker nemesis's tests, a Redis image made from Debian's
binaries, a bridge network, and Redis containers on it.

Each pytest process (each xdist worker) starts its own dockerd in a fresh temporary
directory (about 0.3 s, 1 s on a loaded machine) and imports the image once (0.5 s);
everything is removed at the end of the session, and by the watchdog if the process dies.
Skipped, with the reason, where dockerd, root or the Docker SDK is missing.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.docker)
            if not item.get_closest_marker("timeout"):
                item.add_marker(pytest.mark.timeout(90))


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "dockerd needs root"
    if not (shutil.which("dockerd") or os.path.exists("/usr/sbin/dockerd")):
        return "dockerd not found: apt-get install -y docker.io"
    if not shutil.which("redis-server"):
        return "redis-server not found: apt-get install -y redis-server"
    try:
        import docker  # noqa: F401
    except ImportError:
        return "the Docker SDK is missing: pip install 'taala[docker]'"
    return None


@pytest.fixture(scope="session")
def dockerd():
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    from taala.servers.dockerd import start_dockerd
    daemon = start_dockerd()
    yield daemon
    daemon.close()


FAKETIME_LIBS = ("/usr/lib/*/faketime/libfaketime.so.1", "/lib/*/libc_malloc_debug.so.0")


@pytest.fixture(scope="session")
def redis_image(dockerd) -> tuple[str, list[str]]:
    """(tag, [libc_malloc_debug, libfaketime] paths in the image, or [] without libfaketime)."""
    from taala.servers.dockerd import import_binaries
    libs = [min(glob.glob(p)) for p in FAKETIME_LIBS if glob.glob(p)]
    libs = libs if len(libs) == 2 else []
    return import_binaries(dockerd, "taala/redis:local", ["redis-server"], libs), libs


@pytest.fixture(scope="session")
def docker_network(dockerd):
    return dockerd.network("taala")


_numbers = itertools.count(1)


@pytest.fixture
def redis_containers(dockerd, redis_image, docker_network, tmp_path):
    """`make(n, clock=False, persistence="none")` -> n Redis containers on the network, each
    at a fixed address, as `ContainerNode`s; removed (with their volumes) after the test."""
    from taala.nemesis.containers import (
        CLOCK_DIR,
        ContainerNode,
        clock_file,
        faketime_environment,
        redis_probe,
    )

    tag, libs = redis_image
    made = []

    def make(n: int, *, clock: bool = False, persistence: str = "none") -> list[ContainerNode]:
        nodes = []
        for _ in range(n):
            number = next(_numbers)
            name = f"redis-{number}"
            argv = ["/usr/bin/redis-server", "--port", "6379", "--protected-mode", "no",
                    "--dir", "/data", "--save", ""]
            argv += (["--appendonly", "yes", "--appendfsync", "always"] if persistence == "aof"
                     else ["--appendonly", "no"])
            volumes = {f"{name}-data": {"bind": "/data", "mode": "rw"}}
            environment, fake = {}, None
            if clock:
                if not libs:
                    pytest.skip("libfaketime not installed: apt-get install -y libfaketime")
                fake = clock_file(tmp_path / name)
                volumes[str(fake.timestamp_file.parent)] = {"bind": CLOCK_DIR, "mode": "ro"}
                environment = faketime_environment(libs[1], libs[0])
            container = dockerd.client.containers.create(
                tag, argv, name=name, environment=environment, volumes=volumes,
                network=docker_network.name)
            # a fixed address (docker_network.address(number)): the node keeps it across
            # re-creation and reconnection, as a compose service keeps its name
            docker_network.network.disconnect(container)
            docker_network.network.connect(container, ipv4_address=docker_network.address(number))
            container.start()
            made.append(container)
            node = ContainerNode(container, port=6379, probe=redis_probe, clock=fake,
                                 wall_clock_timers=True, start_timeout=20)
            nodes.append(node)
        deadline = time.monotonic() + 20
        for node in nodes:
            node.wait_ready(deadline)
        return nodes

    yield make
    for container in made:
        with contextlib.suppress(Exception):  # gone already: the daemon's close removes the rest
            dockerd.client.containers.get(container.name).remove(force=True, v=True)
        with contextlib.suppress(Exception):
            dockerd.client.volumes.get(f"{container.name}-data").remove(force=True)
