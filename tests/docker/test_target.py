"""`taala vet --target FILE` against a Redis running in a container of a real Docker engine.

The target file names the container (`inject = "docker:NAME"`) and the engine's socket;
taala starts no server of its own for the lock, drives its node faults through the Docker
nemesis, and catches the seed's lock the same way as against a local process. Client
faults work on a node taala may not touch (`inject = "none"`).
"""

from __future__ import annotations

import pytest
from taala.adapters import get
from taala.target import load
from taala.vet import vet


def target_file(tmp_path, node, inject: str, docker: str, clock: str | None = None) -> str:
    path = tmp_path / "target.toml"
    path.write_text(f'backend = "redis"\ndocker = "{docker}"\n\n[[node]]\naddress = "{node.address}"\n'
                    f'inject = "{inject}"\n' + (f'clock = "{clock}"\n' if clock else ""))
    return str(path)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("fault", ["node-pause", "kill"])
def test_a_node_fault_through_docker_catches_the_seeds_lock(fault, dockerd, redis_containers, tmp_path):
    (node,) = redis_containers(1)
    target = load(target_file(tmp_path, node, f"docker:{node.name}", dockerd.address))
    campaign = vet(get("seed-redis"), [fault], budget=90, shrink_budget=20, store=tmp_path, target=target)
    assert campaign.violation, campaign.reasons
    assert any(step[0] == fault for step in campaign.schedule)
    assert dockerd.client.containers.get(node.name).status == "running"  # healed (a kill re-creates it)
    kinds = {e.f for e in campaign.run.history.events if e.process == "nemesis"}
    assert kinds & {"start-pause", "kill", "restart"}


@pytest.mark.timeout(300)
def test_client_faults_need_no_injection_and_node_faults_are_refused(dockerd, redis_containers, tmp_path):
    (node,) = redis_containers(1)
    target = load(target_file(tmp_path, node, "none", dockerd.address))
    with pytest.raises(ValueError, match='node 0 of .* says inject = "none"'):
        vet(get("seed-redis"), ["kill"], budget=5, store=tmp_path, target=target)
    campaign = vet(get("seed-redis"), ["pause"], budget=60, shrink_budget=20, store=tmp_path, target=target)
    assert campaign.violation and campaign.target == target.path


@pytest.mark.timeout(300)
def test_a_clock_jump_through_the_targets_clock_directory_catches_the_seeds_lock(dockerd, redis_containers, tmp_path):
    """The container's Redis reads its wall clock through libfaketime from a directory the
    target file names: a forward jump expires the holder's key, as on a local server."""
    (node,) = redis_containers(1, clock=True)
    clock_dir = node.clock.timestamp_file.parent  # the directory the fixture mounted at /taala-clock
    target = load(target_file(tmp_path, node, f"docker:{node.name}", dockerd.address, clock=str(clock_dir)))
    campaign = vet(get("seed-redis"), ["clock"], budget=90, shrink_budget=20, store=tmp_path, target=target)
    assert campaign.violation, campaign.reasons
    assert any(step[0] == "clock" for step in campaign.schedule)
    jumps = [e for e in campaign.run.history.events if e.process == "nemesis" and e.f == "clock-jump"]
    assert jumps and all("modelled-as" not in (e.value or {}) for e in jumps)  # a real jump, not a pause
    assert clock_dir.joinpath("faketime.rc").read_text().strip() == "+0.000"  # healed: the clock is back
