"""docker-compose.yml is a real test bed: the clusters the seed's scenarios need, a
healthcheck on every service, everything on the private network, and the real tool
(Debian's ``docker-compose config``) accepts it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
NETWORK = "taala"


def services(document: dict) -> dict[str, dict]:
    return document["services"]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _docker_compose() -> str:
    found = shutil.which("docker-compose")
    if not found:
        pytest.skip("docker-compose not found: apt-get install -y docker-compose")
    return found


@pytest.fixture(scope="module")
def normalized() -> dict:
    """The file as Docker Compose itself resolves it (anchors, merges, defaults)."""
    done = subprocess.run([_docker_compose(), "-f", str(COMPOSE), "config"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def check_test_bed(document: dict) -> None:
    svc = services(document)
    for name, service in svc.items():
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name}: no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        networks = service.get("networks")
        assert networks is not None and list(networks) == [NETWORK], f"{name}: not on {NETWORK} alone"
        assert "network_mode" not in service, name
        for port in service.get("ports", []):  # published for the host's own clients only
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port} is not loopback-only"
    assert document["networks"][NETWORK]["driver"] == "bridge"

    # the clusters the seed's scenarios run on
    kinds: dict[str, list[str]] = {}
    for name, service in svc.items():
        kinds.setdefault(str(service["image"]).split(":")[0].rsplit("/", 1)[-1], []).append(name)
    assert sorted(kinds) == ["consul", "etcd", "mariadb", "memcached", "postgres", "redis", "zookeeper"]
    assert [len(kinds[k]) for k in ("redis", "zookeeper", "etcd", "consul")] == [5, 3, 3, 3]
    assert [len(kinds[k]) for k in ("postgres", "mariadb", "memcached")] == [1, 1, 1]

    # fixed, distinct container names and host ports
    names = [s["container_name"] for s in svc.values()]
    assert len(set(names)) == len(names) and all(n == f"taala-{k}" for k, n in zip(svc, names))
    host_ports = [str(p).split(":")[1] for s in svc.values() for p in s.get("ports", [])]
    assert len(set(host_ports)) == len(host_ports)

    # Redis masters are independent and keep nothing: a restarted one comes back empty
    for name in kinds["redis"]:
        command = svc[name]["command"]
        assert command[command.index("--save") + 1] == ""
        assert command[command.index("--appendonly") + 1] == "no"
        assert not svc[name].get("volumes")
        assert "replicaof" not in " ".join(command)

    # the ensembles name all three members
    for name in kinds["zookeeper"]:
        env = svc[name]["environment"]
        assert all(f"server.{i}=zookeeper{i}:" in env["ZOO_SERVERS"] for i in (1, 2, 3))
        assert env["ZOO_MY_ID"] == name[-1]
    for name in kinds["etcd"]:
        args = " ".join(svc[name]["command"])
        assert f"--name={name}" in args and "--initial-cluster=etcd1=" in args
        assert all(f"etcd{i}=http://etcd{i}:2380" in args for i in (1, 2, 3))
    for name in kinds["consul"]:
        args = svc[name]["command"]
        assert "-bootstrap-expect=3" in args and f"-node={name}" in args
        assert {a for a in args if a.startswith("-retry-join=")} == {
            f"-retry-join={other}" for other in kinds["consul"] if other != name}


def test_the_file_is_the_test_bed(compose):
    check_test_bed(compose)


def test_docker_compose_accepts_it_and_resolves_it_to_the_same_test_bed(normalized):
    check_test_bed(normalized)


def test_docker_compose_really_validates(tmp_path):
    """The tool rejects a broken copy, so its acceptance above means something."""
    tool = _docker_compose()
    broken = COMPOSE.read_text().replace("      test: [\"CMD\", \"pg_isready\"",
                                         "      tests: [\"CMD\", \"pg_isready\"", 1)
    assert broken != COMPOSE.read_text()
    (tmp_path / "docker-compose.yml").write_text(broken)
    done = subprocess.run([tool, "-f", str(tmp_path / "docker-compose.yml"), "config", "-q"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert "tests" in done.stderr
