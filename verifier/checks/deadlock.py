"""Deadlock: a cycle in the wait-for graph of a multi-lock history.

A process waits from invoking an acquire until it completes; while it waits for a key,
it waits for every other process holding that key. Each process waits for at most one
key (processes are single-threaded), so a cycle appears exactly when an edge is added,
and we look for one then. networkx keeps the graph and finds the cycle to report.
Only exclusive locks (capacity 1, no readers) are analysed: with several permits a waiter
can be freed by any holder, and a single cycle proves nothing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import networkx as nx

from taala.history import OK, Operation
from taala.model import LockSemantics
from taala.result import CheckOutcome, Counterexample


def applies(lock: LockSemantics) -> bool:
    return lock.capacity == 1 and not lock.shared_acquire


def check(ops: Sequence[Operation], lock: LockSemantics) -> CheckOutcome:
    events = []
    for op in ops:
        if op.f in lock.acquire:
            events.append((op.call, "wait", op))
            if op.ret is not None:
                events.append((op.ret, "got" if op.status == OK else "gave-up", op))
        elif op.f in lock.release:
            events.append((op.call, "release", op))
    events.sort(key=lambda e: e[0])
    graph = nx.DiGraph()
    holders: dict = defaultdict(dict)  # key -> {process: acquire op}
    waiters: dict = defaultdict(dict)  # key -> {process: acquire op}
    for _, what, op in events:
        p, k = op.process, op.key
        if what == "wait":
            waiters[k][p] = op
            edges = [(p, q) for q in holders[k] if q != p]
        elif what == "got":
            waiters[k].pop(p, None)
            _drop_out_edges(graph, p)
            holders[k][p] = op
            edges = [(w, p) for w in waiters[k] if w != p]
        elif what == "gave-up":
            waiters[k].pop(p, None)
            _drop_out_edges(graph, p)
            continue
        else:  # release invoked: p stops holding k
            if holders[k].pop(p, None) is not None:
                for w in waiters[k]:
                    if graph.has_edge(w, p):
                        graph.remove_edge(w, p)
            continue
        for a, b in edges:
            graph.add_edge(a, b, key=k)
        for a, b in edges:
            if not graph.out_degree(b):  # b waits for nobody: no cycle can pass through a->b
                continue
            try:
                cycle = nx.find_cycle(graph, source=a)
            except nx.NetworkXNoCycle:
                continue
            return _deadlock(cycle, graph, holders, waiters, op)
    return CheckOutcome("deadlock", True, None, {})


def _drop_out_edges(graph: nx.DiGraph, p) -> None:
    if p in graph:
        graph.remove_edges_from(list(graph.out_edges(p)))


def _deadlock(cycle, graph, holders, waiters, op) -> CheckOutcome:
    steps = []
    involved = []
    for a, b in cycle:
        k = graph.edges[a, b]["key"]
        steps.append(f"p{a} waits for {k!r} held by p{b}")
        involved += [waiters[k][a], holders[k][b]]
    text = "deadlock: " + "; ".join(steps)
    ce = Counterexample("deadlock", text, involved, key=op.key, prefix_end=op.invoke.index)
    return CheckOutcome("deadlock", False, ce, {"cycle": [a for a, _ in cycle]})
