"""The compose file's Redis masters, run for real by Debian's docker-compose on the private
dockerd: they become healthy by their own healthchecks, and the Docker nemesis attaches to
them by their fixed container names.

No image can be pulled here, so ``redis:7.0`` is made from Debian's redis-server and
redis-cli (plus the sh and grep the healthcheck runs). The services are taken from
docker-compose.yml as they are, except that their host ports are not published (fixed host
ports would clash with other tests) and the network ``taala`` is the one this test session
created (its bridge and subnet are cleaned up with the daemon).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import redis
import yaml
from taala.nemesis.containers import ContainerNode, DockerNemesis, redis_probe
from taala.servers.dockerd import import_binaries

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
REDIS = [f"redis{i}" for i in range(1, 6)]


@pytest.fixture(scope="module")
def compose_redis(dockerd, docker_network, tmp_path_factory):
    tool = shutil.which("docker-compose")
    if not tool:
        pytest.skip("docker-compose not found: apt-get install -y docker-compose")
    assert docker_network.name == "taala"
    import_binaries(dockerd, "redis:7.0", ["redis-server", "redis-cli", "grep"], ["/bin/sh"])
    document = yaml.safe_load(COMPOSE.read_text())
    document = {
        "services": {name: {k: v for k, v in document["services"][name].items() if k != "ports"}
                     for name in REDIS},
        "networks": {"taala": {"external": True, "name": "taala"}},
    }
    directory = tmp_path_factory.mktemp("compose")
    (directory / "docker-compose.yml").write_text(yaml.safe_dump(document))
    env = {**os.environ, "DOCKER_HOST": dockerd.address, "COMPOSE_PROJECT_NAME": "taala"}

    def compose(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([tool, "-f", str(directory / "docker-compose.yml"), *args],
                              capture_output=True, text=True, timeout=120, env=env, check=False)

    up = compose("up", "-d", "--no-build")
    assert up.returncode == 0, up.stderr
    try:
        yield dockerd.client
    finally:
        compose("down", "--volumes", "--timeout", "1")


def health(client, name: str) -> str:
    return client.containers.get(name).attrs["State"].get("Health", {}).get("Status", "none")


def wait_healthy(client, names, timeout: float = 60) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        states = {n: health(client, n) for n in names}
        if all(s == "healthy" for s in states.values()) or time.monotonic() > deadline:
            return states
        time.sleep(0.2)


def test_the_five_masters_come_up_healthy_and_independent(compose_redis, client_for):
    names = [f"taala-{s}" for s in REDIS]
    assert wait_healthy(compose_redis, names) == dict.fromkeys(names, "healthy")
    nodes = [ContainerNode.attach(compose_redis, n, port=6379, probe=redis_probe) for n in names]
    assert len({n.host for n in nodes}) == 5
    client_for(nodes[0]).set("k", "only-on-1")
    assert [client_for(n).get("k") for n in nodes] == [b"only-on-1", None, None, None, None]
    for node in nodes:
        info = client_for(node).info("persistence")
        assert info["aof_enabled"] == 0 and client_for(node).config_get("save") == {"save": ""}


def test_the_nemesis_pauses_and_wipes_a_compose_service(compose_redis, client_for):
    wait_healthy(compose_redis, ["taala-redis2"])
    node = ContainerNode.attach(compose_redis, "taala-redis2", port=6379, probe=redis_probe)
    address = node.address
    events = []
    with DockerNemesis(record=events.append) as nemesis:
        client_for(node).set("lock", "tok", px=60000)
        nemesis.pause(node)
        with pytest.raises(redis.TimeoutError):
            client_for(node, timeout=0.3).get("lock")
        nemesis.resume(node)
        assert client_for(node).get("lock") == b"tok"
        nemesis.kill(node)
        nemesis.restart(node, wipe=True)  # re-created from compose's own config
    assert node.address == address
    assert client_for(node).get("lock") is None
    labels = node.container.labels
    assert labels["com.docker.compose.service"] == "redis2"  # still compose's service
    assert wait_healthy(compose_redis, ["taala-redis2"]) == {"taala-redis2": "healthy"}
    assert [e["f"] for e in events] == ["start-pause", "stop-pause", "kill", "restart"]
