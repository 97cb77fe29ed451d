"""What a check returns: verdicts, counterexamples, and their JSON form.

`valid` is True, False or "unknown" (Jepsen's `:valid?`). Merging follows Jepsen's
`merge-valid`: any False makes the whole False, otherwise any unknown makes it unknown.
Checkers never print; the CLI and the report render these objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from collections.abc import Hashable, Iterable

from taala.history import Operation

UNKNOWN = "unknown"
Validity = bool | str


def merge_valid(values: Iterable[Validity]) -> Validity:
    values = list(values)
    if any(v is False for v in values):
        return False
    if any(v == UNKNOWN for v in values):
        return UNKNOWN
    return True


@dataclass
class Counterexample:
    """Why a history is invalid, in terms a person can check against the file."""

    check: str  # which check found it: linearizability, overlap, fencing, deadlock
    explanation: str
    ops: list[Operation]  # the operations involved (original indices via op.index)
    key: Hashable = None
    prefix_end: int | None = None  # index of the event that ends the shortest invalid prefix
    partial_linearizations: list[list[tuple[Operation, str]]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "key": self.key,
            "explanation": self.explanation,
            "prefix_end_index": self.prefix_end,
            "ops": [op.to_dict() for op in self.ops],
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


@dataclass
class CheckResult:
    """The verdict on one history under one model, combining every applicable check."""

    model: str
    ops: int
    partitions: int
    elapsed_s: float
    checks: dict[str, CheckOutcome]
    source: str | None = None
    nemesis_events: int = 0

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
            "model": self.model,
            "ops": self.ops,
            "partitions": self.partitions,
            "nemesis_events": self.nemesis_events,
            "elapsed_s": round(self.elapsed_s, 6),
            "counterexample": None if ce is None else ce.to_dict(),
            "checks": {name: c.to_dict() for name, c in self.checks.items()},
        }
