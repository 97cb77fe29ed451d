"""Vetting a lock: search for a violating schedule, shrink it, save a reproducer, replay it.

Hypothesis does the search and the shrinking (`hypothesis.find`): it draws schedules from
`taala.schedule.schedules`, the condition runs each one against real servers and judges
the history, and `target()` steers towards schedules where more clients believed they
held the lock at once. Once a violation is found, Hypothesis shrinks the schedule (fewer
steps, fewer clients, lower numbers) while the violation still happens.

Real servers are not perfectly deterministic, so the shrinker may meet a candidate that
fails once and passes once; `find` only keeps candidates that failed when tried, so a
flaky candidate costs time, never correctness. `taala replay` then measures how reliably
the minimal schedule reproduces.

Budgets are wall-clock: the search stops (no violation found) when its budget is spent;
shrinking gets its own budget so a found violation is always reported, shrunk or not.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable

from hypothesis import HealthCheck, Phase, find, settings, target
from hypothesis.errors import NoSuchExample

from taala.adapter import Adapter
from taala.judge import Verdict, judge
from taala.runner import Environment, Run, run
from taala.schedule import counts, describe, schedules
from taala.store import Store

DEFAULT_TTL = 0.25
DEFAULT_CLIENTS = 2
REPRODUCER_VERSION = 1

Progress = Callable[[dict[str, Any]], None]


class _OutOfBudget(Exception):
    pass


@dataclass
class Campaign:
    """The outcome of `vet()`."""

    adapter: str
    faults: list[str]
    violation: bool
    examples: int
    elapsed_s: float
    clients: int = DEFAULT_CLIENTS
    schedule: list | None = None  # the minimal violating schedule
    run: Run | None = None
    verdict: Verdict | None = None
    reproducer: str | None = None
    damage_schedule: list | None = None  # the minimal schedule with the holders' writes added
    damage_verdict: Verdict | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def minimal_steps(self) -> int | None:
        return None if self.schedule is None else len(self.schedule)

    def to_dict(self) -> dict[str, Any]:
        ce = self.verdict.counterexample if self.verdict else None
        damage = self.verdict.damage if self.verdict else None
        if damage is None and self.damage_verdict is not None:
            damage = self.damage_verdict.damage
        return {
            "adapter": self.adapter,
            "violation": self.violation,
            "faults": self.faults,
            "examples": self.examples,
            "elapsed_s": round(self.elapsed_s, 3),
            "reproducer": self.reproducer,
            "minimal_steps": self.minimal_steps,
            "schedule": self.schedule,
            "size": counts(self.schedule, self.clients) if self.schedule else None,
            "explanation": ce.explanation if ce else None,
            "damage": damage.explanation if damage else None,
            "damage_schedule": self.damage_schedule,
        }


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
) -> Campaign:
    """Search for a schedule under which `adapter_cls` breaks; shrink and save it if found."""
    started = time.monotonic()
    ttl = max(ttl, adapter_cls.min_ttl)
    search_deadline = started + budget
    shrink_deadline: list[float] = []
    shrink_budget = shrink_budget if shrink_budget is not None else max(30.0, budget)
    examples = 0
    violating: dict[str, tuple[Run, Verdict]] = {}
    notify = progress or (lambda event: None)

    with Environment(adapter_cls) as env:
        strategy = schedules(faults, clients=clients, nodes=max(1, adapter_cls.nodes), max_steps=max_steps)

        verdicts: dict[str, bool] = {}

        def condition(schedule: list) -> bool:
            # Each distinct schedule runs once: Hypothesis replays its final example, and a
            # real server may not repeat itself; the first verdict stands (replay measures
            # how reliably it recurs).
            key = json.dumps(schedule)
            if key in verdicts:
                return verdicts[key]
            verdicts[key] = _condition(schedule)
            return verdicts[key]

        def _condition(schedule: list) -> bool:
            nonlocal examples
            now = time.monotonic()
            if not shrink_deadline and now > search_deadline:
                raise _OutOfBudget
            if shrink_deadline and now > shrink_deadline[0]:
                return False  # out of shrinking time: keep the smallest found so far
            examples += 1
            result = run(env, schedule, ttl=ttl, clients=clients)
            verdict = judge(result.history, fenced=adapter_cls.fenced)
            target(float(result.max_holders), label="clients believing they hold the lock")
            if verdict.violation:
                if not shrink_deadline:
                    shrink_deadline.append(time.monotonic() + shrink_budget)
                violating[json.dumps(schedule)] = (result, verdict)
            notify({"examples": examples, "elapsed_s": time.monotonic() - started,
                    "phase": "shrinking" if shrink_deadline else "searching",
                    "smallest": min((len(json.loads(k)) for k in violating), default=None)})
            return verdict.violation

        try:
            minimal = find(
                strategy,
                condition,
                settings=settings(
                    max_examples=100_000,
                    deadline=None,
                    database=None,
                    phases=[Phase.generate, Phase.target, Phase.shrink],
                    suppress_health_check=list(HealthCheck),
                ),
                random=random.Random(seed),
            )
        except NoSuchExample:
            minimal = None
        except BaseException as e:  # the budget ran out (Hypothesis may wrap it in a group)
            if not _budget_ran_out(e):
                raise
            minimal = min((json.loads(k) for k in violating), key=len, default=None)
        campaign = Campaign(adapter_cls.name, list(faults), minimal is not None, examples, 0.0, clients)
        if minimal is not None:
            campaign.schedule = [list(step) for step in minimal]
            campaign.run, campaign.verdict = violating[json.dumps(minimal)]
            if campaign.verdict.damage is None:
                _demonstrate_damage(env, campaign, ttl=ttl, clients=clients)
            if store is not None:
                campaign.reproducer = save_reproducer(campaign, ttl=ttl, clients=clients, store=store)
    campaign.elapsed_s = time.monotonic() - started
    return campaign


def with_writes(schedule: list) -> list:
    """The schedule with every holder doing its read-modify-write: each client reads right
    after acquiring, and at the end the clients write back, latest acquirer first, so a
    stale holder's write lands last, the way a paused client's write does."""
    out, order = [], []
    for step in schedule:
        out.append(list(step))
        if step[0] == "acquire":
            out.append(["read", step[1]])
            order.append(step[1])
    return out + [["write", c] for c in reversed(list(dict.fromkeys(order)))]


def _demonstrate_damage(env: Environment, campaign: Campaign, *, ttl: float, clients: int) -> None:
    """Show what two holders cost: run the minimal schedule once more with writes added.

    The shrunk schedule is minimal for "two clients believed they held the lock"; whether
    that loses data depends on what they do inside. This single extra run answers it."""
    schedule = with_writes(campaign.schedule or [])
    result = run(env, schedule, ttl=ttl, clients=clients)
    verdict = judge(result.history, fenced=env.adapter_cls.fenced)
    if verdict.damage is not None:
        campaign.damage_schedule, campaign.damage_verdict = schedule, verdict


def _budget_ran_out(e: BaseException) -> bool:
    if isinstance(e, _OutOfBudget):
        return True
    if isinstance(e, BaseExceptionGroup):
        return all(_budget_ran_out(x) for x in e.exceptions)
    return False


def save_reproducer(campaign: Campaign, *, ttl: float, clients: int, store: str | Path) -> str:
    """Write the run's store directory; return the reproducer's path."""
    assert campaign.run is not None and campaign.verdict is not None and campaign.schedule is not None
    run_dir = Store(store).new_run(campaign.adapter)
    run_dir.write_history(campaign.run.history)
    run_dir.write_json("results.json", campaign.verdict.to_dict())
    reproducer = {
        "taala_reproducer": REPRODUCER_VERSION,
        "adapter": campaign.adapter,
        "faults": campaign.faults,
        "ttl": ttl,
        "clients": clients,
        "schedule": campaign.schedule,
        "steps": [describe(step) for step in campaign.schedule],
        "explanation": campaign.verdict.counterexample.explanation if campaign.verdict.counterexample else None,
        "damage": campaign.to_dict()["damage"],
        "damage_schedule": campaign.damage_schedule,
        "history": campaign.run.history.to_dicts(),
    }
    path = run_dir.write_json("reproducer.json", reproducer)
    try:
        run_dir.write_report(campaign.run.history, campaign.verdict.lock if not campaign.verdict.fenced else campaign.verdict.resource)
    except Exception as e:  # the reproducer matters more than its picture
        campaign.notes.append(f"report not written: {e}")
    return str(path)


@dataclass
class Replay:
    adapter: str
    runs: int
    reproduced: int
    elapsed_s: float
    verdicts: list[bool]

    def to_dict(self) -> dict[str, Any]:
        return {"adapter": self.adapter, "runs": self.runs, "reproduced": self.reproduced,
                "elapsed_s": round(self.elapsed_s, 3)}


def load_reproducer(path: str | Path) -> dict[str, Any]:
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict) or data.get("taala_reproducer") != REPRODUCER_VERSION:
        raise ValueError("not a taala reproducer file (missing taala_reproducer: 1)")
    for key in ("adapter", "schedule", "ttl", "clients"):
        if key not in data:
            raise ValueError(f"reproducer has no {key!r}")
    return data


def replay(adapter_cls: type[Adapter], reproducer: dict[str, Any], *, runs: int = 10,
           progress: Progress | None = None) -> Replay:
    """Re-execute a reproducer's schedule `runs` times on fresh servers; count violations."""
    started = time.monotonic()
    verdicts = []
    with Environment(adapter_cls) as env:
        for n in range(runs):
            result = run(env, reproducer["schedule"], ttl=reproducer["ttl"], clients=reproducer["clients"])
            verdicts.append(judge(result.history, fenced=adapter_cls.fenced).violation)
            if progress:
                progress({"run": n + 1, "runs": runs, "reproduced": sum(verdicts)})
    return Replay(adapter_cls.name, runs, sum(verdicts), time.monotonic() - started, verdicts)
