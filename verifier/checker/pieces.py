"""One key's part decided piece by piece, cut at quiescent points: memory follows concurrency.

Why: WGL memoizes (linearized set, state) pairs, and the linearized set is a bitset as wide
as the part, so one long part costs memory growing with the square of its length (a
sequential one-key register history of 10^6 ops needed over 24 GB). A point of the history
where no `ok` op is in flight cuts it: every op called before the cut that must take effect
has returned. What crosses a cut is the set of *configurations* the part so far can end in:
a model state, plus the indeterminate ops (`info`, pending) called before the cut that have
not taken effect yet and still may (they stay concurrent with everything after them).

Each piece is searched from each configuration coming in, collecting every configuration it
can end in (`wgl.search(..., ends=...)`); the part is linearizable iff the last piece can be
finished from one of them. Placing a carried op at the start of the next piece is the same
as placing it at the end of this one (nothing returns in between), so nothing is lost.

The carried set stays small by dominance: of two configurations in the same state, one that
still has every op the other has left can do all the other can, so the other is dropped. But
each subset of timed-out ops that may have taken effect is an ending of its own, so with
many of them it grows exponentially; past `MAX_CARRIED` configurations (or a piece with
more endings than `ENDS_PER_CARRIED` times that) the part is searched whole, as before:
exact, with the old memory profile. Concurrency is what costs memory, and a timed-out op
stays concurrent with everything after it.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from taala.checker.result import UNKNOWN, Validity
from taala.checker.wgl import FROM_MODEL, TOO_MANY_ENDS, search
from taala.history import FAIL, OK, Operation
from taala.model import INCONSISTENT, Model

SPLIT_AFTER = 2048  # shorter parts are searched whole: their bitsets are short anyway
MIN_PIECE = 128  # ops per piece at least: each search call has a fixed cost
MAX_CARRIED = 32  # configurations carried across a cut before the part is searched whole
ENDS_PER_CARRIED = 4  # endings one piece may collect (before dominance), per configuration allowed


@dataclass
class Decision:
    valid: Validity  # True (linearizable), False or UNKNOWN
    steps: int = 0
    # When False: the search that failed (carried ops + the piece, or the whole part) and the
    # state it started from; `counterexample` shrinks and describes that, not the whole part.
    ops: Sequence[Operation] | None = None
    init: Any = FROM_MODEL


def searchable(ops: Sequence[Operation], model: Model) -> list[Operation]:
    """Drop what cannot matter: `fail` ops (never took effect) and droppable unknowns."""
    if type(model).droppable is Model.droppable:  # the default drops nothing: skip the calls
        return [op for op in ops if op.status != FAIL]
    droppable = model.droppable
    return [op for op in ops if op.status == OK or (op.status != FAIL and not droppable(op))]


def cut_points(ops: Sequence[Operation], min_piece: int = MIN_PIECE) -> list[int]:
    """Where pieces start (`ops` in invocation order): op j starts one when every `ok` op
    before it returned before its call, and the current piece has `min_piece` ops."""
    starts = [0]
    open_until = -1  # the last return of an ok op seen so far
    for j, op in enumerate(ops):
        if op.call > open_until and j - starts[-1] >= min_piece:
            starts.append(j)
        if op.status == OK and op.ret > open_until:
            open_until = op.ret
    return starts


def decide(
    ops: Sequence[Operation],
    model: Model,
    *,
    deadline: float | None = None,
    split_after: int = SPLIT_AFTER,
    min_piece: int = MIN_PIECE,
    max_carried: int = MAX_CARRIED,
) -> Decision:
    """Is this part (one key, `fail` ops removed, invocation order) linearizable?"""
    starts = cut_points(ops, min_piece) if len(ops) > split_after else [0]
    if len(starts) == 1:
        return _whole(ops, model, deadline)
    bounds = [*starts, len(ops)]
    configs: dict[tuple, None] = {(model.init(), ()): None}  # (state, carried op positions)
    steps = 0
    for n in range(len(starts)):
        lo, hi = bounds[n], bounds[n + 1]
        last = n == len(starts) - 1
        reached: dict[tuple, None] = {}
        if len(configs) == 1 and _sequential(ops, lo, hi):
            (state, carried), = configs
            if not carried:  # one order only: step through it, no search
                state, failed = _run(ops, lo, hi, model, state)
                if failed is not None:
                    return Decision(False, steps + failed - lo + 1, list(ops[failed:hi]), state)
                steps += hi - lo
                if last:
                    return Decision(True, steps)
                configs = {(state, ()): None}
                continue
        for state, carried in configs:
            local = [ops[i] for i in carried] + list(ops[lo:hi])
            ends: set | None = None if last else set()
            r = search(local, model, deadline=deadline, init=state, ends=ends, ends_limit=max_carried * ENDS_PER_CARRIED)
            steps += r.steps
            if r.valid == UNKNOWN:
                return Decision(UNKNOWN, steps)
            if r.valid == TOO_MANY_ENDS:
                return _whole(ops, model, deadline, steps)
            if r.valid is not True:
                continue
            if last:
                return Decision(True, steps)
            positions = [*carried, *range(lo, hi)]
            for end_state, bits in ends:  # type: ignore[union-attr]
                left = tuple(i for k, i in enumerate(positions) if ops[i].status != OK and not bits >> k & 1)
                reached[(end_state, left)] = None
        if not reached:
            state, carried = next(iter(configs))
            return Decision(False, steps, [ops[i] for i in carried] + list(ops[lo:hi]), state)
        configs = _undominated(reached)
        if len(configs) > max_carried:
            return _whole(ops, model, deadline, steps)
    raise AssertionError("the last piece always decides")  # pragma: no cover


def _sequential(ops: Sequence[Operation], lo: int, hi: int) -> bool:
    """Every op of ops[lo:hi] is `ok` and called after the one before it returned."""
    prev_ret = -1
    for i in range(lo, hi):
        op = ops[i]
        if op.status != OK or op.call < prev_ret:
            return False
        prev_ret = op.ret
    return True


def _run(ops: Sequence[Operation], lo: int, hi: int, model: Model, state: Any) -> tuple[Any, int | None]:
    """Step a sequential run; the state reached, and the position of the op refused (if any)."""
    step = model.step
    for i in range(lo, hi):
        after = step(state, ops[i])
        if after is INCONSISTENT:
            return state, i
        state = after
    return state, None


def _whole(ops: Sequence[Operation], model: Model, deadline, steps: int = 0) -> Decision:
    r = search(ops, model, deadline=deadline)
    return Decision(r.valid, steps + r.steps, ops if r.valid is False else None)


def _undominated(configs: dict[tuple, None]) -> dict[tuple, None]:
    """Drop each configuration whose carried ops are a subset of another's in the same state."""
    by_state: dict[Any, list[tuple]] = {}
    for state, left in configs:
        by_state.setdefault(state, []).append(left)
    kept: dict[tuple, None] = {}
    for state, lefts in by_state.items():
        if len(lefts) == 1:
            kept[(state, lefts[0])] = None
            continue
        chosen: list[frozenset] = []
        for left in sorted(lefts, key=len, reverse=True):
            s = frozenset(left)
            if not any(s <= c for c in chosen):
                chosen.append(s)
                kept[(state, left)] = None
    return kept


def starting_at(model: Model, state: Any) -> Model:
    """The same model, starting from `state` (to explain a failing piece on its own)."""
    if state is FROM_MODEL:
        return model
    rebased = copy.copy(model)
    rebased.init = lambda: state  # type: ignore[method-assign]
    return rebased
