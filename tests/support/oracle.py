"""A brute-force linearizability oracle: tries every linearization. For cross-checking only.

Deliberately shares nothing with `taala.checker.wgl` but the model's `step`: no linked list, no
memoization, no partitioning (all keys are checked together, with one model state per
key), no dropping of droppable ops. An op may go next if no required op still waiting
returned before it was invoked; optional (indeterminate) ops may also be left out. It is
exponential, so keep histories to a handful of operations.
"""

from __future__ import annotations

from taala.history import FAIL, OK


def linearizable(ops, model) -> bool:
    ops = [op for op in ops if op.status != FAIL]
    keys = sorted({op.key for op in ops}, key=repr)
    init = tuple((k, model.init()) for k in keys)
    return _search(ops, model, frozenset(), dict(init))


def _search(ops, model, done, states) -> bool:
    waiting = [op for op in ops if op.id not in done]
    required = [op for op in waiting if op.status == OK]
    if not required:
        return True
    for op in waiting:
        # real time: every required op that returned before `op` was invoked must come first
        if any(r.ret < op.call for r in required if r is not op):
            continue
        new = model.step(states[op.key], op)
        if new is model_inconsistent():
            continue
        nxt = dict(states)
        nxt[op.key] = new
        if _search(ops, model, done | {op.id}, nxt):
            return True
    return False


def model_inconsistent():
    from taala.model import INCONSISTENT

    return INCONSISTENT
