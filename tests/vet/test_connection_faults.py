"""Faults on a client's own connections, through the runner's per-client TCP proxies, on
real servers: partition, added latency and a server-side connection kill; and liveness."""

import pytest
from taala.adapters import get
from taala.checker.judge import judge
from taala.runner import Environment, run
from taala.vet import vet

pytestmark = pytest.mark.timeout(300)


def _nemesis(history):
    return [e.f for e in history.events if e.is_nemesis]


def test_connection_kill_ends_a_postgres_session_and_frees_the_believed_lock():
    with Environment(get("postgres-advisory")) as env:
        result = run(env, [["acquire", 0], ["connection-kill", 0], ["acquire", 1]], ttl=0.25, clients=2)
    assert "connection-kill" in _nemesis(result.history)
    verdict = judge(result.history, fenced=False)
    assert verdict.violation, "p1 got the lock the server freed, while p0 still believed it held it"


def test_connection_kill_leaves_a_redis_key_alone():
    with Environment(get("seed-redis")) as env:
        result = run(env, [["acquire", 0], ["connection-kill", 0], ["acquire", 1]], ttl=0.25, clients=2)
    assert "connection-kill" in _nemesis(result.history)
    assert not judge(result.history, fenced=False).violation
    assert ("fail", 1) in [(e.type, e.process) for e in result.history.events if e.f == "acquire"]


def test_a_holder_partitioned_past_its_ttl_overlaps_the_next_holder():
    with Environment(get("seed-redis")) as env:
        result = run(env, [["acquire", 0], ["partition", 0, 2.0], ["acquire", 1]], ttl=0.25, clients=2)
    assert _nemesis(result.history)[:2] == ["partition", "heal"]
    assert judge(result.history, fenced=False).violation


def test_a_partitioned_clients_requests_are_lost_and_its_op_ends_unknown():
    """While cut off, client 1's acquire (sent by a racing step before the cut) gets no
    answer: the op is indeterminate, and the client is retired under a new process id."""
    with Environment(get("postgres-advisory")) as env:
        result = run(env, [["acquire", 0], ["acquire", 1], ["partition", 1, 1.1], ["release", 0]], ttl=0.25, clients=2)
    assert not judge(result.history, fenced=False).violation
    assert "partition" in _nemesis(result.history)


def test_latency_delays_a_clients_round_trip():
    with Environment(get("postgres-advisory")) as env:
        result = run(env, [["latency", 0, 2.0], ["acquire", 0], ["release", 0]], ttl=0.25, clients=1)
    ops = {(e.type, e.f): e.time for e in result.history.events if e.process == 0}
    took = (ops[("ok", "acquire")] - ops[("invoke", "acquire")]) / 1e9
    assert took >= 2.0 * 0.25 * 0.9, f"acquire took {took:.3f} s with 0.5 s of added round trip"
    assert not judge(result.history, fenced=False).violation


def test_a_lock_never_granted_again_is_a_liveness_finding_apart_from_safety(tmp_path):
    campaign = vet(get("tests.vet.broken_adapters:LeakyLock"), ["slow"], budget=8, store=tmp_path, seed=1)
    assert not campaign.violation  # mutual exclusion held...
    assert campaign.leaked and campaign.probed >= len(campaign.leaked)  # ...but the lock leaked
    assert ["acquire"] == sorted({step[0] for step in campaign.leaked[0]} & {"acquire"})
    # ...and the leak hunt shrank it to one acquire, saved to replay as a leak
    assert campaign.leak is not None and campaign.leak.schedule == [["acquire", 0]], campaign.to_dict()["leak"]
    assert campaign.leak.reproducer is not None


def test_a_correct_lock_is_granted_again_after_every_run(tmp_path):
    campaign = vet(get("seed-redis"), ["kill"], budget=8, store=tmp_path, seed=1)
    assert campaign.probed > 0 and not campaign.leaked
