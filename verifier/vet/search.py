"""The search for a violating schedule: the canonical probes first, then Hypothesis.

Most lock violations have one shape (one holder, one fault at its longest duration, a
second acquire), so a handful of canonical schedules (`taala.schedule.probes`) are tried
first. When none fails, Hypothesis searches and shrinks (`hypothesis.find`): it draws
schedules from `taala.schedule.schedules`, the condition runs each against real servers
and judges the history, and `target()` steers towards schedules where more clients
believed they held the lock at once. Once a violation is found, Hypothesis shrinks the
schedule (fewer steps, fewer clients, lower numbers) while the violation still happens.

Real servers are not perfectly deterministic, so the shrinker may meet a candidate that
fails once and passes once; `find` only keeps candidates that failed when tried, so a
flaky candidate costs time, never correctness. A first-found violation is run once more
before Hypothesis shrinks it: a fluke would spend the whole shrink budget on candidates
that never fail, so the search goes on (the fluke is reported only if nothing better turns
up).

Budgets are wall-clock: the search stops (no violation found) when its budget is spent;
shrinking gets its own budget, so a found violation is always reported, shrunk or not.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import target as steer
from hypothesis.control import currently_in_test_context
from hypothesis.errors import NoSuchExample
from taala.adapter import Adapter
from taala.checker.judge import Verdict
from taala.models import get as get_model
from taala.runner import AdapterError, Run
from taala.schedule import probes, schedules, validate, workload_probes
from taala.vet.minimise import small_enough
from taala.vet.trial import Trial
from taala.workloads.base import Workload

DEFAULT_CLIENTS = 2

Progress = Callable[[dict[str, Any]], None]
# What a search looks for in one run: its verdict (safety) and the run itself (its liveness
# probe: a leak is a fact of the run, not of the history's ops)
Wanted = Callable[[Run, Verdict], bool]


def violated(run: Run, verdict: Verdict) -> bool:
    """What a campaign looks for first: any violation."""
    return verdict.violation


def a_bug(run: Run, verdict: Verdict) -> bool:
    """What a hunt looks for once the first violation is known: one shown to be the lock's
    bug (`taala.checker.lease`), not the lease's known weakness nor a lost state."""
    return verdict.violation and verdict.classification is not None and verdict.classification.is_bug


def leaked(run: Run, verdict: Verdict) -> bool:
    """What the leak hunt looks for: after the faults healed and every holder released, a
    fresh client was not granted the lock within the adapter's promise (`Adapter.liveness`)."""
    return run.live is False


def in_class(kind: str) -> Wanted:
    """A violation of class `kind`: what the minimiser keeps once a violation is classified,
    so that the minimal schedule shows what was found (a pause walked down to where the
    second grant may or may not be past the lease proves neither; `taala.vet.shrink`)."""
    def wanted(run: Run, verdict: Verdict) -> bool:
        return verdict.violation and verdict.classification is not None and verdict.classification.kind == kind
    return wanted


class OutOfBudget(Exception):
    """The search's wall-clock budget is spent (raised inside Hypothesis's loop to end it)."""


