"""Linearizability of a whole history: P-compositional WGL plus a readable counterexample.

P-compositionality (Horn & Kroening): a history is linearizable iff each per-key
sub-history is, because operations on different keys never constrain each other. Checking
1,000 parts of 1,000 ops is vastly cheaper than one part of 1,000,000: the search is
exponential in concurrency, and splitting by key divides the concurrency.

Each part is decided piece by piece (`taala.checker.pieces`), so memory follows
concurrency, and parts are searched in parallel processes when the history is big enough
to repay the fork. On a violation, the failing piece goes to `taala.checker.counterexample`,
which finds its shortest invalid prefix and says why.
"""

from __future__ import annotations

import gc
import os
import time
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from taala.checker.pieces import Decision, decide, searchable, starting_at
from taala.checker.result import UNKNOWN, CheckOutcome, Validity
from taala.history import Operation
from taala.model import Model

PARALLEL_AFTER_S = 2.0  # fork a pool only when at least this much search work is left


def partition(ops: Sequence[Operation]) -> dict[Hashable, list[Operation]]:
    """Group ops by key, keeping invocation order within each group."""
    parts: dict[Hashable, list[Operation]] = defaultdict(list)
    for op in ops:
        parts[op.key].append(op)
    return dict(parts)


# A part's outcome is the checker's `valid` (True, False, UNKNOWN: out of time) or this: no
# verdict either, but the fix differs (less concurrency or more memory, not more time).
OUT_OF_MEMORY = "out of memory"


@dataclass
class _PartVerdict:
    key: Hashable
    valid: Validity  # True, False, UNKNOWN or OUT_OF_MEMORY
    steps: int
    decision: Decision | None = None  # kept when decided in this process


def _decide(ops: Sequence[Operation], model: Model, deadline) -> Decision:
    """`pieces.decide`, with running out of memory as a verdict of its own (unknown), not a
    traceback: the search is exponential in the worst case and a caller must hear "unknown"."""
    try:
        return decide(ops, model, deadline=deadline)
    except MemoryError:
        return Decision(OUT_OF_MEMORY)


# Forked workers read the parts from here instead of receiving them pickled.
_WORK: tuple[list, Model, float | None] | None = None


def _search_part(i: int) -> tuple[int, Validity, int]:
    parts, model, deadline = _WORK  # type: ignore[misc]
    _key, ops = parts[i]
    r = _decide(ops, model, deadline)
    return i, r.valid, r.steps


def _search_all(parts: list[tuple[Hashable, list[Operation]]], model: Model, deadline, workers: int) -> list[_PartVerdict]:
    """Search parts in order; hand the rest to a process pool once that clearly pays.

    Forking a big process costs time and copy-on-write memory, and most lock histories are
    decided in well under a microsecond per op. So we start sequentially and only fork when
    the parts done so far project more than PARALLEL_AFTER_S of remaining work.
    """
    out: list[_PartVerdict] = []
    started = time.monotonic()
    for n, (key, ops) in enumerate(parts):
        elapsed = time.monotonic() - started
        left = len(parts) - n
        if workers > 1 and n and left > 1 and elapsed > 0.2 and elapsed / n * left > PARALLEL_AFTER_S:
            return out + _search_pool(parts[n:], model, deadline, workers)
        r = _decide(ops, model, deadline)
        out.append(_PartVerdict(key, r.valid, r.steps, r))
    return out


def _search_pool(parts, model: Model, deadline, workers: int) -> list[_PartVerdict]:
    global _WORK
    _WORK = (parts, model, deadline)
    gc.freeze()  # children's collections would otherwise touch (and copy) every page
    try:
        import multiprocessing  # here, not at the top: 15-30 ms of start-up that most checks never use

        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers) as pool:
            chunk = max(1, len(parts) // (workers * 8))
            results = pool.map(_search_part, range(len(parts)), chunksize=chunk)
    finally:
        _WORK = None
        gc.unfreeze()
    return [_PartVerdict(parts[i][0], v, s) for i, v, s in results]


def check(
    ops: Sequence[Operation],
    model: Model,
    *,
    time_limit: float | None = None,
    workers: int | None = None,
) -> CheckOutcome:
    """Check every per-key part; explain the first invalid one."""
    deadline = None if time_limit is None else time.monotonic() + time_limit
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    raw = partition(ops)
    parts = [(k, searchable(p, model)) for k, p in raw.items()]
    verdicts = _search_all(parts, model, deadline, workers)
    invalid = [v for v in verdicts if v.valid is False]
    unknown = [v.valid for v in verdicts if v.valid is not True and v.valid is not False]
    details = {
        "partitions": len(parts),
        "invalid_partitions": len(invalid),
        "illegal_partitions": len(invalid),  # the old name of the count, kept for scripts that read it
        "unknown_partitions": len(unknown),
        "steps": sum(v.steps for v in verdicts),
    }
    if invalid:
        key, decision = invalid[0].key, invalid[0].decision
        if decision is None:  # decided in a worker: find the failing piece again
            decision = decide(next(p for k, p in parts if k == key), model, deadline=deadline)
        from taala.checker.counterexample import counterexample  # only a violation needs it

        where = starting_at(model, decision.init)
        found = counterexample(decision.ops, where, key, deadline, context=raw[key])
        return CheckOutcome("linearizability", False, found, details)
    if unknown:
        details["cause"] = (
            "out of memory before every partition was decided"
            if OUT_OF_MEMORY in unknown
            else "time limit reached before every partition was decided"
        )
        return CheckOutcome("linearizability", UNKNOWN, None, details)
    return CheckOutcome("linearizability", True, None, details)


