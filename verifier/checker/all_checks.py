"""`check(history, model)`: every check that applies to the model, merged into one verdict.

- linearizability (P-compositional WGL) for every model;
- for lock models (`model.lock` set): overlap of critical sections, and deadlock on
  exclusive locks; for fenced locks, token monotonicity.

The direct checks are linear-time and certain; the search is exact but exponential in the
worst case, so under a time limit it may say "unknown" while a direct check still proves a
violation. Operations the model cannot interpret are rejected up front with their line.
"""

from __future__ import annotations

import time
from operator import attrgetter

from taala.checker import split
from taala.checker.checks import deadlock, fencing, overlap
from taala.checker.linearizability import check as check_linearizability
from taala.checker.result import CheckResult
from taala.gcpause import paused_gc
from taala.history import NEMESIS, History, HistoryError
from taala.model import Model


def validate(history: History, model: Model) -> None:
    for op in history.operations():
        problem = model.check_op(op)
        if problem:
            raise HistoryError(problem, source=history.source, line=op.invoke.line)


def check(
    history: History,
    model: Model,
    *,
    time_limit: float | None = None,
    workers: int | None = None,
    linearizability: bool = True,
) -> CheckResult:
    """Judge `history` against `model`. `linearizability=False` runs only the direct checks."""
    started = time.monotonic()
    ops = history.operations()
    validate(history, model)
    with paused_gc():
        names = CHECKS if linearizability else CHECKS - {"linearizability"}
        checks = _run_checks(ops, model, time_limit, workers, names)
    return CheckResult(
        model=model,
        ops=len(ops),
        partitions=len({op.key for op in ops}),
        elapsed_s=time.monotonic() - started,
        checks=checks,
        source=history.source,
        nemesis_events=_nemesis_events(history),
    )


def _nemesis_events(history: History) -> int:
    """How many events are the nemesis's: counted in C (a generator over 2 M events costs 0.3 s)."""
    return list(map(attrgetter("process"), history.events)).count(NEMESIS)


def _several_keys(ops) -> bool:
    """Deadlock needs two locks; stop looking at the second distinct key."""
    first = ops[0].key if ops else None
    return any(op.key != first for op in ops)


CHECKS = frozenset({"linearizability", "overlap", "fencing", "deadlock"})


def _run_checks(ops, model: Model, time_limit, workers, names: frozenset[str]) -> dict:
    """The checks in `names` that apply to `model`; a huge history of several keys is
    split across `workers` processes (`taala.checker.split`)."""
    if split.worth_it(ops, workers):
        outcomes = split.run(ops, model, time_limit, workers, names, _sequential)
        if outcomes is not None:
            return outcomes
    return _sequential(ops, model, time_limit, workers, names)


def _sequential(ops, model: Model, time_limit, workers, names: frozenset[str]) -> dict:
    checks = {}
    if "linearizability" in names:
        checks["linearizability"] = check_linearizability(ops, model, time_limit=time_limit, workers=workers)
    lock = model.lock
    if lock is not None:
        if "overlap" in names:
            checks["overlap"] = overlap.check(ops, lock)
        if "fencing" in names and lock.fenced:
            checks["fencing"] = fencing.check(ops, lock)
        if "deadlock" in names and deadlock.applies(lock) and _several_keys(ops):
            checks["deadlock"] = deadlock.check(ops, lock)
    return checks
