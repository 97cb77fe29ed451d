"""After the first violation: hunt for a bug behind the lease's known weakness.

Every TTL lock without fencing first breaks the known way (a holder paused past its
lease); a campaign that stopped there would never learn whether the lock also grants twice
*inside* a valid lease, or lets a release remove somebody else's lock. So once the first
violation is found, shrunk and saved, and its class (`taala.checker.lease`) is not a bug,
the campaign searches again for the same faults, counting only violations shown to be the
lock's bug (`a_bug`): the explained region (past the lease, a lost state) is ruled out by
the condition, so Hypothesis's shrinker keeps only schedules that still show a bug.

The hunt starts with probes of its own, the bug shapes the first search does not try:
a fault *shorter* than the lease before a second acquire (a lease that ends early), and a
holder released after its lease ran out and then acquiring again (a release that removed
the next holder's lock). Its budget is as long as the first find took, at least
`HUNT_MIN_S`: a lock that shows its known weakness at once gets a short hunt, one that
took long to break a longer one.
"""

from __future__ import annotations

import time
from pathlib import Path

from taala.faults import REGISTRY
from taala.schedule import validate
from taala.vet.campaign import Campaign
from taala.vet.reproducer import save_reproducer
from taala.vet.search import Search, a_bug
from taala.vet.shrink import conclude_violation
from taala.vet.trial import Trial

HUNT_MIN_S = 10.0
SHORT_LEASES = (0.6, 0.9)  # a fault that ends inside the lease
LONG_LEASES = 2.0  # long enough for the lease to be gone, whatever its margins


def hunt_bug(trial: Trial, first: Search, campaign: Campaign, *, budget: float, store: str | Path | None,
             client_log: str | None) -> Campaign:
    """Search `budget` seconds for a bug-class violation; a campaign of its own (its own
    minimal schedule, reproducer and report when found), which `campaign.hunt` keeps."""
    started = time.monotonic()
    adapter_cls = trial.env.adapter_cls
    search = Search(trial, first.faults, budget=budget, shrink_budget=max(budget, 30.0), max_steps=first.max_steps,
                    seed=first.seed, probe=True, progress=first.progress, started=started, wanted=a_bug,
                    probes=bug_probes(first.faults, clients=trial.clients, nodes=max(1, adapter_cls.nodes),
                                      modes=adapter_cls.modes))
    minimal = search.run()
    hunt = Campaign(campaign.adapter, campaign.faults, minimal is not None, search.examples, 0.0,
                    campaign.clients, campaign.ttl, workload=campaign.workload, target=campaign.target,
                    expected=campaign.expected, expected_classes=campaign.expected_classes)
    hunt.interrupted = search.interrupted
    if minimal is not None:
        conclude_violation(trial, search, hunt, minimal)
        if store is not None:
            hunt.reproducer = save_reproducer(hunt, store=store, client_log=client_log)
    hunt.elapsed_s = time.monotonic() - started
    return hunt


def bug_probes(faults: list[str], *, clients: int, nodes: int, modes: tuple[str, ...] = ()) -> list[list]:
    """The bug shapes, for each timed client fault among `faults`: the fault shorter than the
    lease before a second acquire; the holder outliving its lease, releasing, acquiring again."""
    shapes = []
    for name in faults:
        fault = REGISTRY.get(name)
        if fault is None or fault.target != "client" or not fault.timed:
            continue
        shapes += [[["acquire", 0], [name, 0, d], ["acquire", 1]] for d in SHORT_LEASES]
        shapes.append([["acquire", 0], [name, 0, LONG_LEASES], ["acquire", 1], ["release", 0], ["acquire", 0]])
    return [s for s in shapes if not validate(s, clients=clients, nodes=nodes, modes=modes)]