class Search:
    """One campaign's search: its examples, verdicts, violations and deadlines as fields.

    `run()` returns the smallest violating schedule found (None: none) and sets
    `interrupted` when Ctrl-C ended it; `violating` maps each violating schedule (as JSON)
    to the run and verdict that showed it."""

    def __init__(self, trial: Trial, faults: list[str], *, budget: float, shrink_budget: float,
                 max_steps: int, seed: int | None, probe: bool, progress: Progress | None, started: float,
                 wanted: Wanted = violated, probes: list[list] | None = None, explore: bool = True,
                 budget_after_probes: bool = False):
        """`wanted`: which verdicts count as found (a violation; in a hunt, a bug class only).
        `probes`: the schedules tried before Hypothesis (None: the canonical ones);
        `explore=False`: the probes only (Hypothesis then only shrinks what they found);
        `budget_after_probes`: every probe runs, and the budget starts after them (a hunt's
        shapes are what it is for; a campaign's probes count against its budget)."""
        self.trial, self.faults, self.seed, self.probe, self.explore = trial, faults, seed, probe, explore
        self.wanted, self.probes = wanted, probes
        self.max_steps, self.progress = max_steps, progress  # (a hunt searches again alike)
        self.adapter_cls: type[Adapter] = trial.env.adapter_cls
        self.workload: Workload | None = trial.env.workload
        self.shrink_budget, self.started = shrink_budget, started
        self.notify = progress or (lambda event: None)
        self.budget, self.budget_after_probes = budget, budget_after_probes
        # the servers' start-up is not search time
        self.search_deadline = time.monotonic() + budget if not budget_after_probes else float("inf")
        self.found_after: float | None = None  # seconds from `started` to the first violation that recurred
        self.shrink_deadline: float | None = None  # set once a violation that recurs is found
        self.examples = 0
        self.interrupted = False
        self.verdicts: dict[str, bool] = {}  # schedule (JSON) -> its first verdict
        self.violating: dict[str, tuple[Run, Verdict]] = {}
        self.strategy = schedules(faults, clients=trial.clients, nodes=max(1, self.adapter_cls.nodes),
                                  max_steps=max_steps, timing=self.adapter_cls.timing,
                                  fenced=self.adapter_cls.fenced or self.workload is not None,
                                  modes=self.adapter_cls.modes)

    def run(self) -> list | None:
        """The smallest violating schedule (None: none found within the budget)."""
        try:
            return self._probe_then_find()
        except NoSuchExample:  # every schedule tried (a tiny space): the smallest fluke, if any
            return self.smallest()
        except BaseException as e:  # the budget ran out (Hypothesis may wrap it in a group)
            self.interrupted = _interrupted(e)
            if not (self.interrupted or _budget_ran_out(e)):
                adapter_error = _adapter_error(e)  # Hypothesis wraps it (FlakyFailure) when it
                if adapter_error is not None:      # failed in one run only: still bad input
                    raise adapter_error from None
                raise
            return self.smallest()

    def _probe_then_find(self) -> list:
        shapes = self.probes if self.probes is not None else canonical_probes(
            self.adapter_cls, self.faults, self.workload, self.trial.clients)
        for canonical in shapes if self.probe else []:  # the usual shapes first
            if self.condition(canonical):
                return canonical
        if not self.explore:
            raise NoSuchExample("the probes")
        if self.budget_after_probes:
            self.search_deadline = time.monotonic() + self.budget
        return find(
            self.strategy,
            self.condition,
            settings=settings(
                max_examples=100_000,
                deadline=None,
                database=None,
                phases=[Phase.generate, Phase.target, Phase.shrink],
                suppress_health_check=list(HealthCheck),
            ),
            random=random.Random(self.seed),
        )

    def condition(self, schedule: list) -> bool:
        """Does `schedule` violate? Each distinct schedule runs once: Hypothesis replays its
        final example, and a real server may not repeat itself; the first verdict stands
        (`taala replay` measures how reliably it recurs)."""
        key = json.dumps(schedule)
        if key not in self.verdicts:
            self.verdicts[key] = self._try(schedule)
        return self.verdicts[key]

    def _try(self, schedule: list) -> bool:
        now = time.monotonic()
        if self.shrink_deadline is None and now > self.search_deadline:
            raise OutOfBudget
        if self.shrink_deadline is not None and now > self.shrink_deadline:
            return False  # out of shrinking time: keep the smallest found so far
        self.examples += 1
        result, verdict = self.trial(schedule)
        if currently_in_test_context():  # not during the probes, which run before `find`
            steer(float(result.max_holders), label="clients believing they hold the lock")
        found = self.wanted(result, verdict)
        if found:
            self.violating[json.dumps(schedule)] = (result, verdict)
            if self.shrink_deadline is None and not self._recurs(schedule):
                return False  # a fluke to shrink would waste the shrink budget: search on
            if self.shrink_deadline is None:
                self.shrink_deadline = time.monotonic() + self.shrink_budget
                self.found_after = time.monotonic() - self.started
            if small_enough(result.acted_schedule):
                self.shrink_deadline = time.monotonic()  # (an exception would be shrunk too)
        self.notify({"examples": self.examples, "elapsed_s": time.monotonic() - self.started,
                     "phase": "shrinking" if self.shrink_deadline is not None else "searching",
                     "smallest": min((len(json.loads(k)) for k in self.violating), default=None)})
        return found

    def _recurs(self, schedule: list) -> bool:
        """Run a first-found violation once more: only one that recurs is worth shrinking
        (every smaller candidate is run once, so a fluke shrinks to nothing). One that does
        not is kept, and reported if the search finds nothing better."""
        self.examples += 1
        result, verdict = self.trial(schedule)
        return self.wanted(result, verdict)

    def smallest(self) -> list | None:
        """The violating schedule that acted in the fewest steps (then the shortest)."""
        return min((json.loads(k) for k in self.violating), default=None,
                   key=lambda k: (len(self.violating[json.dumps(k)][0].acted_schedule), len(k)))


def canonical_probes(adapter_cls: type[Adapter], faults: list[str], workload: Workload | None,
                     clients: int = DEFAULT_CLIENTS) -> list[list]:
    """The canonical schedules that fit the campaign's clients (a semaphore's N permits are
    filled by N of them; kazoo #649's probe needs three)."""
    nodes = max(1, adapter_cls.nodes)
    if workload is None:
        lock = get_model(adapter_cls.judged_by()).lock
        found = probes(faults, nodes=nodes, timing=adapter_cls.timing, holders=lock.capacity if lock else 1,
                       modes=adapter_cls.modes)
        return [p for p in found if not validate(p, clients=clients, nodes=nodes, modes=adapter_cls.modes)]
    locks = max(len(workload.op(c, 0).keys) for c in range(DEFAULT_CLIENTS))
    return workload_probes(faults, locks=locks, nodes=nodes, timing=adapter_cls.timing)


def _interrupted(e: BaseException) -> bool:
    if isinstance(e, KeyboardInterrupt):
        return True
    return isinstance(e, BaseExceptionGroup) and any(_interrupted(x) for x in e.exceptions)


def _adapter_error(e: BaseException) -> AdapterError | None:
    if isinstance(e, AdapterError):
        return e
    for inner in e.exceptions if isinstance(e, BaseExceptionGroup) else ():
        found = _adapter_error(inner)
        if found is not None:
            return found
    return None


def _budget_ran_out(e: BaseException) -> bool:
    if isinstance(e, OutOfBudget):
        return True
    if isinstance(e, BaseExceptionGroup):
        return all(_budget_ran_out(x) for x in e.exceptions)
    return False
