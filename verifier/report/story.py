"""The counterexample retold in plain language, with times, for the top of the report.

The checkers explain in terms of event indices (exact, and what a person greps for); a
person reading a timeline thinks in seconds and in who-held-what: "p3 held 'lock-1' from
12.4 s; p0 acquired it at 13.1 s; p3's release then failed".

Every sentence is written from the counterexample's facts (`taala.checker.result`), one writer per
check, never by searching the ops for a likely story: the ops of a linearizability
counterexample need not contain any overlap, and a sentence that picks "the last two
acquires" from them can blame a hold that ended seconds before the other began. So each
process and time a sentence names is one of the ops the check itself put in its facts, and
an overlap is only ever described by the overlap check. The nemesis fault active at the
time is added when there was one.
"""

from __future__ import annotations

from collections.abc import Sequence

from taala.checker.result import (
    Counterexample,
    HeldTogether,
    StaleToken,
    Unplaceable,
    WaitCycle,
)
from taala.history import FAIL, INFO, OK, Operation
from taala.model import LockSemantics
from taala.report.axis import TimeAxis
from taala.report.bands import FaultBand
from taala.report.labels import key_label, process_label, short


def explain(ce: Counterexample, lock: LockSemantics | None, axis: TimeAxis, bands: Sequence[FaultBand]) -> str:
    """The report's "What went wrong" sentence; the checker's own when it gave no facts."""
    at = _Clock(axis)
    facts = ce.facts
    if isinstance(facts, HeldTogether):
        text, span = _overlap(facts, at), (facts.earlier.ret, facts.later.ret)
    elif isinstance(facts, StaleToken):
        text, span = _fencing(facts, at), (facts.earlier.ret, facts.later.ret)
    elif isinstance(facts, WaitCycle):
        text, span = _deadlock(facts, at), (min(h.ret for _, h in facts.waits), max(w.call for w, _ in facts.waits))
    elif isinstance(facts, Unplaceable):
        text, span = _unplaceable(facts, ce, lock, at), (facts.culprit.call, facts.culprit.ret)
    else:
        return ce.explanation
    return text + _during(bands, *span, at)


class _Clock:
    """'12.4 s' (or 'event 12') for a history position."""

    def __init__(self, axis: TimeAxis):
        self.axis = axis

    def __call__(self, pos: int) -> str:
        return self.axis.describe(self.axis.at(pos))


def _overlap(facts: HeldTogether, at: _Clock) -> str:
    earlier, later = facts.earlier, facts.later
    held = "held" + (" for reading" if facts.earlier_shared else "")
    took = "acquired it" + (" for reading" if facts.later_shared else "")
    full = f", when all {facts.capacity} permits were taken" if facts.capacity > 1 and not facts.later_shared else ""
    return (
        f"{process_label(earlier.process)} {held} {key_label(earlier.key)} from {at(earlier.ret)}; "
        f"{process_label(later.process)} {took} at {at(later.ret)}{full}; "
        f"{_hold_end(earlier, facts.earlier_release, at)}."
    )


def _hold_end(holder: Operation, release: Operation | None, at: _Clock) -> str:
    """How the earlier hold ended. Its release was invoked after the later acquire returned
    (that is what makes the holds overlap), so every branch reads "then" or "only"."""
    who = process_label(holder.process)
    if release is None:
        return f"{who} never released it"
    if release.status == FAIL:
        return f"{who}'s release then failed"
    if release.status == OK:
        return f"{who} released it only at {at(release.call)}"
    if release.status == INFO:
        return f"{who}'s release at {at(release.call)} had an unknown outcome"
    return f"{who}'s release at {at(release.call)} never returned"


def _fencing(facts: StaleToken, at: _Clock) -> str:
    earlier, later = facts.earlier, facts.later
    return (
        f"{process_label(later.process)} acquired {key_label(later.key)} at {at(later.ret)} "
        f"with fencing token {short(later.value)}, but {process_label(earlier.process)} had been given token "
        f"{short(earlier.value)} at {at(earlier.ret)}: the protected resource cannot "
        f"tell the stale holder from the current one."
    )


