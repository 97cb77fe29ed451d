"""`pytest verifier/`: vet every registered adapter under every fault it declares.

An adapter expected *unsafe* under a fault passes when taala finds a violation and
shrinks it to a small schedule; one expected *safe* passes when no violation turns up in
its budget; a campaign that could not test anything (inconclusive) fails either way. So
this suite checks taala (it must catch the unsafe locks) and the adapters' declarations (a
lock declared safe must survive). Budgets scale with --taala-budget or $TAALA_BUDGET for
nightly runs; --taala-seeds A:B runs every case once per seed (a campaign split over
machines by seed range, merged by `scripts/findings`).

Two tiers: `quick` (the default, what CI runs) leaves out the adapters whose shortest lease
is 2 s or more (ZooKeeper sessions, etcd leases): every pause, wait and expiry scales with
the lease, so each of their faults takes minutes. `--taala-tier full` (or TAALA_TIER=full)
vets them too, for a nightly run; naming an adapter with --taala-adapter always vets it.
An adapter may also put itself in the full tier (`tier = "full"`: the tooz drivers, which
wrap locks the quick tier already vets).

A package with adapters of its own vets just those with
`pytest --pyargs taala.test_adapters --taala-adapter my-lock` (repeatable; entry-point
names or `module:Class` paths).
"""

from __future__ import annotations

import json
import os

import pytest
from taala.adapters import available, get
from taala.pytest_plugin import FULL_TIER_MIN_TTL, taala_tier
from taala.schedule import counts
from taala.vet import DEFAULT_TTL, vet

SEARCH_BUDGET_S = 90.0  # an unsafe lock must be caught within this (times the factor)
SHRINK_BUDGET_S = 20.0
SAFE_BUDGET_S = 15.0  # a safe lock must survive this long (times the factor)



def pytest_generate_tests(metafunc):
    if "adapter" not in metafunc.fixturenames:
        return
    chosen = metafunc.config.getoption("--taala-adapter") or []
    adapters = {name: get(name) for name in chosen} if chosen else available()
    if not chosen and taala_tier(metafunc.config) == "quick":
        adapters = {n: cls for n, cls in adapters.items()
                    if cls.min_ttl < FULL_TIER_MIN_TTL and cls.tier != "full"}
    cases = [(name, fault) for name, cls in adapters.items() for fault in cls.expectations]
    metafunc.parametrize("adapter,fault", cases, ids=[f"{a}-{f}" for a, f in cases])


@pytest.mark.timeout(0)
def test_adapter_meets_its_declared_verdict(adapter, fault, taala_budget, taala_seed, tmp_path):
    cls = get(adapter)
    unavailable = getattr(cls, "unavailable", None)  # an external service taala cannot start (Consul)
    if unavailable is not None and (reason := unavailable()):
        pytest.skip(f"{adapter}: {reason}")
    expected = cls.expectations[fault]
    # A lock that needs longer leases makes every pause longer: give the search and the
    # shrinker as many schedules as a default-lease lock gets (up to 4x the time).
    # Under `none` nothing lasts a lease, so the lease length costs nothing.
    slowness = 1.0 if fault == "none" else min(4.0, max(1.0, cls.min_ttl / DEFAULT_TTL))
    budget = (SAFE_BUDGET_S if expected.safe else SEARCH_BUDGET_S) * slowness * taala_budget
    found_at: list[float] = []  # seconds from the campaign's start (servers included) to the first violation

    def progress(event):
        if not found_at and event.get("phase") == "shrinking":
            found_at.append(event["elapsed_s"])

    # The hunt for a bug behind the first violation runs where the declaration names the
    # classes it admits (elsewhere it would only lengthen CI without a claim to hold).
    hunt = None if expected.classes is not None else 0.0
    campaign = vet(cls, [fault], budget=budget, shrink_budget=SHRINK_BUDGET_S * slowness * taala_budget, store=tmp_path,
                   progress=progress, seed=taala_seed, hunt=hunt)
    _record_finding(campaign, fault, expected.verdict, found_at, taala_seed)
    assert campaign.outcome != "inconclusive", f"{adapter} under {fault} tested nothing: {campaign.reasons}"
    if expected.safe:
        assert not campaign.violation, (
            f"{adapter} was declared safe under {fault} ({expected.reason}) but broke: "
            f"{campaign.schedule} -> {campaign.verdict.counterexample.explanation if campaign.verdict and campaign.verdict.counterexample else ''}"
        )
        return
    assert campaign.violation, f"{adapter} should break under {fault} ({expected.reason}); {campaign.examples} schedules found nothing"
    assert not campaign.undeclared_bug, (
        f"{adapter} under {fault} showed a bug class its declaration {expected.classes} does not admit: "
        f"{(campaign.hunt if campaign.hunt is not None and campaign.hunt.violation else campaign).classification.headline()}")
    assert not campaign.undeclared_leak, (
        f"{adapter} under {fault} leaked (never granted again after the faults healed and every holder released), "
        f"which its declaration {expected.classes} does not admit: {campaign.leak.schedule}; {campaign.leak.reproducer}")
    size = counts(campaign.schedule, campaign.clients)
    # a lock admitting several holders needs one more client than it admits (`Adapter.clients`)
    assert size["clients"] <= cls.clients and size["operations"] <= 6, f"not shrunk: {campaign.schedule}"
    assert campaign.reproducer is not None


def _record_finding(campaign, fault: str, expected: str, found_at: list[float], seed: int | None) -> None:
    """With TAALA_FINDINGS=path, append one JSON line per case for `scripts/findings`."""
    path = os.environ.get("TAALA_FINDINGS")
    if not path:
        return
    line = {"adapter": campaign.adapter, "fault": fault, "expected": expected, "outcome": campaign.outcome,
            "size": counts(campaign.schedule, campaign.clients) if campaign.schedule else None,
            "schedule": campaign.schedule, "time_to_find_s": round(found_at[0], 1) if found_at else None,
            "elapsed_s": round(campaign.elapsed_s, 1), "examples": campaign.examples, "ttl": campaign.ttl,
            "reasons": campaign.reasons, "seed": seed,
            # the violation's class (`taala.checker.lease`), and the hunt's behind it, if any
            "class": campaign.classification.kind if campaign.classification else None,
            "hunt_class": campaign.hunt.classification.kind if campaign.hunt and campaign.hunt.classification else None,
            "leak": campaign.leak.schedule if campaign.leak is not None and campaign.leak.violation else None}
    with open(path, "a") as f:  # one write per line: lines from xdist workers do not interleave
        f.write(json.dumps(line) + "\n")
