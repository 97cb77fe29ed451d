"""`pytest verifier/`: vet every registered adapter under every fault it declares.

An adapter expected *unsafe* under a fault passes when taala finds a violation and
shrinks it to a small schedule; one expected *safe* passes when no violation turns up in
its budget. So this suite checks taala (it must catch the unsafe locks) and the adapters'
declarations (a lock declared safe must survive). Budgets scale with --taala-budget or
$TAALA_BUDGET for nightly runs.
"""

from __future__ import annotations

import pytest

from taala.adapters import available
from taala.schedule import counts
from taala.vet import DEFAULT_TTL, vet

SEARCH_BUDGET_S = 90.0  # an unsafe lock must be caught within this (times the factor)
SHRINK_BUDGET_S = 20.0
SAFE_BUDGET_S = 15.0  # a safe lock must survive this long (times the factor)

CASES = [(name, fault) for name, cls in available().items() for fault in cls.expectations]


@pytest.mark.timeout(0)
@pytest.mark.parametrize("adapter,fault", CASES, ids=[f"{a}-{f}" for a, f in CASES])
def test_adapter_meets_its_declared_verdict(adapter, fault, taala_budget, tmp_path):
    cls = available()[adapter]
    expected = cls.expectations[fault]
    # A lock that needs longer leases makes every pause longer: give the search as many
    # schedules as a default-lease lock gets (up to 4x the time).
    slowness = min(4.0, max(1.0, cls.min_ttl / DEFAULT_TTL))
    budget = (SAFE_BUDGET_S if expected.safe else SEARCH_BUDGET_S * slowness) * taala_budget
    campaign = vet(cls, [fault], budget=budget, shrink_budget=SHRINK_BUDGET_S * taala_budget, store=tmp_path)
    assert campaign.outcome != "inconclusive", f"{adapter} under {fault} tested nothing: {campaign.reasons}"
    if expected.safe:
        assert not campaign.violation, (
            f"{adapter} was declared safe under {fault} ({expected.reason}) but broke: "
            f"{campaign.schedule} -> {campaign.verdict.counterexample.explanation if campaign.verdict and campaign.verdict.counterexample else ''}"
        )
        return
    assert campaign.violation, f"{adapter} should break under {fault} ({expected.reason}); {campaign.examples} schedules found nothing"
    size = counts(campaign.schedule, campaign.clients)
    assert size["clients"] <= 2 and size["operations"] <= 6, f"not shrunk: {campaign.schedule}"
    assert campaign.reproducer is not None
