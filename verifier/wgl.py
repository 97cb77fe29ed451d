"""The Wing–Gong linearizability search with Lowe's memoization (WGL), for one partition.

The history is a doubly-linked list of call and return entries in real-time order. The
search repeatedly takes the first entry: a *call* may be linearized now if the model
accepts it (then the op's call and return are lifted out of the list); a *return* of an op
not yet linearized means the current path is dead, so we backtrack. A configuration is the
set of linearized ops plus the model state; Lowe's insight is that a configuration reached
twice has the same future, so each one is explored once (the `seen` cache).

Indeterminate ops (`info`, or no completion) have no return entry: nothing forces them to
be linearized, so the search may pick them at any point after their call or leave them
out entirely. The search succeeds when every `ok` op is linearized.

This is the hot loop of taala: it uses flat lists for the linked list and plain ints as
bitsets, and avoids attribute lookups inside the loop. Clearing the `seen` cache when it
grows past `cache_limit` keeps memory bounded and is always sound (the cache only prunes).

When the C extension `taala._wgl` was built (`pip install` compiles it if a C compiler is
there; it is optional), searches without `ends` run its copy of this loop, about ten
times faster: same candidates in the same order, same steps, each (state,
op) step asked of the model once. Set `compiled = None` to force the Python loop (the
oracle tests run both).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from taala.history import OK, Operation
from taala.model import INCONSISTENT, Model

try:
    from taala import _wgl as compiled
except ImportError:  # not built (no C compiler at install time): the Python loop below
    compiled = None

LINEARIZABLE, ILLEGAL, UNKNOWN = "linearizable", "illegal", "unknown"
TOO_MANY_ENDS = "too many ends"  # `ends` outgrew `ends_limit`: the caller searches otherwise
DEFAULT_CACHE_LIMIT = 2_000_000
_CLOCK_EVERY = 1024  # loop iterations between deadline checks
FROM_MODEL: Any = object()  # `init` default: start from `model.init()` (None is a state)


@dataclass
class SearchResult:
    verdict: str  # LINEARIZABLE, ILLEGAL or UNKNOWN
    steps: int = 0  # model steps taken
    linearization: list[tuple[Operation, Any]] | None = None  # (op, state after) when linearizable
    longest: list[list[tuple[Operation, Any]]] = field(default_factory=list)  # when illegal and verbose


def search(
    ops: Sequence[Operation],
    model: Model,
    *,
    deadline: float | None = None,
    verbose: bool = False,
    cache_limit: int = DEFAULT_CACHE_LIMIT,
    want_linearization: bool = False,
    init: Any = FROM_MODEL,
    ends: set | None = None,
    ends_limit: int = 1 << 62,
) -> SearchResult:
    """Decide whether `ops` (one partition, `fail` ops already removed) is linearizable.

    `deadline` is a `time.monotonic()` value; past it the verdict is UNKNOWN, never a guess.
    With `verbose`, an ILLEGAL result carries up to three longest partial linearizations;
    with `want_linearization`, a LINEARIZABLE one carries the order found.

    Candidates at each configuration are the calls listed before the first return. Required
    (`ok`) calls are tried first, optional (indeterminate) calls only once those are
    exhausted: the same successors as plain WGL, in an order that leaves the usual
    "it never took effect" reading of a timed-out op for last instead of first.

    `init` (default: `model.init()`) is the state to start from. With `ends` (a set), the
    search does not stop at the first linearization: it adds every configuration in which
    all `ok` ops are linearized, as (state, bitset of the ops linearized by position in
    `ops`), and is LINEARIZABLE when it found any, TOO_MANY_ENDS past `ends_limit` (each
    subset of indeterminate ops that may take effect is an ending of its own). Pieces of a
    part cut at quiescent points (`taala.pieces`) are searched this way.
    """
    if compiled is not None and ends is None:
        found = _search_compiled(ops, model, deadline, cache_limit, want_linearization, init, verbose)
        if found is not None:
            return found
    n = len(ops)
    # Entries: call of op i is encoded i, return of op i is n + i; sorted by history
    # position, packed into one int per entry (position * 2n + code) to sort fast.
    width = 2 * n or 1
    is_required = []
    order = []
    for i, op in enumerate(ops):
        order.append(op.call * width + i)
        if op.status == OK:
            is_required.append(True)
            order.append(op.ret * width + n + i)
        else:
            is_required.append(False)
    order.sort()
    m = len(order)
    # Two linked lists threaded through nodes 1..m: the required list (head 0) holds the
    # calls and returns of ok ops; the optional list (head m + 1) the calls of the others.
    entry = [0] * (m + 2)
    pos = [0] * (m + 2)
    node_of_ret = [0] * n
    nxt = [-1] * (m + 2)
    prv = [-1] * (m + 2)
    ohead = m + 1
    last_req, last_opt = 0, ohead
    for node, packed in enumerate(order, start=1):
        position, code = divmod(packed, width)
        entry[node], pos[node] = code, position
        if code >= n:
            node_of_ret[code - n] = node
        if code >= n or is_required[code]:
            nxt[last_req], prv[node], last_req = node, last_req, node
        else:
            nxt[last_opt], prv[node], last_opt = node, last_opt, node

    step = model.step
    state = model.init() if init is FROM_MODEL else init
    linearized = 0
    remaining = sum(is_required)
    stack: list[tuple[int, Any, int]] = []  # (node linearized, state before it, its phase-2 limit)
    seen: set = set()
    steps = 0
    longest: list[list[tuple[Operation, Any]]] = []
    best = -1

    node = nxt[0]  # cursor in the required list (phase 1)
    onode = -1  # cursor in the optional list (phase 2)
    limit = -1  # phase 2 considers optional calls placed before this position
    phase2 = False
    while True:
        if not remaining:
            if ends is None:
                break
            ends.add((state, linearized))
            if len(ends) > ends_limit:
                return SearchResult(TOO_MANY_ENDS, steps)
            phase2, onode = True, -1  # and backtrack for the other endings
        if not phase2:
            if node < 0:  # cannot happen: an unlinearized ok op's return is always listed
                raise AssertionError("WGL walked off the end of the history")
            code = entry[node]
            if code >= n:  # the first return: required candidates exhausted
                phase2, limit, onode = True, pos[node], nxt[ohead]
                continue
            candidate = node
        else:
            if onode < 0 or pos[onode] > limit:
                # Dead end: every candidate failed. Backtrack.
                if verbose and len(stack) >= best:
                    if len(stack) > best:
                        best, longest = len(stack), []
                    if len(longest) < 3:
                        longest.append(_path(stack, ops, entry, state))
                if not stack:
                    if ends:
                        return SearchResult(LINEARIZABLE, steps)
                    return SearchResult(ILLEGAL, steps, longest=longest)
                back, state, limit = stack.pop()
                code = entry[back]
                linearized ^= 1 << code
                p, q = prv[back], nxt[back]  # unlift the call (dancing links)
                nxt[p] = back
                if q != -1:
                    prv[q] = back
                if is_required[code]:
                    remaining += 1
                    r = node_of_ret[code]
                    p, q = prv[r], nxt[r]
                    nxt[p] = r
                    if q != -1:
                        prv[q] = r
                    phase2, node = False, nxt[back]
                else:
                    onode = nxt[back]
                continue
            candidate = onode
            code = entry[onode]
        steps += 1
        if deadline is not None and steps % _CLOCK_EVERY == 0 and time.monotonic() > deadline:
            return SearchResult(UNKNOWN, steps)
        new_state = step(state, ops[code])
        if new_state is not INCONSISTENT:
            new_linearized = linearized | (1 << code)
            config = (new_linearized, new_state)
            if config not in seen:
                if len(seen) >= cache_limit:
                    seen.clear()
                seen.add(config)
                stack.append((candidate, state, limit))
                state, linearized = new_state, new_linearized
                p, q = prv[candidate], nxt[candidate]  # lift the call out of its list
                nxt[p] = q
                if q != -1:
                    prv[q] = p
                if is_required[code]:
                    remaining -= 1
                    r = node_of_ret[code]
                    p, q = prv[r], nxt[r]
                    nxt[p] = q
                    if q != -1:
                        prv[q] = p
                phase2, node = False, nxt[0]
                continue
        if phase2:
            onode = nxt[onode]
        else:
            node = nxt[node]
    found = _path(stack, ops, entry, state) if want_linearization else None
    return SearchResult(LINEARIZABLE, steps, linearization=found)


_COMPILED_VERDICTS = (LINEARIZABLE, ILLEGAL, UNKNOWN)


def _search_compiled(ops, model: Model, deadline, cache_limit: int, want_linearization: bool, init,
                     verbose: bool) -> SearchResult | None:
    """The same search in `taala._wgl`; None when its transition table outgrew its bound."""
    ops = list(ops)
    call = [op.call for op in ops]
    ret = [op.ret if op.status == OK else -1 for op in ops]
    state = model.init() if init is FROM_MODEL else init
    code, steps, path, longest = compiled.search(call, ret, ops, model.step, state, INCONSISTENT,
                                                 -1.0 if deadline is None else deadline, cache_limit,
                                                 want_linearization, verbose)
    if code == 3:
        return None
    found = [(ops[i], after) for i, after in path] if path is not None else None
    longest = [[(ops[i], after) for i, after in one] for one in longest or ()]
    return SearchResult(_COMPILED_VERDICTS[code], steps, linearization=found, longest=longest)


def _path(stack, ops, entry, final_state) -> list[tuple[Operation, Any]]:
    """The linearized ops on the stack, each with the model state right after it."""
    path = []
    for i, (node, _before, _limit) in enumerate(stack):
        op = ops[entry[node]]
        after = stack[i + 1][1] if i + 1 < len(stack) else final_state
        path.append((op, after))
    return path
