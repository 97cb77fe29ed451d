"""`vet()`: a whole campaign, from the servers' start to the saved reproducer.

    what was asked (adapter, faults, lease, budget)
      -> Search (probes, then Hypothesis)      taala.vet.search
      -> Minimiser (bounded passes)            taala.vet.minimise
      -> the damage run                        taala.vet.damage
      -> the reproducer and its report         taala.vet.reproducer
      -> Campaign (what was found, the verdict) taala.vet.campaign

Under `none` alone the lease is at least `NONE_MIN_TTL`: "no faults" means holders finish
well inside their leases, and a quarter-second lease is shorter than a scheduling hiccup on
a busy machine, so the claim must not depend on it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from taala.adapter import Adapter
from taala.faults import networked, unsupported
from taala.runner import Environment
from taala.target import Target
from taala.vet.campaign import DEFAULT_CLIENTS, DEFAULT_TTL, INCONCLUSIVE, NONE_FOUND, VIOLATION, Campaign
from taala.checker.lease import BUG, LEAKED
from taala.vet.hunt import HUNT_MIN_S, hunt as hunt_for
from taala.vet.reproducer import save_reproducer
from taala.vet.search import Progress, Search
from taala.vet.shrink import conclude_violation
from taala.vet.trial import Trial
from taala.workloads.base import Workload
from taala.workloads import DEFAULT as DEFAULT_WORKLOAD

NONE_MIN_TTL = 10.0  # the talk's own default lease: far above any scheduling hiccup


def vet(
    adapter_cls: type[Adapter],
    faults: list[str],
    *,
    budget: float = 60.0,
    shrink_budget: float | None = None,
    ttl: float = DEFAULT_TTL,
    clients: int = DEFAULT_CLIENTS,
    max_steps: int = 10,
    seed: int | None = None,
    store: str | Path | None = "store",
    progress: Progress | None = None,
    probe: bool = True,
    workload: Workload | None = None,
    target: Target | None = None,
    hunt: float | None = None,
) -> Campaign:
    """Search for a schedule under which `adapter_cls` breaks; shrink and save it if found.
    Then hunt for what it did not find (`taala.vet.hunt`): a bug-class violation, when what
    it found is not shown to be one (the lease's known weakness, a lost state, undetermined):
    its probes, then `hunt` seconds at random (None: as long as the first find took, at
    least HUNT_MIN_S; 0: no hunt); and a leak, by its probes, on a lock that promises liveness.
    `probe=False` skips the canonical schedules and leaves everything to Hypothesis.
    `workload`: what the clients do while they hold the lock (`taala.workloads`); None:
    the default counter. `target`: servers the user runs (`taala.target`) instead of local ones."""
    problems = vet_problems(adapter_cls, faults, workload, target)
    if problems:
        raise ValueError("; ".join(problems))
    clients = max(clients, adapter_cls.clients)  # a semaphore of N permits needs N + 1 to be exceeded
    started = time.monotonic()
    ttl = campaign_ttl(adapter_cls, faults, ttl)
    client_log = _client_log(store, adapter_cls.name)
    with Environment(adapter_cls, client_log=client_log, network=networked(faults), workload=workload,
                     target=target) as env:
        trial = Trial(env, ttl, clients)
        search = Search(trial, faults, budget=budget, shrink_budget=shrink_budget if shrink_budget is not None
                        else max(30.0, budget), max_steps=max_steps, seed=seed, probe=probe, progress=progress,
                        started=started)
        minimal = search.run()
        campaign = Campaign(adapter_cls.name, list(faults), minimal is not None, search.examples, 0.0, clients, ttl)
        campaign.workload = workload.name if workload is not None else DEFAULT_WORKLOAD
        campaign.target = target.path if target is not None else None
        # an adapter declares its verdicts for the counter; a workload's are the caller's
        campaign.expected = expectation(adapter_cls, faults) if workload is None else None
        campaign.expected_classes = expected_classes(adapter_cls, faults) if workload is None else None
        campaign.interrupted = search.interrupted
        if minimal is not None:
            conclude_violation(trial, search, campaign, minimal)
            if store is not None:
                campaign.reproducer = save_reproducer(campaign, store=store, client_log=client_log)
        else:
            campaign.reasons = trial.tally.inconclusive(faults)
            campaign.outcome = INCONCLUSIVE if campaign.reasons else NONE_FOUND
        if hunt != 0 and not campaign.interrupted:
            first_find = search.found_after if search.found_after is not None else time.monotonic() - started
            _hunt(trial, search, campaign, hunt if hunt is not None else max(HUNT_MIN_S, first_find),
                  store=store, client_log=client_log)
    tally = trial.tally
    campaign.ops = tally.ops
    campaign.probed, campaign.leaked = tally.probed, sorted(tally.leaked, key=len)
    campaign.doubled = tally.doubled
    campaign.notes += tally.notes()
    campaign.elapsed_s = time.monotonic() - started
    return campaign


def _hunt(trial: Trial, search: Search, campaign: Campaign, budget: float, *, store: str | Path | None,
          client_log: str | None) -> None:
    """The hunts behind the first search (`taala.vet.hunt`): for a bug, behind a classified
    violation that is not one (so the lock declares its lease terms); for a leak, on a lock
    that promises liveness, behind a violation or behind leaks the first search noticed."""
    found = campaign.classification
    if campaign.violation and found is not None and not found.is_bug:
        campaign.hunt = hunt_for(BUG, trial, search, campaign, budget=budget, store=store, client_log=client_log)
    noticed = sorted(trial.tally.leaked, key=len)[:3]
    if trial.env.adapter_cls.liveness is not None and (campaign.violation or noticed) and not _interrupted(campaign):
        campaign.leak = hunt_for(LEAKED, trial, search, campaign, budget=budget, store=store,
                                 client_log=client_log, noticed=noticed)


def _interrupted(campaign: Campaign) -> bool:
    return campaign.interrupted or (campaign.hunt is not None and campaign.hunt.interrupted)


def vet_problems(adapter_cls: type[Adapter], faults: list[str], workload: Workload | None,
                 target: Target | None) -> list[str]:
    """Why this campaign cannot run as asked (empty: it can)."""
    problems = unsupported(faults, adapter_cls) + target_problems(adapter_cls, faults, target)
    if adapter_cls.modes and workload is not None:
        problems.append(f"{adapter_cls.name} has acquire modes; a workload takes plain locks")
    return problems


def target_problems(adapter_cls: type[Adapter], faults: list[str], target: Target | None) -> list[str]:
    """Why `adapter_cls` cannot be vetted under `faults` on `target` (empty: it can)."""
    if target is None:
        return []
    if target.backend != adapter_cls.backend:
        return [f"{target.path} is a {target.backend} target; {adapter_cls.name} uses {adapter_cls.backend}"]
    if len(target.nodes) != max(1, adapter_cls.nodes):
        return [f"{adapter_cls.name} needs {max(1, adapter_cls.nodes)} node(s); {target.path} names {len(target.nodes)}"]
    return target.unsupported(faults)


def campaign_ttl(adapter_cls: type[Adapter], faults: list[str], ttl: float) -> float:
    """The lease a campaign runs with: at least the adapter's minimum, and under `none`
    alone at least NONE_MIN_TTL (see the module docstring)."""
    ttl = max(ttl, adapter_cls.min_ttl)
    return max(ttl, NONE_MIN_TTL) if set(faults) <= {"none"} else ttl


def expectation(adapter_cls: type[Adapter], faults: list[str]) -> str | None:
    """"unsafe" if the adapter declares itself unsafe under any of `faults`, "safe" if it
    declares all of them safe, None if it does not declare one of them."""
    declared = [adapter_cls.expectations.get(f) for f in faults]
    if any(e is not None and not e.safe for e in declared):
        return "unsafe"
    return "safe" if declared and all(e is not None for e in declared) else None


def expected_classes(adapter_cls: type[Adapter], faults: list[str]) -> tuple[str, ...] | None:
    """The violation classes the adapter declares under `faults` (their union), or None if
    one of its unsafe declarations among them does not say (then any class is as declared)."""
    unsafe = [e for f in faults if (e := adapter_cls.expectations.get(f)) is not None and not e.safe]
    if not unsafe or any(e.classes is None for e in unsafe):
        return None
    return tuple(dict.fromkeys(c for e in unsafe for c in e.classes))


def _client_log(store: str | Path | None, name: str) -> str | None:
    if store is None:
        return None
    folder = Path(store) / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "clients.log"
    path.write_text("")  # one campaign's client output at a time
    return str(path)
