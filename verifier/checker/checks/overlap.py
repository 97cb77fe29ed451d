"""Mutual exclusion, checked directly: were two clients ever in their critical sections at once?

Holds come from `holds.py`. Two holds overlap when one starts (acquire ok) before the
other ends (release invoked) in history order; as both acquires took effect before both
releases, no linearization can separate them, so an overlap is a certain violation. A
semaphore allows `capacity` exclusive holds at once; readers conflict only with writers.
One sweep over holds sorted by start: O(n log n), fine for millions of ops.

Holds are owner-aware: only the holder's own release ends its hold. So an overlap implies
an `owner-mutex` violation, but Knossos's ownerless `mutex` may accept the same history
(someone else's release could have freed the lock). That is deliberate: a release without
an ownership check is one of the bugs we hunt, and its damage is two clients at once.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Sequence

from taala.checker.checks.holds import Hold, holds
from taala.checker.result import CheckOutcome, Counterexample, HeldTogether
from taala.history import Operation, key_name
from taala.model import LockSemantics

MAX_REPORTED = 10


def check(ops: Sequence[Operation], lock: LockSemantics) -> CheckOutcome:
    all_holds, uncertain = holds(ops, lock)
    found = _every_conflict(all_holds, lock.capacity)
    total, conflicts = len(found), found[:MAX_REPORTED]
    details = {"holds": len(all_holds), "uncertain_acquires": uncertain, "overlaps": total}
    if not conflicts:
        return CheckOutcome("overlap", True, None, details)
    details["examples"] = [[a.describe(), b.describe()] for a, b in conflicts]
    first, second = conflicts[0]
    crowd = lock.capacity > 1 and not (first.shared or second.shared)  # a semaphore's permits ran out
    text = (
        f"{f'more than {lock.capacity} clients' if crowd else 'two clients'} held {key_name(first.key)} at once"
        f"{', among them' if crowd else ''}: {first.describe()}; {second.describe()}"
    )
    ops_involved = [op for h in (first, second) for op in (h.acquire, h.release) if op is not None]
    facts = HeldTogether(first.acquire, first.release, second.acquire, first.shared, second.shared, lock.capacity)
    ce = Counterexample("overlap", text, ops_involved, key=first.key, prefix_end=second.acquire.completion.index, facts=facts)
    return CheckOutcome("overlap", False, ce, details)


def overlapping(ops: Sequence[Operation], lock: LockSemantics) -> list[tuple[Operation, Operation]]:
    """Every overlap as (earlier holder's acquire, later holder's acquire), key by key in
    order: the first is the check's counterexample; a later one may tell more (after a
    holder outlived its lease, the next holder's lock removed by that holder's release)."""
    return [(a.acquire, b.acquire) for a, b in _every_conflict(holds(ops, lock)[0], lock.capacity)]


def _every_conflict(all_holds: list[Hold], capacity: int) -> list[tuple[Hold, Hold]]:
    by_key: dict = defaultdict(list)
    for h in all_holds:
        by_key[h.key].append(h)
    return [pair for key_holds in by_key.values() for pair in _conflicts(key_holds, capacity)]


def _conflicts(key_holds: list[Hold], capacity: int) -> list[tuple[Hold, Hold]]:
    """Pairs (earlier active hold, newly starting hold) that break exclusion, sorted by start."""
    active_excl: list[tuple[float, int, Hold]] = []  # heap by end
    active_shared: list[tuple[float, int, Hold]] = []
    found = []
    for n, h in enumerate(key_holds):
        start = h.start
        while active_excl and active_excl[0][0] < start:
            heapq.heappop(active_excl)
        while active_shared and active_shared[0][0] < start:
            heapq.heappop(active_shared)
        # A process has at most one hold per key at a time, so every active hold is another's.
        if h.shared:
            if active_excl:
                found.append((active_excl[0][2], h))
            heapq.heappush(active_shared, (h.end, n, h))
            continue
        if active_shared:
            found.append((active_shared[0][2], h))
        elif len(active_excl) >= capacity:
            found.append((active_excl[0][2], h))
        heapq.heappush(active_excl, (h.end, n, h))
    return found