def _deadlock(facts: WaitCycle, at: _Clock) -> str:
    steps = [
        f"{process_label(waiting.process)} waited for {key_label(waiting.key)} from {at(waiting.call)}, "
        f"held by {process_label(holder.process)} since {at(holder.ret)}"
        for waiting, holder in facts.waits
    ]
    return "; ".join(steps) + ": each waited for another in the cycle, so none could go on."


def _unplaceable(facts: Unplaceable, ce: Counterexample, lock: LockSemantics | None, at: _Clock) -> str:
    """The culprit, and what the longest valid order left the model in: the search's own
    evidence, not a claim about every order."""
    culprit = facts.culprit
    text = (
        f"{_op_name(culprit)} (index {culprit.index}) returned at {at(culprit.ret)}, "
        f"but no order of the operations up to then can include it"
    )
    if facts.refusal is None:
        return text + f" (the longest valid order the checker found has {_count(facts.order)})."
    text += f": in the longest valid order the checker found ({_count(facts.order)}) "
    subject = key_label(ce.key) if lock is not None else "the state"
    state = facts.state if lock is not None else f"at {facts.state}"
    text += f"{subject} is left {state}" + _since(facts.set_by, culprit, at)
    if lock is None:
        return text + f", and {facts.refusal}."
    if facts.set_by is not None and facts.set_by.f in lock.acquire | lock.shared_acquire:
        text += "; " + _release_fate(facts.set_by, facts.release, culprit, at)
    return text + "."


def _since(set_by: Operation | None, culprit: Operation, at: _Clock) -> str:
    """Since when the order had the model in that state. The order may let an op take effect
    before it returned (or when it never did): then its invocation is the time to name."""
    if set_by is None:
        return ", as it was at the start"
    name = _op_name(set_by)
    if set_by.status == OK and set_by.ret <= culprit.ret:
        return f" since {name} returned at {at(set_by.ret)}"
    if set_by.status == OK:
        return f" since {name}, invoked at {at(set_by.call)}, took effect (it returned only at {at(set_by.ret)})"
    return f" since {name}, invoked at {at(set_by.call)} and never confirmed, took effect"


def _count(n: int) -> str:
    return f"{n} operation" + ("" if n == 1 else "s")


def _op_name(op: Operation) -> str:
    """"p3's acquire", "p1's read 2": who did what (the value only when there is one)."""
    value = "" if op.value is None else f" {short(op.value)}"
    return f"{process_label(op.process)}'s {short(op.f)}{value}"


def _release_fate(acquire: Operation, release: Operation | None, culprit: Operation, at: _Clock) -> str:
    who = process_label(acquire.process)
    if release is None:
        return f"{who} never released it"
    if release.status == FAIL:
        return f"{who}'s release, invoked at {at(release.call)}, failed at {at(release.ret)}"
    if release.status == OK and release.call > culprit.ret:
        return f"{who} released it only at {at(release.call)}"
    if release.status == OK:
        return f"{who}'s release ran from {at(release.call)} to {at(release.ret)}"
    if release.status == INFO:
        return f"{who}'s release, invoked at {at(release.call)}, had an unknown outcome"
    return f"{who}'s release, invoked at {at(release.call)}, never returned"


def _during(bands: Sequence[FaultBand], start: int, end: int, at: _Clock) -> str:
    """' This happened during the nemesis fault X (a to b).' for the first fault overlapping
    the span [start, end] of history positions, or '' when the nemesis was quiet."""
    for band in bands:
        band_end = float("inf") if band.end is None else band.end
        if not band.instant and band.start <= end and band_end >= start:
            until = "the end" if band.end is None else at(band.end)
            # Jepsen's bare :start names no fault: say "a nemesis fault", not "the fault start"
            name = "a nemesis fault" if band.label == band.name == "start" else f"the nemesis fault {short(band.label)}"
            return f" This happened during {name} ({at(band.start)} to {until})."
    return ""
