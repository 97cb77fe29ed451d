"""`pytest verifier/`: each of the talk's business workloads, broken and kept.

For every workload, one combination of adapter and faults where the talk's code breaks its
invariant (found, and shrunk to a few steps) and one where its idempotent, guarded or
ordered variant, or a fenced lock, keeps it under the same faults. A violation here is the
invariant broken (or a deadlock), not merely two holders: a guarded write that survives a
lapsed lock is exactly what the variant is for.
"""

from __future__ import annotations

import pytest
from taala.adapters import get
from taala.schedule import counts
from taala.vet import vet
from taala.workloads import get as get_workload

SEARCH_BUDGET_S, SHRINK_BUDGET_S = 90.0, 30.0
SAFE_BUDGET_S = 20.0
# A blocking lock under `none` runs with a 10 s lease: a client queued behind a holder the
# schedule keeps waits out the lock's timeout (20 s in PostgreSQL), so its safe case gets
# longer to try as many schedules.
SLOW_SAFE_BUDGET_S = 60.0

CASES = [  # adapter, workload, fault, expected, why
    ("seed-redis", "double-debit", "none", "unsafe", "a retry after the first request finished debits again"),
    ("seed-redis", "double-debit-idempotent", "none", "safe", "the request id refuses the retry atomically"),
    ("seed-redis", "oversell", "pause", "unsafe", "a paused buyer's lock lapses; both read the same stock"),
    ("seed-redis", "oversell-guarded", "pause", "safe", "the decrement is guarded by available >= q in the store"),
    ("fenced-redis", "oversell", "pause", "safe", "the paused buyer's write carries a stale token and is refused"),
    ("seed-redis", "seat", "pause", "unsafe", "a paused passenger's lock lapses; both see the seat free"),
    ("seed-redis", "seat-guarded", "pause", "safe", "the seat is written only if still unset, atomically"),
    ("postgres-advisory", "transfer", "none", "unsafe", "A->B and B->A each hold one account and wait for the other"),
    ("postgres-advisory", "transfer-ordered", "none", "safe", "both take the lower account first"),
    ("postgres-advisory", "driver", "none", "unsafe", "rider app ride-first, driver app driver-first: a cycle"),
    ("postgres-advisory", "driver-ordered", "none", "safe", "one global lock order"),
    ("seed-redis", "hierarchical-leaf", "none", "unsafe", "per-leaf locks let a zone and its station in at once"),
    ("seed-redis", "hierarchical", "none", "safe", "every ancestor locked, root first"),
]


@pytest.mark.timeout(0)
@pytest.mark.parametrize("adapter,workload,fault,expected,why", CASES,
                         ids=[f"{a}-{w}-{f}" for a, w, f, _, _ in CASES])
def test_workload_is_broken_or_kept_as_declared(adapter, workload, fault, expected, why, taala_budget, tmp_path):
    cls = get(adapter)
    if expected == "safe":
        slow = cls.blocking and fault == "none"
        budget, shrink = (SLOW_SAFE_BUDGET_S if slow else SAFE_BUDGET_S) * taala_budget, SHRINK_BUDGET_S
    else:
        budget, shrink = SEARCH_BUDGET_S * taala_budget, SHRINK_BUDGET_S * taala_budget
    campaign = vet(cls, [fault], budget=budget, shrink_budget=shrink, store=tmp_path,
                   workload=get_workload(workload))
    assert campaign.outcome != "inconclusive", f"{adapter} × {workload} under {fault} tested nothing: {campaign.reasons}"
    story = campaign.verdict.counterexample.explanation if campaign.verdict and campaign.verdict.counterexample else ""
    if expected == "safe":
        assert not campaign.violation, f"{workload} on {adapter} should hold under {fault} ({why}) but broke: " \
                                       f"{campaign.schedule} -> {story}"
        return
    assert campaign.violation, f"{workload} on {adapter} should break under {fault} ({why}); " \
                               f"{campaign.examples} schedules found nothing"
    size = counts(campaign.schedule, campaign.clients)
    assert size["clients"] <= 2 and size["operations"] <= 8, f"not shrunk: {campaign.schedule}"
    assert campaign.reproducer is not None and story
