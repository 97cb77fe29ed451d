"""Checking a huge history on every core: its keys split across forked processes.

Every check but deadlock is per key (P-compositionality for linearizability; holds and
fencing tokens of one key never meet another's), so a history's keys can be dealt out to
processes that each run the same checks on their share. Deadlock (a waits-for cycle can
span keys) runs meanwhile in this process, over the whole history.

The split only accelerates the common answer, "valid": workers send back verdicts and
counts, never operations. A check that fails (or errs) in any share is run again here over
the whole history, so its counterexample, its chosen example and its counts are exactly
those of the sequential checker, operations and all. A linearizability search that ran
out of time stays unknown, with the counts of every share added up.

Forking a process of a million operations is cheap (copy on write, with the collector's
objects frozen), but touching objects copies their pages: each worker copies about the
share of the history it reads, so peak memory grows by about one history's operations.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from taala.checker.result import UNKNOWN, CheckOutcome
from taala.history import Operation
from taala.model import Model

SPLIT_AFTER_OPS = 200_000  # below this, forking costs more than it saves

RunChecks = Callable[..., dict[str, CheckOutcome]]

# Forked workers read their shares from here instead of receiving them pickled.
_WORK: tuple[list[list[Operation]], Model, float | None, frozenset[str], RunChecks] | None = None


def worth_it(ops: Sequence[Operation], workers: int | None) -> bool:
    return (workers or 1) > 1 and len(ops) >= SPLIT_AFTER_OPS


def shares(ops: Sequence[Operation], n: int) -> list[list[Operation]]:
    """The ops dealt into at most `n` shares of whole keys, keys in order of first
    appearance and shares of about equal size (each key's ops keep their order)."""
    by_key: dict[Hashable, list[Operation]] = {}
    for op in ops:
        part = by_key.get(op.key)
        if part is None:
            by_key[op.key] = part = []
        part.append(op)
    out: list[list[Operation]] = [[]]
    target = len(ops) / n
    for part in by_key.values():
        if out[-1] and len(out[-1]) + len(part) / 2 > target and len(out) < n:
            out.append([])
        out[-1].extend(part)
    return out


def _one_share(i: int) -> dict[str, tuple[Any, dict]]:
    share_list, model, time_limit, names, run_checks = _WORK  # type: ignore[misc]
    outcomes = run_checks(share_list[i], model, time_limit, 1, names - {"deadlock"})
    return {name: (o.valid, o.details) for name, o in outcomes.items()}


def run(ops: Sequence[Operation], model: Model, time_limit: float | None, workers: int,
        names: frozenset[str], run_checks: RunChecks) -> dict[str, CheckOutcome] | None:
    """The checks `names` (`run_checks` runs them in one process) over `ops`, keys split across `workers` processes;
    None when the history has a single key (nothing to split)."""
    global _WORK
    parts = shares(ops, workers)
    if len(parts) < 2:
        return None
    _WORK = (parts, model, time_limit, names, run_checks)
    gc.freeze()  # children's collections would otherwise touch (and copy) every page
    try:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(len(parts)) as pool:
            pending = pool.map_async(_one_share, range(len(parts)))
            whole = run_checks(ops, model, time_limit, 1, names & {"deadlock"})
            per_share = pending.get()
    finally:
        _WORK = None
        gc.unfreeze()
    merged = _merge(per_share, ops, model, time_limit, run_checks)
    merged.update(whole)
    return merged


def _merge(per_share: list[dict[str, tuple[Any, dict]]], ops, model, time_limit,
           run_checks: RunChecks) -> dict[str, CheckOutcome]:
    out: dict[str, CheckOutcome] = {}
    for name in per_share[0]:
        verdicts = [share[name][0] for share in per_share]
        details = _added([share[name][1] for share in per_share])
        if all(v is True for v in verdicts):
            out[name] = CheckOutcome(name, True, None, details)
        elif name == "linearizability" and all(v in (True, UNKNOWN) for v in verdicts):
            cause = next(share[name][1]["cause"] for share in per_share if share[name][0] == UNKNOWN)
            out[name] = CheckOutcome(name, UNKNOWN, None, {**details, "cause": cause})
        else:  # a violation: the sequential check, for its exact counterexample and counts
            out[name] = run_checks(ops, model, time_limit, 1, frozenset({name}))[name]
    return out


def _added(details: list[dict]) -> dict:
    """Counts added up across shares; anything else as the first share has it."""
    out = dict(details[0])
    for d in details[1:]:
        for k, v in d.items():
            if isinstance(v, int) and not isinstance(v, bool) and isinstance(out.get(k), int):
                out[k] += v
    return out
