"""Linearizability of a whole history: P-compositional WGL plus a readable counterexample.

P-compositionality (Horn & Kroening): a history is linearizable iff each per-key
sub-history is, because operations on different keys never constrain each other. Checking
1,000 parts of 1,000 ops is vastly cheaper than one part of 1,000,000: the search is
exponential in concurrency, and splitting by key divides the concurrency.

Parts are searched in parallel processes when the history is big enough to repay the
fork. On a violation we go back to the failing part and find the *shortest invalid prefix*
(validity is prefix-closed, so binary search works: extending a prefix only turns optional
ops into required ones or adds optional ones), then re-run the search verbosely on it to
collect the longest partial linearizations: the "how far could we get" that shows a human
*why*.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from taala.history import FAIL, OK, PENDING, Operation
from taala.model import INCONSISTENT, Model
from taala.pieces import Decision, decide, starting_at
from taala.result import UNKNOWN, CheckOutcome, Counterexample, Unplaceable
from taala.wgl import ILLEGAL, LINEARIZABLE, search

PARALLEL_AFTER_S = 2.0  # fork a pool only when at least this much search work is left


def partition(ops: Sequence[Operation]) -> dict[Hashable, list[Operation]]:
    """Group ops by key, keeping invocation order within each group."""
    parts: dict[Hashable, list[Operation]] = defaultdict(list)
    for op in ops:
        parts[op.key].append(op)
    return dict(parts)


def searchable(ops: Sequence[Operation], model: Model) -> list[Operation]:
    """Drop what cannot matter: `fail` ops (never took effect) and droppable unknowns."""
    if type(model).droppable is Model.droppable:  # the default drops nothing: skip the calls
        return [op for op in ops if op.status != FAIL]
    droppable = model.droppable
    return [op for op in ops if op.status == OK or (op.status != FAIL and not droppable(op))]


OUT_OF_MEMORY = "out of memory"


@dataclass
class _PartVerdict:
    key: Hashable
    verdict: str  # LINEARIZABLE, ILLEGAL, UNKNOWN or OUT_OF_MEMORY
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


def _search_part(i: int) -> tuple[int, str, int]:
    parts, model, deadline = _WORK  # type: ignore[misc]
    _key, ops = parts[i]
    r = _decide(ops, model, deadline)
    return i, r.verdict, r.steps


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
        out.append(_PartVerdict(key, r.verdict, r.steps, r))
    return out


def _search_pool(parts, model: Model, deadline, workers: int) -> list[_PartVerdict]:
    global _WORK
    _WORK = (parts, model, deadline)
    gc.freeze()  # children's collections would otherwise touch (and copy) every page
    try:
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
    """Check every per-key part; explain the first illegal one."""
    deadline = None if time_limit is None else time.monotonic() + time_limit
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    raw = partition(ops)
    parts = [(k, searchable(p, model)) for k, p in raw.items()]
    verdicts = _search_all(parts, model, deadline, workers)
    illegal = [v for v in verdicts if v.verdict == ILLEGAL]
    unknown = [v.verdict for v in verdicts if v.verdict not in (ILLEGAL, LINEARIZABLE)]
    details = {
        "partitions": len(parts),
        "illegal_partitions": len(illegal),
        "unknown_partitions": len(unknown),
        "steps": sum(v.steps for v in verdicts),
    }
    if illegal:
        key, decision = illegal[0].key, illegal[0].decision
        if decision is None:  # decided in a worker: find the failing piece again
            decision = decide(next(p for k, p in parts if k == key), model, deadline=deadline)
        where = starting_at(model, decision.init)
        return CheckOutcome("linearizability", False, explain(decision.ops, where, key, deadline, context=raw[key]), details)
    if unknown:
        details["cause"] = (
            "out of memory before every partition was decided"
            if OUT_OF_MEMORY in unknown
            else "time limit reached before every partition was decided"
        )
        return CheckOutcome("linearizability", UNKNOWN, None, details)
    return CheckOutcome("linearizability", True, None, details)


def _prefix(ops: Sequence[Operation], cut: int) -> list[Operation]:
    """The part as it looked right after history position `cut`: later completions unseen."""
    out = []
    for op in ops:
        if op.call > cut:
            continue
        if op.ret is not None and op.ret <= cut:
            out.append(op)
        else:
            out.append(Operation(op.id, op.process, op.f, op.invoke.value, op.key, PENDING, op.call, None, op.invoke, None))
    return out


def explain(
    ops: list[Operation], model: Model, key: Hashable, deadline: float | None, context: Sequence[Operation] = ()
) -> Counterexample:
    """Shrink an illegal part to its shortest invalid prefix and describe it.

    `context` is the part before `fail` ops were dropped: they cannot be linearized, but a
    failed release next to the culprit is often the most telling line of the story."""
    cuts = sorted({op.call for op in ops} | {op.ret for op in ops if op.status == OK})
    lo, hi = 0, len(cuts) - 1  # cuts[hi] is known illegal (the whole part)
    while lo < hi:
        mid = (lo + hi) // 2
        r = search(searchable(_prefix(ops, cuts[mid]), model), model, deadline=deadline)
        if r.verdict == ILLEGAL:
            hi = mid
        elif r.verdict == LINEARIZABLE:
            lo = mid + 1
        else:
            break  # out of time: keep the best prefix found so far
    cut = cuts[hi]
    prefix = searchable(_prefix(ops, cut), model)
    culprit = next((op for op in prefix if op.ret == cut), None)
    r = search(prefix, model, verbose=True)
    paths = [[(op, model.describe_state(state)) for op, state in path] for path in r.longest]
    facts = None
    if culprit is None:
        text = "no linearization exists (the search was cut short by the time limit)"
        involved = prefix
    else:
        facts = _unplaceable(culprit, model, r.longest, context or ops)
        text = f"{culprit.describe()} cannot be linearized with the ops before it"
        if facts.refusal is not None:
            text += f": after the longest valid ordering ({facts.order} op(s)) the state is {facts.state}, and {facts.refusal}"
        involved = _involved(culprit, context or ops, cut, r.longest, also=(facts.set_by, facts.release))
    return Counterexample(
        check="linearizability",
        explanation=text,
        ops=involved,
        key=key,
        prefix_end=culprit.completion.index if culprit and culprit.completion else None,
        partial_linearizations=paths,
        facts=facts,
    )


def _unplaceable(culprit: Operation, model: Model, longest, context: Sequence[Operation]) -> Unplaceable:
    """Why the culprit fits nowhere, as far as the longest valid orders show: the first one
    whose end state refuses it outright, the op that put the model there and, for a lock,
    what became of that holder's release."""
    for path in longest:
        state = path[-1][1] if path else model.init()
        if all(op is not culprit for op, _ in path) and model.step(state, culprit) is INCONSISTENT:
            set_by = _set_by(path, model.init())
            if set_by is not None:  # as recorded, not the prefix's pending copy
                set_by = next((op for op in context if op.id == set_by.id), set_by)
            return Unplaceable(
                culprit,
                order=len(path),
                state=model.describe_state(state),
                refusal=model.explain(state, culprit),
                set_by=set_by,
                release=_release_after(set_by, context, model) if set_by is not None else None,
            )
    # Every longest order could take the culprit next, yet some op that must follow it could not.
    return Unplaceable(culprit, order=max((len(p) for p in longest), default=0))


