"""After the first search: hunt for the classes it did not find, a bug and a leak.

Every TTL lock without fencing first breaks the known way (a holder paused past its
lease); a campaign that stopped there would never learn whether the lock also grants twice
*inside* a valid lease, lets a release remove somebody else's lock, or is never granted
again once a fault struck. So once the first violation is found, shrunk and saved, the
campaign searches again for the same faults, each hunt counting only runs that show its
class: the explained region (past the lease, a lost state) is ruled out by the condition,
so Hypothesis's shrinker keeps only schedules that still show it.

- **bug** (`a_bug`), when the first violation is not one already: its probes are the bug
  shapes the first search does not try: a fault *shorter* than the lease before a second
  acquire (a lease that ends early), and a holder released after its lease ran out and
  then acquiring again (a release that removed the next holder's lock).
- **leaked** (`leaked`), for a lock that promises liveness (`Adapter.liveness`): after the
  faults healed and every holder released, a fresh client never got the lock. Every run
  of every search (the first, the bug hunt's) already ends with that probe, so the random
  search for leaks is theirs: the leak hunt tries one acquire alone (a lock that leaks
  with no fault at all), the schedules they noticed leaking, then the leak shapes (a release or an acquire the fault struck: lost, or landed on the
  server after its client gave up), and shrinks the first that leaks.

Each hunt runs all its probes; then the bug hunt searches at random for as long as the
first search took to find its violation, at least `HUNT_MIN_S`: a lock that shows its
known weakness at once gets a short hunt, one that took long to break a longer one. The
leak hunt's random search is the other searches' (above): it runs its probes only.
"""

from __future__ import annotations

import time
from pathlib import Path

from taala.checker.lease import BUG, LEAKED
from taala.faults import REGISTRY
from taala.schedule import validate
from taala.vet.campaign import Campaign
from taala.vet.reproducer import save_reproducer
from taala.vet.search import Search, a_bug, leaked
from taala.vet.shrink import conclude_violation
from taala.vet.trial import Trial

HUNT_MIN_S = 3.0
SHORT_LEASES = (0.6, 0.9)  # a fault that ends inside the lease
LONG_LEASES = 2.0  # long enough for the lease to be gone, whatever its margins
WANTED = {BUG: a_bug, LEAKED: leaked}


def hunt(kind: str, trial: Trial, first: Search, campaign: Campaign, *, budget: float, store: str | Path | None,
         client_log: str | None, noticed: list[list] = ()) -> Campaign:
    """Search `budget` seconds for a run of class `kind` (BUG or LEAKED); a campaign of its
    own (its own minimal schedule, reproducer and report when found), which the campaign
    keeps (`campaign.hunt`, `campaign.leak`). `noticed`: schedules already seen to show it."""
    started = time.monotonic()
    adapter_cls = trial.env.adapter_cls
    shape = dict(clients=trial.clients, nodes=max(1, adapter_cls.nodes), modes=adapter_cls.modes)
    shapes = bug_probes(first.faults, **shape) if kind == BUG else [[["acquire", 0]], *noticed,
                                                                     *leak_probes(first.faults, **shape)]
    search = Search(trial, first.faults, budget=budget, shrink_budget=max(budget, 30.0), max_steps=first.max_steps,
                    seed=first.seed, probe=True, progress=first.progress, started=started, wanted=WANTED[kind],
                    probes=list({repr(s): s for s in shapes}.values()), explore=kind != LEAKED,
                    budget_after_probes=True)
    minimal = search.run()
    found = Campaign(campaign.adapter, campaign.faults, minimal is not None, search.examples, 0.0,
                     campaign.clients, campaign.ttl, workload=campaign.workload, target=campaign.target,
                     expected=campaign.expected, expected_classes=campaign.expected_classes, looked_for=kind)
    found.interrupted = search.interrupted
    if minimal is not None:
        conclude_violation(trial, search, found, minimal)
        if store is not None:
            found.reproducer = save_reproducer(found, store=store, client_log=client_log)
    found.elapsed_s = time.monotonic() - started
    return found


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


def leak_probes(faults: list[str], *, clients: int, nodes: int, modes: tuple[str, ...] = ()) -> list[list]:
    """The leak shapes, for each fault among `faults`: the holder's release struck by it (a
    release lost, or its client retired before it landed), and an acquire struck by it (one
    that lands on the server after its client gave up: a holder nobody knows of)."""
    shapes = []
    for name in faults:
        fault = REGISTRY.get(name)
        if fault is None:
            continue
        step = [name, 0, LONG_LEASES] if fault.timed else [name, 0]
        shapes += [[["acquire", 0], step, ["release", 0]], [step, ["acquire", 0]]]
    return [s for s in shapes if not validate(s, clients=clients, nodes=nodes, modes=modes)]
