"""Deadlock: a cycle in the wait-for graph of a multi-lock history.

A process waits from invoking an acquire until it completes; while it waits for a key it
waits for every other process holding that key. Processes are single-threaded, so each
waits for at most one key, and a new cycle can only close when a process starts waiting
(a process that just got a lock waits for nothing). So on each wait we ask one cheap
question: is a holder of that key itself waiting? Only then is the wait-for graph built
(networkx) and searched for the cycle to report. Before any of that, one pass in the
processes' own order asks whether any process ever invokes an acquire while it holds a
lock: a holder that waits is the only way into a cycle, so when none does (every history
of single-lock clients) the answer is already "no deadlock", at a dict lookup per op.

Only exclusive locks (capacity 1, no readers) are analysed: with several permits a waiter
can be freed by any holder, and a single cycle proves nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from operator import itemgetter

from taala.checker.result import CheckOutcome, Counterexample, WaitCycle
from taala.history import FAIL, OK, Operation, key_name
from taala.model import LockSemantics

_WAIT, _GOT, _GAVE_UP, _RELEASE = range(4)


def applies(lock: LockSemantics) -> bool:
    return lock.capacity == 1 and not lock.shared_acquire


def check(ops: Sequence[Operation], lock: LockSemantics) -> CheckOutcome:
    acquire, release = lock.acquire, lock.release
    if not _acquires_while_holding(ops, acquire, release):
        return CheckOutcome("deadlock", True, None, {})
    events = []
    for op in ops:
        f = op.f
        if f in acquire:
            events.append((op.call, _WAIT, op))
            if op.ret is not None:
                events.append((op.ret, _GOT if op.status == OK else _GAVE_UP, op))
        elif f in release:
            events.append((op.call, _RELEASE, op))
    events.sort(key=itemgetter(0))
    holders: dict = defaultdict(dict)  # key -> {process: acquire op}
    waiting: dict = {}  # process -> acquire op it is blocked in
    for _, what, op in events:
        p, k = op.process, op.key
        if what == _WAIT:
            waiting[p] = op
            if any(q != p and q in waiting for q in holders[k]):
                cycle = _find_cycle(holders, waiting, p)
                if cycle:
                    return _deadlock(cycle, holders, waiting, op)
        elif what == _GOT:
            waiting.pop(p, None)
            holders[k][p] = op
        elif what == _GAVE_UP:
            waiting.pop(p, None)
        else:
            holders[k].pop(p, None)
    return CheckOutcome("deadlock", True, None, {})


def _acquires_while_holding(ops: Sequence[Operation], acquire, release) -> bool:
    """Whether a process invokes an acquire while holding a key it acquired (and has not
    started to release). Ops come in invocation order, so each process's in its own order;
    an acquire whose outcome is unknown counts as held (retired processes never act again).
    Until the answer is yes, a process holds at most one key."""
    held: dict = {}  # process -> the key it holds
    for op in ops:
        f = op.f
        if f in acquire:
            if op.process in held:
                return True
            if op.status != FAIL:
                held[op.process] = op.key
        elif f in release and held.get(op.process, _NOTHING) == op.key:
            del held[op.process]
    return False


_NOTHING = object()


def _find_cycle(holders, waiting, start) -> list[tuple]:
    """The wait-for graph as it stands now, searched from `start`."""
    import networkx as nx  # imported here: it costs 0.15 s and most histories never get this far

    graph = nx.DiGraph()
    for w, op in waiting.items():
        for q in holders[op.key]:
            if q != w:
                graph.add_edge(w, q, key=op.key)
    try:
        return [(a, b, graph.edges[a, b]["key"]) for a, b in nx.find_cycle(graph, source=start)]
    except nx.NetworkXNoCycle:
        return []


def _deadlock(cycle, holders, waiting, op) -> CheckOutcome:
    steps = [f"p{a} waits for {key_name(k)} held by p{b}" for a, b, k in cycle]
    involved = [x for a, b, k in cycle for x in (waiting[a], holders[k][b])]
    text = "deadlock: " + "; ".join(steps)
    facts = WaitCycle(tuple((waiting[a], holders[k][b]) for a, b, k in cycle))
    ce = Counterexample("deadlock", text, involved, key=op.key, prefix_end=op.invoke.index, facts=facts)
    return CheckOutcome("deadlock", False, ce, {"cycle": [a for a, _, _ in cycle]})
