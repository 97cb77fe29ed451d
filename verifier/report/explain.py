"""The counterexample retold in plain language, with times, for the top of the report.

The checkers explain in terms of event indices (exact, and what a person greps for); a
person reading a timeline thinks in seconds and in who-held-what: "p3 held 'lock-1' from
12.4 s; p0 acquired it at 13.1 s; p3's release then failed". For lock violations we name
the earlier holder, the later acquirer and what became of the earlier holder's release, and
the fault that was active at the time; anything else keeps the checker's own sentence.
"""

from __future__ import annotations

from collections.abc import Sequence

from taala.history import FAIL, OK, Operation
from taala.model import LockSemantics
from taala.report.axis import TimeAxis
from taala.report.faults import FaultBand
from taala.report.labels import key_label, process_label, short
from taala.result import Counterexample


def explain(ce: Counterexample, ops: Sequence[Operation], lock: LockSemantics | None, axis: TimeAxis, bands: Sequence[FaultBand]) -> str:
    if lock is None:
        return ce.explanation
    if ce.check == "fencing" and len(ce.ops) >= 2:
        earlier, later = ce.ops[0], ce.ops[-1]
        return _fencing(earlier, later, axis) + _during(bands, earlier.ret, later.ret, axis)
    acquires = sorted((op for op in ce.ops if op.f in lock.acquire and op.status == OK), key=lambda op: op.ret)
    later = acquires[-1] if acquires else None
    earlier = next((op for op in acquires if later is not None and op.process != later.process), None)
    if earlier is None:
        return ce.explanation
    release = _release_after(earlier, ops, lock)
    held_at = axis.at(earlier.ret)
    took_at = axis.at(later.ret)
    text = (
        f"{process_label(earlier.process)} held {key_label(earlier.key)} from {axis.describe(held_at)}; "
        f"{process_label(later.process)} acquired it at {axis.describe(took_at)}; "
        f"{_release_fate(earlier, release, later, axis)}."
    )
    return text + _during(bands, earlier.ret, later.ret, axis)


def _release_after(acquire: Operation, ops: Sequence[Operation], lock: LockSemantics) -> Operation | None:
    """The holder's own next release of the same key: the one that should have ended its hold."""
    for op in ops[acquire.id + 1 :]:
        if op.process == acquire.process and op.key == acquire.key and op.f in lock.release:
            return op
    return None


def _release_fate(holder: Operation, release: Operation | None, later: Operation, axis: TimeAxis) -> str:
    who = process_label(holder.process)
    if release is None:
        return f"{who} never released it"
    if release.status == FAIL:
        if release.ret > later.ret:
            return f"{who}'s release then failed"
        return f"{who}'s release had failed at {axis.describe(axis.at(release.ret))}, so it still held the lock"
    if release.status == OK:
        return f"{who} released it only at {axis.describe(axis.at(release.call))}"
    return f"{who}'s release at {axis.describe(axis.at(release.call))} never returned"


def _during(bands: Sequence[FaultBand], start: int, end: int, axis: TimeAxis) -> str:
    """' This happened during the nemesis fault X (a to b).' for the first fault overlapping
    the span [start, end] of history positions, or '' when the nemesis was quiet."""
    for band in bands:
        band_end = float("inf") if band.end is None else band.end
        if not band.instant and band.start <= end and band_end >= start:
            until = "the end" if band.end is None else axis.describe(axis.at(band.end))
            return f" This happened during the nemesis fault {short(band.label)} ({axis.describe(axis.at(band.start))} to {until})."
    return ""


def _fencing(earlier: Operation, later: Operation, axis: TimeAxis) -> str:
    return (
        f"{process_label(later.process)} acquired {key_label(later.key)} at {axis.describe(axis.at(later.ret))} "
        f"with fencing token {short(later.value)}, but {process_label(earlier.process)} had been given token "
        f"{short(earlier.value)} at {axis.describe(axis.at(earlier.ret))}: the protected resource cannot "
        f"tell the stale holder from the current one."
    )
