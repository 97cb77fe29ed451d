"""From a found schedule to the campaign's finding: minimised, and its damage shown.

Hypothesis has shrunk the schedule as far as its budget allowed; `taala.vet.minimise`'s
bounded passes finish the job, each candidate run once against the campaign's servers and
kept only if it still shows what was found: a violation of the same class (a clear
`past-lease` is not traded for an `undetermined` one at the lease's edge); in a hunt, a bug.
"""

from __future__ import annotations

import json

from taala.schedule import durations
from taala.vet.campaign import VIOLATION, Campaign
from taala.vet.damage import demonstrate_damage
from taala.vet.minimise import Minimiser
from taala.checker.lease import UNDETERMINED
from taala.vet.search import Search, Wanted, in_class, violated
from taala.vet.trial import Trial


def conclude_violation(trial: Trial, search: Search, campaign: Campaign, minimal: list) -> None:
    """The found schedule into the campaign; unless Ctrl-C ended the search, minimised and
    its damage shown (Ctrl-C: keep what was found, as found)."""
    campaign.outcome = VIOLATION
    campaign.schedule = [list(step) for step in minimal]
    campaign.run, campaign.verdict = search.violating[json.dumps(minimal)]
    if campaign.interrupted:
        return
    _minimise(trial, campaign, _keeping_its_class(search.wanted, campaign))
    if not campaign.interrupted and campaign.verdict is not None and campaign.verdict.violation:
        shown = demonstrate_damage(trial, campaign.schedule, campaign.verdict)
        if shown is not None:
            campaign.damage_schedule, campaign.damage_verdict, campaign.damage_run = shown


def _keeping_its_class(wanted: Wanted, campaign: Campaign) -> Wanted:
    """What a smaller schedule must still show: the found violation's class, when the
    violation was classified and the class decided (`undetermined` and unclassified ones:
    any violation), so shrinking never trades a clear finding for an ambiguous one."""
    c = campaign.classification
    if wanted is not violated or c is None or c.kind == UNDETERMINED:
        return wanted
    return in_class(c.kind)


def _minimise(trial: Trial, campaign: Campaign, wanted: Wanted = violated) -> None:
    """`taala.vet.minimise`'s passes, each candidate run once against the campaign's servers."""
    assert campaign.run is not None and campaign.schedule is not None

    def attempt(candidate: list):
        result, verdict = trial(candidate)
        return (result, verdict) if wanted(result, verdict) else None

    adapter_cls = trial.env.adapter_cls
    minimiser = Minimiser(campaign.schedule, (campaign.run, campaign.verdict), attempt)
    try:
        minimiser.run(campaign.run.acted_schedule, campaign.clients, durations(adapter_cls.timing), adapter_cls.modes)
        campaign.recurrence = minimiser.recurrence()  # decided by the run's last pass: no more runs
    except KeyboardInterrupt:  # Ctrl-C: keep the smallest adopted so far
        campaign.interrupted = True
    campaign.schedule, (campaign.run, campaign.verdict) = minimiser.schedule, minimiser.evidence