def _set_by(path, init) -> Operation | None:
    """The op that put the model in the state the path ends in: the first of the trailing run
    of steps that all leave that state (None when it is the initial state, untouched)."""
    end = path[-1][1] if path else init
    found = None
    for n in range(len(path) - 1, -1, -1):
        before = path[n - 1][1] if n else init
        if path[n][1] != end:
            break
        if before != end:
            found = path[n][0]
    return found


def _release_after(acquire: Operation, ops: Sequence[Operation], model: Model) -> Operation | None:
    """For a lock model, the acquirer's own next release of the key: the op that should have
    ended its hold (taken from the part before `fail` ops were dropped)."""
    lock = model.lock
    if lock is None or acquire.f not in lock.acquire | lock.shared_acquire:
        return None
    releases = lock.release | lock.shared_release
    return next((op for op in ops if op.call > acquire.call and op.process == acquire.process and op.f in releases), None)


def _involved(culprit: Operation, ops: Sequence[Operation], cut: int, longest, also=()) -> list[Operation]:
    """What a reader must look at: ops overlapping the culprit in time (failed ones too, such
    as a release that came back "lease not found"), the last steps of the longest partial
    linearization, which put the model in the state that refused the culprit, and `also`
    (the facts' ops: the one that set that state, and the holder's release)."""
    # Keyed by `op.id`, not identity: the search ran on the prefix, where an op completed
    # after the cut is a pending copy; the reader should see the op once, as recorded.
    picked = {op.id: op for op in ops if op.call <= cut and _overlaps(op, culprit)}
    for op in [op for op, _ in (longest[0][-3:] if longest else [])] + [op for op in also if op is not None]:
        picked.setdefault(op.id, op)
    return sorted(picked.values(), key=lambda op: op.call)


def _overlaps(op: Operation, culprit: Operation) -> bool:
    return op is culprit or (op.call < culprit.ret and (op.ret is None or op.ret > culprit.call))
