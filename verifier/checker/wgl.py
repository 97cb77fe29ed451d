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

from taala.checker.result import UNKNOWN, Validity
from taala.history import OK, Operation
from taala.model import INCONSISTENT, Model

try:
    from taala import _wgl as compiled
except ImportError:  # not built (no C compiler at install time): the Python loop below
    compiled = None

# A search's outcome is the checker's `valid` (True: linearizable, False: not, UNKNOWN: out
# of time), or this, a state of its own: neither verdict, and not for lack of time.
TOO_MANY_ENDS = "too many ends"  # `ends` outgrew `ends_limit`: the caller searches otherwise
DEFAULT_CACHE_LIMIT = 2_000_000
_CLOCK_EVERY = 1024  # loop iterations between deadline checks
FROM_MODEL: Any = object()  # `init` default: start from `model.init()` (None is a state)


@dataclass
class SearchResult:
    valid: Validity  # True, False, UNKNOWN, or TOO_MANY_ENDS (only when searching for `ends`)
    steps: int = 0  # model steps taken
    linearization: list[tuple[Operation, Any]] | None = None  # (op, state after) when linearizable
    longest: list[list[tuple[Operation, Any]]] = field(default_factory=list)  # when not, and verbose


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

    `deadline` is a `time.monotonic()` value; past it the outcome is UNKNOWN, never a guess.
    With `verbose`, an invalid (False) result carries up to three longest partial
    linearizations; with `want_linearization`, a valid (True) one carries the order found.

    Candidates at each configuration are the calls listed before the first return. Required
    (`ok`) calls are tried first, optional (indeterminate) calls only once those are
    exhausted: the same successors as plain WGL, in an order that leaves the usual
    "it never took effect" reading of a timed-out op for last instead of first.

    `init` (default: `model.init()`) is the state to start from. With `ends` (a set), the
    search does not stop at the first linearization: it adds every configuration in which
    all `ok` ops are linearized, as (state, bitset of the ops linearized by position in
    `ops`), and is valid (True) when it found any, TOO_MANY_ENDS past `ends_limit` (each
    subset of indeterminate ops that may take effect is an ending of its own). Pieces of a
    part cut at quiescent points (`taala.checker.pieces`) are searched this way.

    This is the one function of the checker longer than 80 lines, on purpose: it is the hot
    loop, and every helper call or attribute lookup inside it costs time on every step
    (the lists' own class, `_Entries`, is entered only to lift an op and to backtrack). Its
    compiled twin in `verifier/_wgl.c` mirrors it statement by statement, and the oracle
    tests hold the two to the same steps: split, the loop would no longer read side by
    side with its twin.
    """
    if compiled is not None and ends is None:
        found = _search_compiled(ops, model, deadline, cache_limit, want_linearization, init, verbose)
        if found is not None:
            return found
    n = len(ops)
    lists = _Entries(ops)
    entry, pos, nxt, is_required = lists.entry, lists.pos, lists.nxt, lists.is_required
    ohead = lists.optional_head

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
                        return SearchResult(True, steps)
                    return SearchResult(False, steps, longest=longest)
                back, state, limit = stack.pop()
                code = entry[back]
                linearized ^= 1 << code
                lists.put_back(back)
                if is_required[code]:
                    remaining += 1
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
                lists.lift(candidate)
                if is_required[code]:
                    remaining -= 1
                phase2, node = False, nxt[0]
                continue
        if phase2:
            onode = nxt[onode]
        else:
            node = nxt[node]
    found = _path(stack, ops, entry, state) if want_linearization else None
    return SearchResult(True, steps, linearization=found)


class _Entries:
    """The calls and returns of one search as two doubly linked lists (Knuth's dancing links).

    Nodes 1..m are the entries in history order: op i's call has code i, its return code
    n + i (only `ok` ops have a return entry). The required list (head 0) threads the calls
    and returns of `ok` ops, the optional list (head `optional_head`) the calls of the
    indeterminate ones. Linearizing an op lifts its call and return out of their list;
    backtracking puts them back where they were, each in O(1), because a lifted node keeps
    its own links."""

    __slots__ = ("entry", "is_required", "node_of_ret", "nxt", "optional_head", "pos", "prv")

    def __init__(self, ops: Sequence[Operation]):
        n = len(ops)
        # sorted by history position, packed into one int per entry (position * 2n + code) to sort fast
        width = 2 * n or 1
        self.is_required = [op.status == OK for op in ops]
        order = [op.call * width + i for i, op in enumerate(ops)]
        order += [op.ret * width + n + i for i, op in enumerate(ops) if op.status == OK]
        order.sort()
        m = len(order)
        self.entry, self.pos = [0] * (m + 2), [0] * (m + 2)
        self.node_of_ret = [0] * n
        self.nxt, self.prv = [-1] * (m + 2), [-1] * (m + 2)
        self.optional_head = m + 1
        last_required, last_optional = 0, self.optional_head
        for node, packed in enumerate(order, start=1):
            position, code = divmod(packed, width)
            self.entry[node], self.pos[node] = code, position
            if code >= n:
                self.node_of_ret[code - n] = node
            if code >= n or self.is_required[code]:
                self._append(last_required, node)
                last_required = node
            else:
                self._append(last_optional, node)
                last_optional = node

    def _append(self, last: int, node: int) -> None:
        self.nxt[last], self.prv[node] = node, last

    def lift(self, call: int) -> None:
        """Take the op whose call is node `call` out of the lists: its call and its return."""
        self._unlink(call)
        code = self.entry[call]
        if self.is_required[code]:
            self._unlink(self.node_of_ret[code])

    def put_back(self, call: int) -> None:
        """Undo `lift(call)` (the last lift not yet undone)."""
        self._relink(call)
        code = self.entry[call]
        if self.is_required[code]:
            self._relink(self.node_of_ret[code])

    def _unlink(self, node: int) -> None:
        p, q = self.prv[node], self.nxt[node]
        self.nxt[p] = q
        if q != -1:
            self.prv[q] = p

    def _relink(self, node: int) -> None:
        p, q = self.prv[node], self.nxt[node]
        self.nxt[p] = node
        if q != -1:
            self.prv[q] = node


_COMPILED_OUTCOMES = (True, False, UNKNOWN)  # what `taala._wgl.search`'s codes 0, 1 and 2 mean


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
    return SearchResult(_COMPILED_OUTCOMES[code], steps, linearization=found, longest=longest)


def _path(stack, ops, entry, final_state) -> list[tuple[Operation, Any]]:
    """The linearized ops on the stack, each with the model state right after it."""
    path = []
    for i, (node, _before, _limit) in enumerate(stack):
        op = ops[entry[node]]
        after = stack[i + 1][1] if i + 1 < len(stack) else final_state
        path.append((op, after))
    return path
