"""Counterexamples point at the right place: shortest invalid prefix, culprit, partial orders."""

import time

import taala
from taala.checker.linearizability import check as check_linearizability
from taala.history import Event, History
from tests.support.dsl import history


def test_shortest_invalid_prefix_ends_at_the_culprits_completion():
    h = history("""
        p0 invoke write 1
        p0 ok write 1
        p1 invoke read
        p1 ok read 1
        p0 invoke write 2
        p0 ok write 2
        p1 invoke read
        p1 ok read 1
        p2 invoke write 3
        p2 ok write 3""")
    out = check_linearizability(h.operations(), taala.get_model("register"))
    ce = out.counterexample
    assert out.valid is False
    assert ce.prefix_end == 7  # the stale read's completion, not the end of the history
    assert "p1 read 1 (ok, index 6)" in ce.explanation
    assert "read 1 but the register held 2" in ce.explanation
    assert any(op.index == 6 for op in ce.ops)
    longest = ce.partial_linearizations[0]
    assert [op.index for op, _ in longest] == [0, 2, 4]


def test_counterexample_names_the_failing_key():
    h = history("""
        p0 invoke acquire @"x"
        p0 ok acquire @"x"
        p1 invoke acquire @"y"
        p1 ok acquire @"y"
        p2 invoke acquire @"y"
        p2 ok acquire @"y\"""")
    out = check_linearizability(h.operations(), taala.get_model("mutex"))
    assert out.valid is False and out.counterexample.key == "y"
    assert out.details["partitions"] == 2 and out.details["invalid_partitions"] == 1
    assert out.details["illegal_partitions"] == 1  # the old name, kept for scripts


def _hard_history(writers: int) -> History:
    """Many concurrent indeterminate writes, then a read nobody wrote: an exhaustive search."""
    events = []
    for p in range(writers):
        events.append(Event(len(events), "invoke", p, "write", p))
    for p in range(writers):
        events.append(Event(len(events), "info", p, "write", p))
    events.append(Event(len(events), "invoke", 999, "read", None))
    events.append(Event(len(events), "ok", 999, "read", -1))
    events.append(Event(len(events), "invoke", 998, "write", 7))
    events.append(Event(len(events), "ok", 998, "write", 7))
    events.append(Event(len(events), "invoke", 997, "read", None))
    events.append(Event(len(events), "ok", 997, "read", 8))
    return History(events)


def test_time_limit_gives_unknown_not_a_guess():
    started = time.monotonic()
    out = check_linearizability(_hard_history(18).operations(), taala.get_model("register"), time_limit=0.2)
    assert out.valid == "unknown"
    assert out.details["unknown_partitions"] == 1
    assert time.monotonic() - started < 5


def test_an_op_completed_after_the_prefix_is_involved_once_as_recorded():
    # The search runs on the shortest invalid prefix, where p0's write (its info completion
    # comes later) is a pending copy; the involved ops must list it once, as `info`.
    h = history("""
        p0 invoke write 1
        p1 invoke read
        p1 ok read 2
        p0 info write 1""")
    ce = check_linearizability(h.operations(), taala.get_model("cas-register")).counterexample
    assert [(op.index, op.status) for op in ce.ops] == [(0, "info"), (1, "ok")]
