"""A violation made readable: the shortest invalid prefix of an invalid part, then the op
that cannot be placed, why, and the ops a reader must look at.

Validity is prefix-closed (extending a prefix only turns optional ops into required ones
or adds optional ones), so the shortest invalid prefix is found by binary search; the search
is then re-run verbosely on it to collect the longest partial linearizations: the "how far
could we get" that shows a human *why*.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from taala.checker.pieces import searchable
from taala.checker.result import Counterexample, Unplaceable
from taala.checker.wgl import search
from taala.history import OK, PENDING, Operation
from taala.model import INCONSISTENT, Model


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


def counterexample(
    ops: list[Operation], model: Model, key: Hashable, deadline: float | None, context: Sequence[Operation] = ()
) -> Counterexample:
    """Shrink an invalid part to its shortest invalid prefix and describe it."""
    return describe(ops, model, key, shortest_invalid_prefix(ops, model, deadline), context)


def shortest_invalid_prefix(ops: list[Operation], model: Model, deadline: float | None) -> int:
    """The earliest history position after which the invalid part `ops` is already invalid
    (binary search: validity is prefix-closed). Out of time, the best cut found so far."""
    cuts = sorted({op.call for op in ops} | {op.ret for op in ops if op.status == OK})
    lo, hi = 0, len(cuts) - 1  # cuts[hi] is known invalid (the whole part)
    while lo < hi:
        mid = (lo + hi) // 2
        r = search(searchable(_prefix(ops, cuts[mid]), model), model, deadline=deadline)
        if r.valid is False:
            hi = mid
        elif r.valid is True:
            lo = mid + 1
        else:
            break  # out of time: keep the best prefix found so far
    return cuts[hi]


def describe(
    ops: list[Operation], model: Model, key: Hashable, cut: int, context: Sequence[Operation] = ()
) -> Counterexample:
    """Describe the violation in the prefix of `ops` up to `cut`: the op that cannot be
    placed, why (from the longest valid orders), and the ops a reader must look at.

    `context` is the part before `fail` ops were dropped: they cannot be linearized, but a
    failed release next to the culprit is often the most telling line of the story."""
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
