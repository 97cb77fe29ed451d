"""The report's "What went wrong" sentence says what the checker found, and nothing else.

The property test reads the sentence back against the history itself (not against the
checker's data structures): every time it names is an event of an op in the counterexample,
of a process it names, of the kind its words say ("failed at" a `fail`, "invoked at" an
invocation); a pair it calls overlapping really overlapped; a culprit it names really is
where the history stopped being linearizable (brute-force oracle).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from taala.checker import check
from taala.formats import load
from taala.history import History
from taala.models import get
from taala.report.axis import TimeAxis
from taala.report.data import lock_semantics, report_data
from taala.report.story import explain

from tests.report.conftest import REDIS, checked
from tests.support.dsl import history
from tests.support.histories import random_history
from tests.support.oracle import linearizable

DATA = Path(__file__).resolve().parents[1] / "data"
MUTEX = get("mutex")
T = r"\b(\d+(?:\.\d+)?) s\b"
# Each phrase that names a time, and the event type that time must be.
PHRASES = [
    (rf"\bheld(?: for reading)? .+? from {T};", "ok"),
    (rf"acquired it(?: for reading)? at {T}", "ok"),
    (rf"returned at {T}", "ok"),
    (rf"returned only at {T}", "ok"),
    (rf"held by p\d+ since {T}", "ok"),
    (rf"failed at {T}", "fail"),
    (rf"invoked at {T}", "invoke"),
    (rf"released it only at {T}", "invoke"),
    (rf"release at {T}", "invoke"),
    (rf"waited for .+? from {T},", "invoke"),
]


def plain(history, result):
    return report_data(history, result, lock_semantics(result))["explanation"]["plain"]


@st.composite
def timed_mutex_histories(draw):
    """Random mutex histories with distinct millisecond times, so a time names one event."""
    raw = draw(random_history("mutex", max_ops=8, keys=draw(st.integers(1, 2))))
    gaps = draw(st.lists(st.integers(1, 900), min_size=len(raw.events), max_size=len(raw.events)))
    events, t = [], 0
    for e, gap in zip(raw.events, gaps):
        t += gap * 1_000_000
        events.append(dataclasses.replace(e, time=t))
    return History(events, source="<generated>")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(timed_mutex_histories())
def test_every_process_and_time_named_belongs_to_an_op_of_the_counterexample(h):
    result = check(h, MUTEX)
    assume(result.valid is False)
    axis = TimeAxis(h.events)
    event_at = {axis.describe(axis.at(pos)): pos for pos in range(len(h.events))}
    for outcome in result.checks.values():
        ce = outcome.counterexample
        if ce is None:
            continue
        event(ce.check)
        sentence = explain(ce, MUTEX.lock, axis, [])
        processes = set(re.findall(r"\bp(\d+)\b", sentence))
        assert processes <= {str(op.process) for op in ce.ops}, sentence
        positions = {pos for op in ce.ops for pos in (op.call, op.ret) if pos is not None}
        times = re.findall(T, sentence)
        placed = [(t, kind) for pattern, kind in PHRASES for t in re.findall(pattern, sentence)]
        assert sorted(times) == sorted(t for t, _ in placed), f"a time without a known phrase: {sentence}"
        for t, kind in placed:
            pos = event_at[f"{t} s"]
            assert pos in positions, sentence
            assert h.events[pos].type == kind, sentence
            assert str(h.events[pos].process) in processes, sentence
        if ce.check == "overlap":
            _really_overlap(h, sentence, event_at)
        if ce.check == "linearizability":
            _culprit_is_where_linearizability_ends(h, ce, sentence, event_at)


def _really_overlap(h: History, sentence: str, event_at: dict) -> None:
    """Read off the events: the holder's acquire returned first, and it invoked no release
    of that key before the other's acquire returned."""
    m = re.match(rf"p(\d+) held .+? from {T}; p(\d+) acquired it at {T};", sentence)
    assert m, sentence
    held, took = h.events[event_at[f"{m[2]} s"]], h.events[event_at[f"{m[4]} s"]]
    assert (str(held.process), held.f, str(took.process), took.f) == (m[1], "acquire", m[3], "acquire")
    assert held.process != took.process and held.key == took.key
    start, end = event_at[f"{m[2]} s"], event_at[f"{m[4]} s"]
    assert start < end
    assert not any(e.type == "invoke" and e.f == "release" and e.process == held.process and e.key == held.key for e in h.events[start:end])


def _culprit_is_where_linearizability_ends(h: History, ce, sentence: str, event_at: dict) -> None:
    m = re.match(rf"p(\d+)'s (\w+) \(index (\d+)\) returned at {T}, but no order", sentence)
    assert m, sentence
    pos = event_at[f"{m[4]} s"]
    done, invoked = h.events[pos], h.events[int(m[3])]
    assert (invoked.type, str(invoked.process), invoked.f) == ("invoke", m[1], m[2])
    assert (done.type, done.process, done.f) == ("ok", invoked.process, invoked.f)
    assert "acquired it at" not in sentence  # no overlap story where the overlap check found none

    assert not linearizable(_known_by(h, pos, ce.key), MUTEX)
    assert linearizable(_known_by(h, pos - 1, ce.key), MUTEX)


