"""The target files in `targets/` point at the compose test bed exactly: each node is a
service's published loopback port and container, the backend matches the service's image,
and the command each file's header gives passes every check `taala vet --target` makes
before it starts (the right backend, node count and injectable faults).

Nothing here starts containers (no image can be pulled on the CI machines); the Docker
nemesis and a target on a real engine are tested in tests/docker."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from taala.adapters import get
from taala.target import load
from taala.vet import target_problems

ROOT = Path(__file__).resolve().parents[2]
TARGETS = sorted((ROOT / "targets").glob("compose-*.toml"))
IMAGE_BACKEND = {"redis": "redis", "zookeeper": "zookeeper", "etcd": "etcd", "memcached": "memcached"}


@pytest.fixture(scope="module")
def services() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_there_is_a_target_per_clustered_backend():
    assert {p.stem for p in TARGETS} >= {"compose-redis", "compose-redlock", "compose-zookeeper", "compose-etcd"}


@pytest.mark.parametrize("path", TARGETS, ids=lambda p: p.name)
def test_each_node_is_a_published_service_of_the_compose_file(path, services):
    target = load(path)
    by_container = {s["container_name"]: s for s in services.values()}
    for i, node in enumerate(target.nodes):
        service = by_container.get(node.container)
        assert service is not None, f"{path.name}: node {i}: no service has container {node.container!r}"
        kind = str(service["image"]).split(":")[0].rsplit("/", 1)[-1]
        assert IMAGE_BACKEND.get(kind) == target.backend, f"{path.name}: node {i} is a {kind} container"
        host, _, port = node.address.rpartition(":")
        published = {str(p).split(":")[1]: str(p).split(":")[0] for p in service.get("ports", [])}
        assert host == "127.0.0.1" and published.get(port) == host, \
            f"{path.name}: node {i}: {node.address} is not one of {service['container_name']}'s published ports"
    assert len({n.container for n in target.nodes}) == len(target.nodes)


def _command(path: Path) -> list[str]:
    match = re.search(r"^#\s+(taala vet .+)$", path.read_text(), re.MULTILINE)
    assert match, f"{path.name}: its header gives no `taala vet` command"
    return shlex.split(match.group(1))


@pytest.mark.parametrize("path", TARGETS, ids=lambda p: p.name)
def test_the_command_in_each_header_passes_the_checks_before_a_run(path):
    argv = _command(path)
    adapter = get(argv[2])
    assert argv[argv.index("--target") + 1] == f"targets/{path.name}"
    faults = argv[argv.index("--faults") + 1].split(",")
    assert target_problems(adapter, faults, load(path)) == []
    assert set(faults) <= set(adapter.expectations), f"{adapter.name} declares nothing for some of {faults}"


def test_the_checks_would_refuse_a_mismatch():
    """The test above can fail: the same checks refuse a Redlock on the one-node file."""
    one = load(ROOT / "targets" / "compose-redis.toml")
    assert target_problems(get("seed-redlock"), ["kill"], one)
    assert target_problems(get("zookeeper-lock"), ["pause"], one)
