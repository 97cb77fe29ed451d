"""Workloads' data logic and invariant checkers, against a real Redis (no lock involved).

Each workload's operations are executed straight on the store, interleaved by Hypothesis:
every client reads, then the writes land in some order. With no two operations overlapping
(each reads and writes before the next reads) no invariant may ever break; the seed's
read-compute-write code must break one when two operations read before either writes
(what a lapsed lock allows); the guarded and idempotent variants must keep every invariant
under any interleaving, since the store applies their writes atomically. The checkers are
fed histories built from what really happened, so a checker that misses a broken
invariant, or invents one, fails here.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taala.history import Event, History
from taala.servers import start_redis
from taala.workloads.base import AUDIT, WorkloadData, load, read
from taala.workloads import WORKLOADS
from taala.workloads import get as get_workload

SEED = ("double-debit", "oversell", "seat", "transfer", "driver", "hierarchical-leaf")
KEEP = ("double-debit-idempotent", "oversell-guarded", "seat-guarded")


@pytest.fixture(scope="module")
def redis_address():
    with start_redis(1) as cluster:
        yield cluster[0].address


def execute(address: str, name: str, plan: list[tuple[str, int]]) -> tuple[History, dict]:
    """Run `plan` (("read" | "write", client) steps, each client's n-th read starting its
    n-th operation) directly on a fresh store; return the history and the audit."""
    workload = get_workload(name)
    store = WorkloadData(address, workload)
    store.redis.flushall()
    load(store.redis, workload)
    events, begun, seen, ops = [], {}, {}, {}

    def add(type_, p, f, value=None, key=None, error=None):
        events.append(Event(len(events), type_, p, f, value, len(events), key, error))

    for kind, c in plan:
        if kind == "read" and c not in seen:
            op = ops[c] = workload.op(c, begun.get(c, 0))
            begun[c] = begun.get(c, 0) + 1
            seen[c] = store.read(op)
        elif kind == "write" and c in seen:
            op = ops[c]
            add("invoke", c, op.name, dict(op.args), op.subject)
            applied, why = store.write(op, seen.pop(c), None)
            add("ok" if applied else "fail", c, op.name, dict(op.args), op.subject, why)
    audit = read(store.redis, workload, workload.audit_keys())
    add("invoke", 99, AUDIT, None, AUDIT)
    add("ok", 99, AUDIT, audit, AUDIT)
    store.close()
    return History(events, source="<test>"), audit


def broken(address: str, name: str, plan) -> list:
    history, audit = execute(address, name, plan)
    return get_workload(name).violations(audit, history.operations())


plans = st.lists(st.tuples(st.sampled_from(["read", "write"]), st.integers(0, 1)), min_size=2, max_size=12)


@pytest.mark.parametrize("name", list(WORKLOADS))
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(order=st.lists(st.integers(0, 1), min_size=1, max_size=6))
def test_operations_one_after_another_never_break_anything_but_a_retry(redis_address, name, order):
    """Sequential operations (read and write together): only a retried request may break an
    invariant (the double debit the seed's incident was), and only for the seed's debit."""
    plan = [step for c in order for step in (("read", c), ("write", c))]
    found = broken(redis_address, name, plan)
    retried = [b for b in found if b.invariant == "at most one applied debit per request id"]
    assert found == retried
    assert not retried or name == "double-debit"


@pytest.mark.parametrize("name", SEED)
def test_the_seeds_code_breaks_when_two_operations_read_before_either_writes(redis_address, name):
    found = broken(redis_address, name, [("read", 0), ("read", 1), ("write", 1), ("write", 0)])
    assert found, f"{name}: two overlapping read-compute-writes broke nothing"
    assert all(b.sentence for b in found)


@pytest.mark.parametrize("name", KEEP)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(plan=plans)
def test_guarded_and_idempotent_variants_keep_their_invariants_under_any_interleaving(redis_address, name, plan):
    assert broken(redis_address, name, plan) == []


def test_a_retry_is_named_in_business_words(redis_address):
    found = broken(redis_address, "double-debit", [("read", 0), ("write", 0), ("read", 1), ("write", 1)])
    assert [b.sentence for b in found] == ["request r0 debited twice (p0 (index 0), p1 (index 2)): balance 100 → 40"]


def test_an_oversell_names_the_buyers_told_success(redis_address):
    found = broken(redis_address, "oversell", [("read", 0), ("read", 1), ("write", 1), ("write", 0)])
    assert found[0].invariant == "items sold to buyers told success <= stock"
    assert "2 buyers were told success for 4 items" in found[0].sentence
    assert {o.process for o in found[0].ops} == {0, 1}


def test_a_stale_fencing_token_is_refused_by_the_store(redis_address):
    """A fenced adapter's writes carry their tokens: one older than the newest seen for
    that lock key is refused in the same atomic step as the write."""
    workload = get_workload("seat")
    store = WorkloadData(redis_address, workload)
    store.redis.flushall()
    op0, op1 = workload.op(0, 0), workload.op(1, 0)
    seen0, seen1 = store.read(op0), store.read(op1)
    assert store.write(op1, seen1, {"seat:0": 2}) == (True, None)
    assert store.write(op0, seen0, {"seat:0": 1}) == (False, "stale token")
    assert read(store.redis, workload, ["seat:0"]) == {"seat:0": "P1.0"}
    store.close()
