"""Faults an adapter's backend cannot inject are refused up front, and the SQL statement
kill (`query-kill`) works through the runner against a real MariaDB."""

from __future__ import annotations

import subprocess
import sys

import pytest
from taala.adapters import get
from taala.checker.judge import judge
from taala.faults import REGISTRY, unsupported
from taala.runner import Environment, run
from taala.vet import vet


def test_a_fault_for_another_backend_is_refused_with_the_reason():
    assert unsupported(["pause", "query-kill"], get("seed-redis")) == [
        "query-kill: needs a mariadb backend; seed-redis uses redis"]
    assert unsupported(["kill"], get("no-lock"))[0].startswith("kill: no-lock has no servers")
    assert unsupported(["query-kill", "connection-kill"], get("mariadb-get-lock")) == []
    with pytest.raises(ValueError, match="needs a mariadb backend"):
        vet(get("seed-redis"), ["query-kill"], budget=1, store=None)


def test_the_cli_refuses_it_in_one_line_with_exit_2():
    done = subprocess.run([sys.executable, "-m", "taala", "vet", "seed-redis", "--faults", "query-kill"],
                          check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "needs a mariadb backend" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_every_fault_naming_backends_names_real_ones():
    from taala.servers import BACKENDS

    for fault in REGISTRY.values():
        assert set(fault.backends) <= set(BACKENDS), fault.name


@pytest.mark.timeout(300)
@pytest.mark.parametrize("adapter, violation", [("seed-irctc-get-lock", True), ("mariadb-get-lock", False)])
def test_a_waiters_killed_get_lock_is_success_only_to_the_seeds_procedure(adapter, violation):
    """Client 1 waits in GET_LOCK while client 0 holds; its statements are killed until its
    acquire returns. The seed's procedure reads the NULL as "acquired" (two holders); the
    plain adapter reads it as "not acquired"."""
    cls = get(adapter)
    schedule = [["acquire", 0], ["acquire", 1], ["query-kill", 1]]
    with Environment(cls) as env:
        result = run(env, schedule, ttl=max(1.0, cls.min_ttl), clients=2)
    kills = [e for e in result.history.events if e.is_nemesis and e.f == "query-kill"]
    assert kills, "no statement was killed: the test tested nothing"
    assert judge(result.history, fenced=cls.fenced).violation is violation


@pytest.mark.timeout(300)
def test_a_node_partition_cuts_one_node_from_its_peers_and_heals():
    """On a real 3-node ZooKeeper ensemble in a private network: the step isolates the node
    from the other two (not from the clients), for its duration, then heals; afterwards the
    lock is grantable again."""
    cls = get("zookeeper-lock")
    if unsupported(["node-partition"], cls):
        pytest.skip("; ".join(unsupported(["node-partition"], cls)))
    with Environment(cls, network=True) as env:
        result = run(env, [["acquire", 0], ["node-partition", 0, 1.1], ["acquire", 1]], ttl=2.0, clients=2)
        peers = sorted(node.name for node in env.nodes[1:])
    cut = [e for e in result.history.events if e.is_nemesis and e.f == "partition"]
    healed = [e for e in result.history.events if e.is_nemesis and e.f == "heal"]
    assert len(cut) == 1 and len(healed) == 1, [e.f for e in result.history.events if e.is_nemesis]
    value = dict(cut[0].value)
    assert sorted(value["peers"]) == peers and value["clients"] is False
    assert 1.1 * 2.0 <= (healed[0].time - cut[0].time) / 1e9 < 1.1 * 2.0 + 5.0
    assert result.live is True


def test_a_node_partition_needs_an_environment_in_a_private_network():
    with Environment(get("seed-redis")) as env, pytest.raises(RuntimeError, match="network=True"):
        run(env, [["node-partition", 0, 1.0]], ttl=0.25, clients=2)


def test_a_constructor_failing_in_one_run_only_is_an_adapter_error_not_a_hypothesis_flake(tmp_path, monkeypatch):
    from taala.runner.client import AdapterError

    monkeypatch.setenv("TAALA_TEST_COUNTER", str(tmp_path / "made"))
    cls = get("tests.vet.broken_adapters:SometimesBrokenConstructor")
    with pytest.raises(AdapterError, match="no lock service this time"):
        vet(cls, ["none"], budget=30, store=None, probe=False)
