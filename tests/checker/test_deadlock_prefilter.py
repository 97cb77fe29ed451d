"""The deadlock check's first pass (does any process acquire while holding?) only ever
skips histories the full wait-for sweep would also call deadlock-free."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from taala.checker.checks import deadlock
from taala.models import get

from tests.support.histories import random_history

LOCK = get("mutex").lock
seen: set = set()


def _sweep_only(ops):
    real = deadlock._acquires_while_holding
    deadlock._acquires_while_holding = lambda *a: True
    try:
        return deadlock.check(ops, LOCK)
    finally:
        deadlock._acquires_while_holding = real


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_history("mutex", max_ops=8, keys=2))
def test_the_first_pass_never_changes_the_verdict(history):
    ops = history.operations()
    fast, full = deadlock.check(ops, LOCK), _sweep_only(ops)
    assert fast.valid == full.valid
    assert (fast.counterexample and fast.counterexample.explanation) == (full.counterexample and full.counterexample.explanation)
    seen.add((fast.valid, deadlock._acquires_while_holding(ops, LOCK.acquire, LOCK.release)))


def test_both_verdicts_and_both_paths_were_exercised():
    test_the_first_pass_never_changes_the_verdict()
    assert {(True, False), (True, True), (False, True)} <= seen, seen
