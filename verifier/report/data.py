"""Everything the report page draws, extracted from (History, result) as plain JSON data.

This is the testable half of the report: the page's script only lays out what is here.
Every string taken from the history is shortened and stays a string; the page never parses
it as markup. Times are axis values (see `axis.py`); `null` ends mean "still open when the
history ends".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from typing import Any

from taala.checker.checks.holds import OPEN, Hold, holds
from taala.checker.lease import Classification, LeaseTerms
from taala.checker.result import CheckResult, Counterexample, Result
from taala.history import OK, History, Operation
from taala.model import LockSemantics
from taala.report import window
from taala.report.axis import TimeAxis
from taala.report.bands import FaultBand, fault_bands
from taala.report.labels import key_label, process_label, process_order, short
from taala.report.story import explain

MAX_KEY_LANES = 24
LATENCY_POINTS = 3_000
OVERVIEW_BUCKETS = 160
PRIMARY, SECONDARY = 1, 2  # how strongly an op is highlighted


def lock_semantics(result: Result) -> LockSemantics | None:
    """The lock semantics of the model the result was checked under, if it is a lock model
    (a workload's result has none: its report is given the lock's by the caller)."""
    return result.model.lock if isinstance(result, CheckResult) else None


def source_label(source: str | None) -> str:
    """How the page names the history: its file, or, for a vetting run, the adapter's name
    as the user typed it. The runner records `<seed-redis>` (Python's way of saying "not a
    file", as in `<stdin>`); a reader looking for `taala vet seed-redis` should find it."""
    if not source:
        return "history"
    name = source[1:-1]
    if source[0] == "<" and source[-1] == ">" and name in _adapter_names():
        return name
    return source


def _adapter_names() -> set[str]:
    # the registry imports every adapter module: only for sources that may name one
    try:
        from taala.adapters import available

        return set(available())
    except ImportError:  # an install without some adapter's client library
        return set()


def report_data(history: History, result: Result, lock: LockSemantics | None = None, *,
                lease: LeaseTerms | None = None, classification: Classification | None = None,
                **window_options: int) -> dict[str, Any]:
    """`lease`: the lock's lease as its server applies it (an adapter's `lease_terms`), so each
    hold bar shows where its lease ended; `classification`: the violation's class, whose
    sentence heads the explanation ("p1 was granted the lock 1.2 s into p0's 2 s lease")."""
    events = history.events
    ops = history.operations()
    axis = TimeAxis(events)
    bands = fault_bands(events)
    primary = result.counterexample
    failing = [c.counterexample for c in result.checks.values() if c.counterexample is not None]
    highlight = {op.id: SECONDARY for ce in failing for op in ce.ops}
    highlight.update({op.id: PRIMARY for op in (primary.ops if primary else ())})
    shown, (lo, hi) = window.choose(ops, primary.ops if primary else (), len(events), **window_options)
    lanes = sorted({op.process for op in shown}, key=process_order)
    lane_of = {p: n for n, p in enumerate(lanes)}
    tokens = lock is not None and lock.fenced
    return {
        "source": short(source_label(history.source), 200),
        "unit": axis.unit,
        "extent": [0.0, axis.end],
        "window": [axis.at(lo), axis.at(hi)],
        "summarized": len(shown) < len(ops),
        "verdict": result.valid,
        "model": str(result.judged_by),
        "totals": _totals(history, ops, result),
        "checks": [{"name": name, "valid": c.valid, "explanation": None if c.counterexample is None else c.counterexample.explanation} for name, c in result.checks.items()],
        "explanation": None if primary is None else {"check": primary.check, "plain": explain(primary, lock, axis, bands), "checker": primary.explanation,
                                                  "class": None if classification is None else {"kind": classification.kind, "headline": classification.headline()}},
        "lanes": [process_label(p) for p in lanes],
        "ops": [_op(op, lane_of[op.process], axis, highlight.get(op.id, 0), tokens and op.f in lock.acquire) for op in shown],
        "faults": [_band(b, axis, lane_of) for b in bands if _overlaps(b.start, b.end, lo, hi)],
        "holds": _holds(ops, lock, axis, highlight, lo, hi, primary, lease),
        "linearization": _linearization(primary, failing),
        "latency": _latency(ops, axis, highlight),
        "overview": _overview(ops, axis),
        "counts": _counts(ops),
    }


def _totals(history: History, ops: Sequence[Operation], result: Result) -> dict[str, int]:
    return {
        "events": len(history.events),
        "ops": len(ops),
        "processes": len({op.process for op in ops}),
        "keys": result.partitions,
        "nemesis": result.nemesis_events,
    }


def _op(op: Operation, lane: int, axis: TimeAxis, hl: int, fenced_acquire: bool) -> dict[str, Any]:
    done = op.completion
    return {
        "id": op.id,
        "lane": lane,
        "p": process_label(op.process),
        "f": short(op.f),
        "key": short(op.key),
        "value": short(op.value),
        "status": op.status,
        "t0": axis.at(op.call),
        "t1": None if op.ret is None else axis.at(op.ret),
        "index": op.index,
        "done": None if done is None else done.index,
        "error": None if done is None else short(done.error),
        "token": short(op.value) if fenced_acquire and op.status == OK else None,
        "hl": hl,
    }


def _overlaps(start: int, end: float | None, lo: int, hi: int) -> bool:
    return start <= hi and (end is None or end >= lo)


def _band(band: FaultBand, axis: TimeAxis, lane_of: dict[Hashable, int]) -> dict[str, Any]:
    return {
        "name": short(band.label),
        "value": short(band.value),
        "t0": axis.at(band.start),
        "t1": None if band.end is None else axis.at(band.end),
        "lanes": [lane_of[t] for t in band.targets if t in lane_of],  # [] = every lane
    }


def _holds(ops, lock, axis, highlight, lo, hi, primary: Counterexample | None,
           lease: LeaseTerms | None = None) -> dict[str, Any]:
    """Critical sections per key, for the keys worth a lane: the violation's key first."""
    if lock is None:
        return {"keys": [], "more_keys": 0}
    per_key: dict = defaultdict(list)
    for h in holds(ops, lock)[0]:
        if _overlaps(h.start, None if h.end == OPEN else h.end, lo, hi):
            per_key[h.key].append(h)
    keys = sorted(per_key, key=lambda k: (primary is None or k != primary.key, -len(per_key[k]), str(k)))
    lanes = []
    for key in keys[:MAX_KEY_LANES]:
        lanes.append({
            "key": key_label(key),
            "holds": [{
                "p": process_label(h.process),
                "t0": axis.at(h.start),
                "t1": None if h.end == OPEN else axis.at(int(h.end)),
                "token": short(h.acquire.value) if lock.fenced else None,
                "shared": h.shared,
                "hl": highlight.get(h.acquire.id, 0),
                "lease": lease_end(h, lease, axis),
            } for h in per_key[key]],
        })
    return {"keys": lanes, "more_keys": max(len(keys) - MAX_KEY_LANES, 0)}


def lease_end(hold: Hold, lease: LeaseTerms | None, axis: TimeAxis) -> dict[str, Any] | None:
    """Where the hold's lease ended: `[earliest, latest]` on the axis, counted as the classifier
    counts (`taala.checker.lease`): from the acquire's invocation plus the shortest lease to
    its return plus the longest. A renewed lease has no end the history shows (keep-alives are
    not recorded), so it is marked `renews` instead; None without a lease or without times."""
    if lease is None or not lease.leased or not axis.real:
        return None
    if lease.renews:
        return {"renews": True, "every": lease.renew_every, "end": None}
    first = axis.at(hold.acquire.call) + lease.shortest
    last = axis.at(hold.start) + lease.longest
    return {"renews": False, "every": None, "end": [round(first, 6), round(last, 6)]}


def _linearization(primary: Counterexample | None, failing: list[Counterexample]) -> dict[str, Any] | None:
    """The longest partial linearization (from whichever counterexample has one) and what broke it."""
    for ce in ([primary] if primary else []) + failing:
        if ce.partial_linearizations:
            path = ce.partial_linearizations[0]
            return {
                "steps": [{"id": op.id, "label": f"{process_label(op.process)} {short(op.f)}" + ("" if op.value is None else f" {short(op.value)}"), "state": short(state)} for op, state in path],
                "explanation": ce.explanation,
            }
    return None


def _latency(ops: Sequence[Operation], axis: TimeAxis, highlight: dict[int, int]) -> list[list]:
    """[invoke time, latency in ms, status] for a sample of completed ops (all highlighted ones)."""
    if not axis.real:
        return []
    done = [op for op in ops if op.ret is not None]
    stride = max(len(done) // LATENCY_POINTS, 1)
    sample = {op.id: op for op in done[::stride]}
    sample.update({op.id: op for op in done if op.id in highlight})
    points = []
    for op in sorted(sample.values(), key=lambda op: op.call):
        t0 = axis.at(op.call)
        points.append([t0, round((axis.at(op.ret) - t0) * 1000, 3), op.status])
    return points


def _overview(ops: Sequence[Operation], axis: TimeAxis) -> list[dict[str, int]]:
    """Invocations per time bucket by outcome, over the whole history (the aggregate lane)."""
    span = axis.end or 1.0
    buckets = [Counter() for _ in range(OVERVIEW_BUCKETS)]
    for op in ops:
        n = min(max(int(axis.at(op.call) / span * OVERVIEW_BUCKETS), 0), OVERVIEW_BUCKETS - 1)
        buckets[n][op.status] += 1
    return [dict(b) for b in buckets]


def _counts(ops: Sequence[Operation]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for op in ops:
        counts[short(op.f)][op.status] += 1
    return {f: dict(c) for f, c in sorted(counts.items())}
