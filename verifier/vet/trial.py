"""One schedule, run once on the campaign's servers and judged, and the tally of all runs.

Every run of a campaign goes through a `Trial`: the search's examples, the recurrence
check, the minimiser's candidates, the damage demonstration and the replays. So every run
is judged the same way (the adapter's model, its fencing, the workload's invariants), and
the `Tally` sees every run that counts as evidence for "inconclusive".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from taala.checker.judge import Verdict, judge
from taala.faults import REGISTRY
from taala.runner import Environment, Run, run


class Tally:
    """What a campaign's runs did, over all of them: the evidence for "inconclusive"."""

    def __init__(self) -> None:
        self.ops: Counter = Counter()
        self.errors: Counter = Counter()
        self.contended = 0
        self.struck = 0
        self.probed = 0
        self.leaked: list[list] = []
        self.doubled = 0  # runs in which two clients believed they held one lock at once

    def add(self, result: Run) -> None:
        self.probed += result.live is not None
        self.doubled += result.max_holders > 1
        if result.live is False:
            self.leaked.append(result.schedule)
        self.ops.update({f"{f} {status}": n for (f, status), n in result.outcomes.items()})
        self.errors.update(result.errors)
        self.contended += result.contended
        self.struck += result.faults_struck

    def inconclusive(self, faults: list[str]) -> list[str]:
        """Why the campaign could not test what it claims, one line each (empty: it could)."""
        acquires, unknown, granted = self._count("acquire"), self._count("acquire", "info"), self._count("acquire", "ok")
        reasons = []
        if acquires == 0:
            reasons.append("no acquire was ever sent")
        elif unknown * 2 > acquires:
            error, _ = self.errors.most_common(1)[0] if self.errors else ("unknown", 0)
            reasons.append(f"{unknown} of {acquires} acquires ended unknown (info), most often: {error}")
        elif granted == 0:
            reasons.append(f"none of {acquires} acquires was granted")
        if any(f in REGISTRY for f in faults) and self.struck == 0:
            reasons.append("no fault ever struck a holder or an op in flight")
        if acquires and not self.contended:
            reasons.append("no two clients ever contended for the lock")
        return reasons

    def notes(self) -> list[str]:
        """What looks wrong with the adapter rather than the lock, one line each: a release
        that never once succeeded (e.g. a token compared as bytes with a client that
        decodes replies to str) leaves every hold to its lease, which no verdict shows."""
        released, refused = self._count("release", "ok"), self._count("release", "fail")
        if refused and not released:
            return [f"none of {refused} releases succeeded: either the lock lost every key before its release "
                    "(see the verdict), or the adapter's release compares the token it was given with what the "
                    "server holds in another type"]
        return []

    def _count(self, f: str, status: str | None = None) -> int:
        """Ops `f` in every mode (`acquire-read ok` counts as an acquire), with `status` if given."""
        return sum(n for k, n in self.ops.items() if k.split(" ")[0].partition("-")[0] == f
                   and (status is None or k.endswith(" " + status)))


@dataclass
class Trial:
    """Runs and judges schedules on `env` with the campaign's lease and clients."""

    env: Environment
    ttl: float
    clients: int
    tally: Tally = field(default_factory=Tally)

    def __call__(self, schedule: list, *, counted: bool = True) -> tuple[Run, Verdict]:
        """Run `schedule` once and judge its history; `counted`: add it to the tally (the
        damage demonstration is not: it is the violation's illustration, not evidence)."""
        adapter_cls = self.env.adapter_cls
        result = run(self.env, schedule, ttl=self.ttl, clients=self.clients)
        if counted:
            self.tally.add(result)
        verdict = judge(result.history, fenced=adapter_cls.fenced, workload=self.env.workload,
                        model=adapter_cls.model, terms=adapter_cls.lease_terms(self.ttl))
        return result, verdict