def _known_by(h: History, cut: int, key) -> list:
    """The key's ops as known right after event `cut`: an `ok` that came later is still
    pending (it may or may not have happened yet), a `fail` never took effect at all."""
    ops = []
    for op in h.operations():
        if op.key != key or op.call > cut:
            continue
        if op.status == "ok" and op.ret > cut:
            op = dataclasses.replace(op, status="pending", ret=None, completion=None)
        ops.append(op)
    return ops


def test_etcd_lock_under_partition_names_the_culprit_not_two_holds_that_never_met():
    """Shaped like Knossos's data/mutex/bad/etcd.edn: the culprit's acquire waits while three
    other clients take turns; the last one's release fails after the culprit got the lock."""
    h = load(DATA / "etcd_lock_partition.edn")
    result = check(h, MUTEX)
    assert result.checks["overlap"].valid is True and result.checks["linearizability"].valid is False
    assert plain(h, result) == (
        "p0's acquire (index 12) returned at 6 s, but no order of the operations up to then can include it: "
        "in the longest valid order the checker found (9 operations) the lock is left held since p3's acquire "
        "returned at 3.001 s; p3's release, invoked at 3.2 s, failed at 6.051 s. "
        "This happened during the nemesis fault isolate n3 (3.1 s to 5.6 s)."
    )


def test_shipped_etcd_history_tells_the_same_story(etcd):
    assert plain(*etcd) == (
        "p0's acquire (index 2) returned at 5.094 s, but no order of the operations up to then can include it: "
        "in the longest valid order the checker found (1 operation) the lock is left held since p3's acquire "
        "returned at 0.004 s; p3's release, invoked at 3.1 s, failed at 5.101 s. "
        "This happened during the nemesis fault pause n3 (0.09 s to 5.09 s)."
    )


def test_overlap_names_both_holds_and_how_the_first_ended():
    assert plain(*checked(REDIS)) == (
        "p0 held 'lock:orders' from 0.002 s; p1 acquired it at 10.052 s; p0's release then failed. "
        "This happened during the nemesis fault client-pause (0.005 s to 12.005 s)."
    )
    h = history("""
        p0 invoke acquire-read
        p0 ok acquire-read
        p1 invoke acquire-write
        p1 ok acquire-write
        p0 invoke release-read
        p0 ok release-read""")
    assert plain(h, check(h, get("rw-lock"))) == "p0 held for reading the lock from event 1; p1 acquired it at event 3; p0 released it only at event 4."
    h = history("""
        p0 invoke acquire
        p0 ok acquire
        p1 invoke acquire
        p1 ok acquire
        p2 invoke acquire
        p2 ok acquire""")
    assert plain(h, check(h, get("semaphore:permits=2"))) == (
        "p0 held the lock from event 1; p2 acquired it at event 5, when all 2 permits were taken; p0 never released it."
    )


def test_deadlock_names_each_wait_and_its_holder():
    h = history("""
        p0 invoke acquire @"a"
        p0 ok acquire @"a"
        p1 invoke acquire @"b"
        p1 ok acquire @"b"
        p0 invoke acquire @"b"
        p1 invoke acquire @"a\"""")
    result = check(h, MUTEX, linearizability=False)
    assert plain(h, result) == (
        "p1 waited for 'a' from event 5, held by p0 since event 1; p0 waited for 'b' from event 4, held by p1 "
        "since event 3: each waited for another in the cycle, so none could go on."
    )
    assert result.counterexample.facts.to_dict() == {"kind": "deadlock", "waits": [[5, 0], [4, 2]]}


def test_non_lock_models_get_the_culprit_and_the_state_in_timeline_words():
    h = history("""
        p0 invoke write 1
        p0 ok write 1
        p0 invoke write 2
        p0 ok write 2
        p1 invoke read
        p1 ok read 1""")
    result = check(h, get("register"))
    assert plain(h, result) == (
        "p1's read 1 (index 4) returned at event 5, but no order of the operations up to then can include it: "
        "in the longest valid order the checker found (2 operations) the state is left at 2 since p0's write 2 "
        "returned at event 3, and read 1 but the register held 2."
    )


def test_facts_travel_in_the_json_by_index():
    h = load(DATA / "etcd_lock_partition.edn")
    facts = check(h, MUTEX).to_dict()["counterexample"]["facts"]
    assert facts == {"kind": "linearizability", "culprit": 12, "order": 9, "state": "held",
                     "refusal": "acquire succeeded while the lock was already held", "set_by": 21, "release": 26}
