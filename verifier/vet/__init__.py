"""Vetting a lock: search for a violating schedule, shrink it, save a reproducer, replay it.

One module per part of a campaign, each one a reader can hold in mind:

- `vetting`: `vet()`, the whole campaign, start to finish, and what was asked of it
  (the lease, the declared expectation, whether a target fits);
- `search`: the probes, then Hypothesis, holding its examples, violations and deadlines;
- `trial`: one schedule run and judged (every run of a campaign goes through it), and the
  tally of all runs, the evidence for "inconclusive";
- `minimise`: bounded passes that finish the shrinking Hypothesis began;
- `damage`: the minimal schedule once more, with the holders' writes, to show the cost;
- `reproducer`: save, load, check and replay a found violation;
- `campaign`: what was found, and the verdict (`valid`: False, True or "unknown").

Importing this package imports Hypothesis; the CLI imports it only when it vets.
"""

from taala.vet.campaign import (
    DEFAULT_CLIENTS,
    DEFAULT_TTL,
    INCONCLUSIVE,
    NONE_FOUND,
    VIOLATION,
    Campaign,
)
from taala.vet.damage import with_writes
from taala.vet.reproducer import (
    MAX_CLIENTS,
    REPRODUCER_VERSION,
    Replay,
    load_reproducer,
    replay,
    reproducer_problems,
    save_reproducer,
)
from taala.vet.search import canonical_probes
from taala.vet.trial import Tally, Trial
from taala.vet.vetting import NONE_MIN_TTL, campaign_ttl, expectation, target_problems, vet

__all__ = [
    "DEFAULT_CLIENTS", "DEFAULT_TTL", "INCONCLUSIVE", "MAX_CLIENTS", "NONE_FOUND", "NONE_MIN_TTL",
    "REPRODUCER_VERSION", "VIOLATION", "Campaign", "Replay", "Tally", "Trial", "campaign_ttl",
    "canonical_probes", "expectation", "load_reproducer", "replay", "reproducer_problems",
    "save_reproducer", "target_problems", "vet", "with_writes",
]
