"""The verdict on one run: did the lock let two clients in, and did it cost data?

The history of a run mixes two objects, so it is judged in two parts with the ordinary
checker (nemesis events go with both):

- the lock (`acquire`/`release` on key "lock") against `mutex`, or `fenced-mutex` when
  the adapter hands out fencing tokens, or the model the adapter declares (`rw-lock` for
  `acquire-read`/`acquire-write`, `semaphore:permits=2`), plus the direct overlap check:
  more holders than the lock admits;
- the resource (`read`/`cas` on key "resource") against `cas-register` starting at 0:
  a lost update is a `cas` from a value the register no longer held: the damage; or,
  when the clients ran a workload (`taala.workloads.base`), that workload's invariants.

A fenced adapter is judged by its resource alone, and so is a workload (by its invariants,
plus the deadlock check of its locks). Fencing exists precisely so that two
clients *believing* they hold the lock cannot both touch the data; its lock part is still
checked and reported, but two believers are not a violation there.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, replace

from taala.checker.all_checks import check
from taala.checker.lease import Classification, LeaseTerms, classify
from taala.checker.checks.overlap import overlapping
from taala.checker.result import CheckOutcome, CheckResult, Counterexample
from taala.history import History
from taala.models import get as get_model
from taala.models.cas_register import CasRegister
from taala.models.fenced_mutex import FencedMutex
from taala.models.mutex import Mutex
from taala.workloads.base import Workload, WorkloadResult
from taala.workloads.base import judge as judge_workload


class _LockFs:
    """The lock's ops: `acquire`/`release`, with or without a mode (`acquire-read`)."""

    def __contains__(self, f: object) -> bool:
        return isinstance(f, str) and f.partition("-")[0] in ("acquire", "release")


LOCK_FS = _LockFs()
RESOURCE_FS = {"read", "cas"}


@dataclass
class Verdict:
    violation: bool
    lock: CheckResult
    resource: CheckResult | WorkloadResult  # the workload's invariants when the clients ran one
    fenced: bool
    workload: bool = False  # the clients ran a workload: the resource part is its invariants
    # Why two clients held the lock at once (`taala.checker.lease`): the lease's known
    # weakness or a bug. None: no two holders, or no lease terms to judge them by.
    classification: Classification | None = None

    @property
    def deadlock(self) -> CheckOutcome | None:
        """The lock part's deadlock check, when it found one."""
        found = self.lock.checks.get("deadlock")
        return found if found is not None and found.valid is False else None

    @property
    def counterexample(self) -> Counterexample | None:
        if self.workload:
            return self.deadlock.counterexample if self.deadlock else self.resource.counterexample
        if self.lock.valid is False and not self.fenced:
            return self.lock.counterexample
        return self.resource.counterexample

    @property
    def damage(self) -> Counterexample | None:
        return self.resource.counterexample

    def to_dict(self) -> dict:
        return {
            "violation": self.violation,
            "fenced": self.fenced,
            "lock": self.lock.to_dict(),
            "resource": self.resource.to_dict(),
            "class": None if self.classification is None else self.classification.to_dict(),
        }


def part(history: History, fs: Container[str]) -> History:
    """The events of ops named in `fs`, with the nemesis's: the history a verdict part is about
    (its op indices are the ones that part's counterexample names)."""
    events = [e for e in history.events if e.is_nemesis or e.f in fs]
    return History(events, source=history.source)


def judge(history: History, *, fenced: bool, time_limit: float = 10.0, workload: Workload | None = None,
          model: str | None = None, terms: LeaseTerms | None = None) -> Verdict:
    """With a `workload`, the resource part is its invariants (`taala.workloads.base.judge`).
    `model`: the lock's model as the adapter declares it (`Adapter.model`); None: (fenced-)mutex.
    `terms`: the lock's lease as the server applies it (`Adapter.lease_terms`), by which two
    holders are classified; None: they are not."""
    lock_part = part(history, LOCK_FS)
    if model is None:
        lock_model = FencedMutex() if fenced else Mutex()
    else:
        lock_model = get_model(model)
        if not lock_model.lock or not lock_model.lock.fenced:
            lock_part = _without_tokens(lock_part)
    lock = check(lock_part, lock_model, time_limit=time_limit, workers=1)
    if workload is not None:
        resource = judge_workload(history, workload)
    else:
        resource = check(part(history, RESOURCE_FS), CasRegister(initial=0), time_limit=time_limit, workers=1)
    verdict = Verdict(False, lock, resource, fenced, workload is not None)
    verdict.classification = _classified(lock_part, lock, terms)
    if workload is not None:  # judged by what it protects; locks that wait for each other for ever still count
        verdict.violation = resource.valid is False or verdict.deadlock is not None
    else:
        verdict.violation = resource.valid is False or (lock.valid is False and not fenced)
    return verdict


def _classified(lock_part: History, lock: CheckResult, terms: LeaseTerms | None) -> Classification | None:
    """Why two clients held the lock at once (`taala.checker.lease`): the first overlap's
    class, unless a later overlap of the run is shown to be a bug (a holder that outlived
    its lease may then remove the next holder's lock: the first overlap is the known
    weakness, the next one the bug)."""
    overlap = lock.checks.get("overlap")
    if terms is None or overlap is None or overlap.valid is not False or lock.model.lock is None:
        return None
    found = [classify(lock_part, earlier, later, terms)
             for earlier, later in overlapping(lock_part.operations(), lock.model.lock)]
    return next((c for c in found if c.is_bug), found[0] if found else None)


def _without_tokens(history: History) -> History:
    """The lock ops without the adapter's tokens: an unfenced lock's token is its own business
    (a znode path), and a declared model may read an op's value (a semaphore: how many permits)."""
    events = [e if e.is_nemesis else replace(e, value=None) for e in history.events]
    return History(events, source=history.source)
