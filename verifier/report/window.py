"""Which operations a report draws: all of them, or a window around the violation.

A browser handles a few thousand SVG bars comfortably and a hundred thousand not at all, and
nobody reads a hundred thousand bars anyway. Above `SUMMARIZE_ABOVE` ops the report draws the
`WINDOW_OPS` operations invoked around the counterexample (or the start of the history when
there is none) and summarizes the rest as counts and an overview histogram.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from taala.history import Operation

SUMMARIZE_ABOVE = 5_000
WINDOW_OPS = 2_000


def choose(ops: Sequence[Operation], focus: Sequence[Operation], n_events: int, *, summarize_above: int = SUMMARIZE_ABOVE, window_ops: int = WINDOW_OPS) -> tuple[list[Operation], tuple[int, int]]:
    """The ops to draw and the span of history positions they were chosen for."""
    if len(ops) <= summarize_above:
        return list(ops), (0, max(n_events - 1, 0))
    calls = [op.call for op in ops]
    if focus:
        lo = min(op.call for op in focus)
        hi = max(op.call if op.ret is None else op.ret for op in focus)
    else:
        lo = hi = 0
    first, last = bisect_left(calls, lo), bisect_right(calls, hi)
    pad = max(window_ops - (last - first), 0) // 2
    first = max(first - pad, 0)
    last = min(max(last + pad, first + window_ops), len(ops))
    first = max(min(first, last - window_ops), 0)
    start, end = ops[first].call, ops[last - 1].call
    chosen = {op.id: op for op in ops[first:last]}
    for op in ops[:first]:  # long-running ops from before the window are still on screen
        if op.ret is None or op.ret >= start:
            chosen[op.id] = op
    for op in focus:
        chosen[op.id] = op
    return sorted(chosen.values(), key=lambda op: op.id), (start, max(end, max((op.ret or op.call) for op in chosen.values())))
