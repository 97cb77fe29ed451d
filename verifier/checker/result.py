"""What a check returns: verdicts, counterexamples, and their JSON form.

The checker's one outcome vocabulary is defined here: `valid` is True, False or UNKNOWN
("unknown"), Jepsen's `:valid?`, from a single partition's search (`taala.checker.wgl`)
up to the whole history's result and its JSON. Merging follows Jepsen's `merge-valid`:
any False makes the whole False, otherwise any unknown makes it unknown. Checkers never
print; the CLI and the report render these objects.

A counterexample carries its *facts* as data (Elle's `explain-pair-data`): which ops, in
which roles. The checker's own sentence is one rendering of them; the report writes
another, in seconds and who-held-what, from the same facts, so it can never tell a story
the checker did not find (say, blame a pair of holds that never overlapped).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from taala.history import Operation
from taala.model import Model

UNKNOWN = "unknown"  # neither proven valid nor shown invalid: out of time or memory, or no audit
Validity = bool | str  # True, False or UNKNOWN


def merge_valid(values: Iterable[Validity]) -> Validity:
    values = list(values)
    if any(v is False for v in values):
        return False
    if any(v == UNKNOWN for v in values):
        return UNKNOWN
    return True


def _json(value: Any) -> Any:
    """Ops by their invocation index, as the rest of the JSON names them."""
    if isinstance(value, Operation):
        return value.index
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    return value


@dataclass(frozen=True)
class _Facts:
    kind = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **{f.name: _json(getattr(self, f.name)) for f in fields(self)}}


@dataclass(frozen=True)
class HeldTogether(_Facts):
    """overlap: `later` returned while the hold `earlier` began was still open (its release
    not yet invoked, or never). Critical sections run from an acquire's return to the
    invocation of the holder's own release (`taala.checker.checks.holds`)."""

    earlier: Operation
    earlier_release: Operation | None
    later: Operation
    earlier_shared: bool = False
    later_shared: bool = False
    capacity: int = 1
    kind = "overlap"


@dataclass(frozen=True)
class StaleToken(_Facts):
    """fencing: `later` was handed a token that `earlier` (which returned first) had beaten
    or equalled; `reused` when it is the very same token."""

    earlier: Operation
    later: Operation
    reused: bool = False
    kind = "fencing"


@dataclass(frozen=True)
class WaitCycle(_Facts):
    """deadlock: each (waiting acquire, holder's acquire) pair is one edge of the cycle; the
    holder of one edge is the waiter of the next."""

    waits: tuple[tuple[Operation, Operation], ...]
    kind = "deadlock"


@dataclass(frozen=True)
class Unplaceable(_Facts):
    """linearizability: `culprit` returned, and no order of the ops before it admits it.

    `order` is the length of the longest valid order the search found. When the state that
    order ends in refuses the culprit outright, `state` describes it, `refusal` is the
    model's reason, `set_by` is the op of the order that put the model in that state (None:
    the initial state) and, for lock models, `release` is `set_by`'s holder's next release
    of the key, whatever became of it (None: none was invoked)."""

    culprit: Operation
    order: int = 0
    state: str | None = None
    refusal: str | None = None
    set_by: Operation | None = None
    release: Operation | None = None
    kind = "linearizability"


Facts = HeldTogether | StaleToken | WaitCycle | Unplaceable


@dataclass
class Counterexample:
    """Why a history is invalid, in terms a person can check against the file."""

    check: str  # which check found it: linearizability, overlap, fencing, deadlock
    explanation: str
    ops: list[Operation]  # the operations involved (original indices via op.index)
    key: Hashable = None
    prefix_end: int | None = None  # index of the event that ends the shortest invalid prefix
    partial_linearizations: list[list[tuple[Operation, str]]] = field(default_factory=list)
    facts: Facts | None = None  # the same story as data; None from checks that give none

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "key": self.key,
            "explanation": self.explanation,
            "prefix_end_index": self.prefix_end,
            "ops": [op.to_dict() for op in self.ops],
            "facts": None if self.facts is None else self.facts.to_dict(),
            "partial_linearizations": [
                [{**op.to_dict(), "state_after": state} for op, state in path] for path in self.partial_linearizations
            ],
        }


@dataclass
class CheckOutcome:
    """The verdict of one check (linearizability, overlap, ...) over a whole history."""

    name: str
    valid: Validity
    counterexample: Counterexample | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "counterexample": None if self.counterexample is None else self.counterexample.to_dict(),
            **self.details,
        }


# When several checks fail, the counterexample shown first is the easiest one to read:
# "two clients held the lock" beats a partial linearization.
_PREFERENCE = ("overlap", "fencing", "linearizability", "deadlock")


@dataclass(kw_only=True)
class Result:
    """What every verdict on a whole history offers, whatever judged it: its checks merged
    into `valid`, the counterexample to show first, and the JSON form. A model's checks give
    a `CheckResult`; a workload's invariants a `taala.workloads.base.WorkloadResult`. These fields
    are keyword-only so that each kind's own first field (its model, its workload) stays first."""

    ops: int
    partitions: int
    elapsed_s: float
    checks: dict[str, CheckOutcome]
    source: str | None = None
    nemesis_events: int = 0

    @property
    def judged_by(self) -> Any:
        """The model or the workload the history was judged by; it prints as the JSON's "model"."""
        raise NotImplementedError

    @property
    def valid(self) -> Validity:
        return merge_valid(c.valid for c in self.checks.values())

    @property
    def counterexample(self) -> Counterexample | None:
        failing = [c for c in self.checks.values() if c.valid is False and c.counterexample is not None]
        failing.sort(key=lambda c: _PREFERENCE.index(c.name) if c.name in _PREFERENCE else len(_PREFERENCE))
        return failing[0].counterexample if failing else None

    def to_dict(self) -> dict[str, Any]:
        ce = self.counterexample
        return {
            "file": self.source,
            "valid": self.valid,
            "model": str(self.judged_by),  # a Model prints as name(params), a Workload as its name
            "ops": self.ops,
            "partitions": self.partitions,
            "nemesis_events": self.nemesis_events,
            "elapsed_s": round(self.elapsed_s, 6),
            "counterexample": None if ce is None else ce.to_dict(),
            "checks": {name: c.to_dict() for name, c in self.checks.items()},
        }


@dataclass
class CheckResult(Result):
    """The verdict on one history under one model, combining every applicable check."""

    model: Model  # the model checked against (the report reads its lock semantics)

    @property
    def judged_by(self) -> Model:
        return self.model
