"""A campaign's outcome: what was asked, what was found, and the verdict.

A campaign has three outcomes, not two: a violation; none found; or **inconclusive**, when
it could not test what it claims (most acquires ended unknown, no fault ever struck a
holder, no two clients ever contended): saying "no violation found" then would be a lie.
In the checker's words (Jepsen's `:valid?`, `valid` in the JSON): False, True, "unknown".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from taala.checker.judge import Verdict
from taala.checker.lease import LEAKED
from taala.checker.result import UNKNOWN, Validity
from taala.runner import Run
from taala.schedule import counts, describe
from taala.workloads import get as get_workload

DEFAULT_TTL = 0.25
DEFAULT_CLIENTS = 2
VIOLATION, NONE_FOUND, INCONCLUSIVE = "violation", "no violation found", "inconclusive"


@dataclass
class Campaign:
    """The outcome of `taala.vet.vet()`."""

    adapter: str
    faults: list[str]
    violation: bool
    examples: int
    elapsed_s: float
    clients: int = DEFAULT_CLIENTS
    ttl: float = DEFAULT_TTL
    outcome: str = NONE_FOUND  # VIOLATION, NONE_FOUND or INCONCLUSIVE
    reasons: list[str] = field(default_factory=list)  # why inconclusive, one line each
    ops: Counter = field(default_factory=Counter)  # "acquire ok" -> count, over every run
    expected: str | None = None  # "safe"/"unsafe": what the adapter declares under these faults
    expected_classes: tuple[str, ...] | None = None  # the violation classes declared (None: any)
    probed: int = 0  # runs whose end was probed for liveness
    leaked: list[list] = field(default_factory=list)  # schedules after which the lock was never granted again
    schedule: list | None = None  # the minimal violating schedule
    run: Run | None = None
    verdict: Verdict | None = None
    reproducer: str | None = None
    damage_schedule: list | None = None  # the minimal schedule with the holders' writes added
    damage_verdict: Verdict | None = None
    damage_run: Run | None = None  # that run: its history shows the lost update on the resource
    interrupted: bool = False  # Ctrl-C: what was found so far, unshrunk
    notes: list[str] = field(default_factory=list)
    workload: str = "counter"  # what the clients did while holding the lock (`taala.workloads`)
    doubled: int = 0  # runs in which two clients believed they held one lock at once
    target: str | None = None  # the target file of servers the user runs, if any (`taala.target`)
    hunt: Campaign | None = None  # the hunt for a bug after the first violation (`taala.vet.hunt`)
    leak: Campaign | None = None  # the hunt for a leak (`taala.vet.hunt`)
    # what this search counted as found: "violation" (a campaign), or a hunt's class (bug, leaked)
    looked_for: str = "violation"
    # (runs that showed it, runs) of the minimal schedule, measured as the minimiser settled
    # on it (`taala.vet.minimise`, pass 7); None when not measured (interrupted)
    recurrence: tuple[int, int] | None = None

    @property
    def valid(self) -> Validity:
        """The outcome in the checker's vocabulary: False (a violation), True (none found
        after a whole search), "unknown" (inconclusive, or interrupted before finding one)."""
        if self.violation:
            return False
        return UNKNOWN if self.outcome == INCONCLUSIVE or self.interrupted else True

    def steps(self, schedule: list | None = None) -> list[str] | None:
        """The minimal schedule (or `schedule`) in English, one line per step."""
        schedule = self.schedule if schedule is None else schedule
        if not schedule:
            return None
        workload = get_workload(self.workload)
        names = set() if workload is None else {workload.op(c, 0).name for c in range(self.clients)}
        operation = None if workload is None else names.pop() if len(names) == 1 else "operation"
        return [describe(step, self.clients, operation) for step in schedule]

    @property
    def minimal_steps(self) -> int | None:
        return None if self.schedule is None else len(self.schedule)

    @property
    def matched(self) -> bool | None:
        """Did the outcome match the adapter's declaration? None if undeclared or inconclusive.
        A bug class the declaration does not list is not as declared, whatever else it says:
        that is the finding a lock's author needs most; so is a leak the hunt found on a lock
        that promises liveness."""
        if self.expected is None or self.outcome == INCONCLUSIVE or (self.interrupted and not self.violation):
            return None
        return self.violation == (self.expected == "unsafe") and not self.undeclared_bug and not self.undeclared_leak

    @property
    def found_class(self) -> str | None:
        """The class of what was found: "leaked" for a leak hunt's find, else the minimal
        run's violation class (None: nothing found, or not classified)."""
        if self.looked_for == LEAKED:
            return LEAKED if self.violation else None
        return self.classification.kind if self.classification is not None else None

    @property
    def undeclared_leak(self) -> bool:
        """A leak found on a lock that promises liveness (the leak hunt runs only for those)
        under faults whose declaration does not admit `leaked`."""
        if self.leak is None or not self.leak.violation:
            return False
        return self.expected_classes is None or LEAKED not in self.expected_classes

    @property
    def undeclared_bug(self) -> bool:
        """A violation shown to be the lock's bug (here, or by the hunt after it) that the
        declaration does not admit."""
        if self.hunt is not None and self.hunt.undeclared_bug:
            return True
        found = self.classification
        if self.looked_for == LEAKED:
            return False
        if found is None or not found.is_bug:
            return False
        return self.expected == "safe" or (self.expected_classes is not None and found.kind not in self.expected_classes)

    @property
    def classification(self) -> Any:
        """Why the minimal run's two holders held at once (`taala.checker.lease`), if known."""
        return self.verdict.classification if self.verdict is not None else None

    @property
    def damage(self) -> Any:
        """The lost update the holders caused (the verdict's, or the damage run's), if shown."""
        damage = self.verdict.damage if self.verdict else None
        if damage is None and self.damage_verdict is not None:
            damage = self.damage_verdict.damage
        return damage

    def to_dict(self) -> dict[str, Any]:
        ce = self.verdict.counterexample if self.verdict else None
        damage = self.damage
        return {
            "adapter": self.adapter,
            "workload": self.workload,
            "valid": self.valid,
            "outcome": self.outcome,
            "violation": self.violation,
            "reasons": self.reasons,
            "expected": self.expected,
            "matched": self.matched,
            "expected_classes": list(self.expected_classes) if self.expected_classes is not None else None,
            "faults": self.faults,
            "ttl": self.ttl,
            "examples": self.examples,
            "elapsed_s": round(self.elapsed_s, 3),
            "ops": dict(sorted(self.ops.items())),
            "runs_with_two_holders": self.doubled,
            "liveness": {"probed": self.probed, "leaked": len(self.leaked), "example": self.leaked[0] if self.leaked else None},
            "reproducer": self.reproducer,
            "recurrence": list(self.recurrence) if self.recurrence else None,
            "minimal_steps": self.minimal_steps,
            "schedule": self.schedule,
            "steps": self.steps(),
            "size": counts(self.schedule, self.clients) if self.schedule else None,
            "explanation": ce.explanation if ce else None,
            "looked_for": self.looked_for,
            "class": self.found_class,
            "classification": self.classification.to_dict() if self.classification else None,
            "damage": damage.explanation if damage else None,
            "damage_schedule": self.damage_schedule,
            "notes": self.notes,
            "hunt": self.hunt.to_dict() if self.hunt is not None else None,
            "leak": self.leak.to_dict() if self.leak is not None else None,
        }
