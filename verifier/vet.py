"""Vetting a lock: search for a violating schedule, shrink it, save a reproducer, replay it.

First a handful of canonical schedules (`taala.schedule.probes`: one holder, one fault at
its longest duration, a second acquire) are tried, since most lock violations have that
shape; when none fails, Hypothesis does the search and the shrinking (`hypothesis.find`): it draws schedules from
`taala.schedule.schedules`, the condition runs each one against real servers and judges
the history, and `target()` steers towards schedules where more clients believed they
held the lock at once. Once a violation is found, Hypothesis shrinks the schedule (fewer
steps, fewer clients, lower numbers) while the violation still happens.

Real servers are not perfectly deterministic, so the shrinker may meet a candidate that
fails once and passes once; `find` only keeps candidates that failed when tried, so a
flaky candidate costs time, never correctness. A first-found violation is run once more
before Hypothesis shrinks it: a fluke would spend the whole shrink budget on candidates
that never fail, so the search goes on (the fluke is reported only if nothing better turns
up). `taala.minimise` then finishes the job in a bounded number of runs, and `taala
replay` measures how reliably the minimal schedule reproduces.

Budgets are wall-clock: the search stops (no violation found) when its budget is spent;
shrinking gets its own budget so a found violation is always reported, shrunk or not.

A campaign has three outcomes, not two: a violation; none found; or **inconclusive**, when
it could not test what it claims (most acquires ended unknown, no fault ever struck a
holder, no two clients ever contended): saying "no violation found" then would be a lie.

Under `none` alone the lease is at least `NONE_MIN_TTL`: "no faults" means holders finish
well inside their leases, and a quarter-second lease is shorter than a scheduling hiccup on
a busy machine, so the claim must not depend on it.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import target as steer
from hypothesis.control import currently_in_test_context
from hypothesis.errors import NoSuchExample
from taala.adapter import Adapter
from taala.client import AdapterError
from taala.faults import REGISTRY, networked, unsupported
from taala.judge import LOCK_FS, RESOURCE_FS, Verdict, judge, part
from taala.minimise import Minimiser, small_enough
from taala.models import get as get_model
from taala.runner import Environment, Run, run
from taala.schedule import (
    CLIENT_STEPS,
    counts,
    describe,
    durations,
    probes,
    schedules,
    validate,
    workload_probes,
)
from taala.store import Store
from taala.target import Target
from taala.target import load as load_target
from taala.workload import Workload
from taala.workloads import DEFAULT as DEFAULT_WORKLOAD
from taala.workloads import get as get_workload

DEFAULT_TTL = 0.25
NONE_MIN_TTL = 10.0  # the seed's own default lease: far above any scheduling hiccup
DEFAULT_CLIENTS = 2
MAX_CLIENTS = 4
REPRODUCER_VERSION = 2  # 2: steps are dispatched concurrently and carry durations in leases
VIOLATION, NONE_FOUND, INCONCLUSIVE = "violation", "no violation found", "inconclusive"

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
    ttl: float = DEFAULT_TTL
    outcome: str = NONE_FOUND  # VIOLATION, NONE_FOUND or INCONCLUSIVE
    reasons: list[str] = field(default_factory=list)  # why inconclusive, one line each
    ops: Counter = field(default_factory=Counter)  # "acquire ok" -> count, over every run
    expected: str | None = None  # "safe"/"unsafe": what the adapter declares under these faults
    probed: int = 0  # runs whose end was probed for liveness
    leaked: list[list] = field(default_factory=list)  # schedules after which the lock was never granted again
    schedule: list | None = None  # the minimal violating schedule
    run: Run | None = None
    verdict: Verdict | None = None
    reproducer: str | None = None
    damage_schedule: list | None = None  # the minimal schedule with the holders' writes added
    damage_verdict: Verdict | None = None
    damage_run: Run | None = None  # that run: its history shows the lost update on the resource
    interrupted: bool = False  # Ctrl-C: what was found so far, unshrunk
    notes: list[str] = field(default_factory=list)
    workload: str = "counter"  # what the clients did while holding the lock (`taala.workloads`)
    doubled: int = 0  # runs in which two clients believed they held one lock at once
    target: str | None = None  # the target file of servers the user runs, if any (`taala.target`)

    def steps(self, schedule: list | None = None) -> list[str] | None:
        """The minimal schedule (or `schedule`) in English, one line per step."""
        schedule = self.schedule if schedule is None else schedule
        if not schedule:
            return None
        workload = get_workload(self.workload)
        names = set() if workload is None else {workload.op(c, 0).name for c in range(self.clients)}
        operation = None if workload is None else names.pop() if len(names) == 1 else "operation"
        return [describe(step, self.clients, operation) for step in schedule]

    @property
    def minimal_steps(self) -> int | None:
        return None if self.schedule is None else len(self.schedule)

    @property
    def matched(self) -> bool | None:
        """Did the outcome match the adapter's declaration? None if undeclared or inconclusive."""
        if self.expected is None or self.outcome == INCONCLUSIVE or (self.interrupted and not self.violation):
            return None
        return self.violation == (self.expected == "unsafe")

    def to_dict(self) -> dict[str, Any]:
        ce = self.verdict.counterexample if self.verdict else None
        damage = self.verdict.damage if self.verdict else None
        if damage is None and self.damage_verdict is not None:
            damage = self.damage_verdict.damage
        return {
            "adapter": self.adapter,
            "workload": self.workload,
            "outcome": self.outcome,
            "violation": self.violation,
            "reasons": self.reasons,
            "expected": self.expected,
            "matched": self.matched,
            "faults": self.faults,
            "ttl": self.ttl,
            "examples": self.examples,
            "elapsed_s": round(self.elapsed_s, 3),
            "ops": dict(sorted(self.ops.items())),
            "runs_with_two_holders": self.doubled,
            "liveness": {"probed": self.probed, "leaked": len(self.leaked), "example": self.leaked[0] if self.leaked else None},
            "reproducer": self.reproducer,
            "minimal_steps": self.minimal_steps,
            "schedule": self.schedule,
            "steps": self.steps(),
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
    probe: bool = True,
    workload: Workload | None = None,
    target: Target | None = None,
) -> Campaign:
    """Search for a schedule under which `adapter_cls` breaks; shrink and save it if found.
    `probe=False` skips the canonical schedules and leaves everything to Hypothesis.
    `workload`: what the clients do while they hold the lock (`taala.workloads`); None:
    the default counter. `target`: servers the user runs (`taala.target`) instead of local ones."""
    problems = unsupported(faults, adapter_cls) + target_problems(adapter_cls, faults, target)
    if adapter_cls.modes and workload is not None:
        problems.append(f"{adapter_cls.name} has acquire modes; a workload takes plain locks")
    if problems:
        raise ValueError("; ".join(problems))
    clients = max(clients, adapter_cls.clients)  # a semaphore of N permits needs N + 1 to be exceeded
    started = time.monotonic()
    ttl = campaign_ttl(adapter_cls, faults, ttl)
    shrink_deadline: list[float] = []
    shrink_budget = shrink_budget if shrink_budget is not None else max(30.0, budget)
    examples = 0
    interrupted = False
    violating: dict[str, tuple[Run, Verdict]] = {}
    notify = progress or (lambda event: None)
    tally = _Tally()
    client_log = _client_log(store, adapter_cls.name)

    with Environment(adapter_cls, client_log=client_log, network=networked(faults), workload=workload,
                     target=target) as env:
        search_deadline = time.monotonic() + budget  # the servers' start-up is not search time
        strategy = schedules(faults, clients=clients, nodes=max(1, adapter_cls.nodes), max_steps=max_steps,
                             timing=adapter_cls.timing, fenced=adapter_cls.fenced or workload is not None,
                             modes=adapter_cls.modes)

        verdicts: dict[str, bool] = {}

        def condition(schedule: list) -> bool:
            # Each distinct schedule runs once: Hypothesis replays its final example, and a
            # real server may not repeat itself; the first verdict stands (replay measures
            # how reliably it recurs).
            key = json.dumps(schedule)
            if key not in verdicts:
                verdicts[key] = _condition(schedule)
            return verdicts[key]

        def _recurs(schedule: list) -> bool:
            """Run a first-found violation once more: only one that recurs is worth shrinking
            (every smaller candidate is run once, so a fluke shrinks to nothing). One that does
            not is kept, and reported if the search finds nothing better."""
            nonlocal examples
            examples += 1
            again = run(env, schedule, ttl=ttl, clients=clients)
            tally.add(again)
            return judge(again.history, fenced=adapter_cls.fenced, workload=workload, model=adapter_cls.model).violation

        def _condition(schedule: list) -> bool:
            nonlocal examples
            now = time.monotonic()
            if not shrink_deadline and now > search_deadline:
                raise _OutOfBudget
            if shrink_deadline and now > shrink_deadline[0]:
                return False  # out of shrinking time: keep the smallest found so far
            examples += 1
            result = run(env, schedule, ttl=ttl, clients=clients)
            tally.add(result)
            verdict = judge(result.history, fenced=adapter_cls.fenced, workload=workload, model=adapter_cls.model)
            if currently_in_test_context():  # not during the probes, which run before `find`
                steer(float(result.max_holders), label="clients believing they hold the lock")
            if verdict.violation:
                violating[json.dumps(schedule)] = (result, verdict)
                if not shrink_deadline and not _recurs(schedule):
                    return False  # a fluke to shrink would waste the shrink budget: search on
                if not shrink_deadline:
                    shrink_deadline.append(time.monotonic() + shrink_budget)
                if small_enough(result.acted_schedule):
                    shrink_deadline[0] = time.monotonic()  # (an exception would be shrunk too)
            notify({"examples": examples, "elapsed_s": time.monotonic() - started,
                    "phase": "shrinking" if shrink_deadline else "searching",
                    "smallest": min((len(json.loads(k)) for k in violating), default=None)})
            return verdict.violation

        def search() -> list:
            for canonical in _probes(adapter_cls, faults, workload, clients) if probe else []:  # the usual shapes first
                if condition(canonical):
                    return canonical
            return find(
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

        try:
            minimal = search()
        except NoSuchExample:  # every schedule tried (a tiny space): the smallest fluke, if any
            minimal = _smallest(violating)
        except BaseException as e:  # the budget ran out (Hypothesis may wrap it in a group)
            interrupted = _interrupted(e)
            if not (interrupted or _budget_ran_out(e)):
                adapter_error = _adapter_error(e)  # Hypothesis wraps it (FlakyFailure) when it
                if adapter_error is not None:      # failed in one run only: still bad input
                    raise adapter_error from None
                raise
            minimal = _smallest(violating)
        campaign = Campaign(adapter_cls.name, list(faults), minimal is not None, examples, 0.0, clients, ttl)
        campaign.workload = workload.name if workload is not None else DEFAULT_WORKLOAD
        campaign.target = target.path if target is not None else None
        # an adapter declares its verdicts for the counter; a workload's are the caller's
        campaign.expected = expectation(adapter_cls, faults) if workload is None else None
        campaign.interrupted = interrupted
        if minimal is not None:
            campaign.outcome = VIOLATION
            campaign.schedule = [list(step) for step in minimal]
            campaign.run, campaign.verdict = violating[json.dumps(minimal)]
            if not interrupted:  # Ctrl-C: keep what was found, as found
                _minimise(env, campaign, tally)
                if not campaign.interrupted:
                    _demonstrate_damage(env, campaign)
            if store is not None:
                campaign.reproducer = save_reproducer(campaign, store=store, client_log=client_log)
        else:
            campaign.reasons = tally.inconclusive(faults)
            campaign.outcome = INCONCLUSIVE if campaign.reasons else NONE_FOUND
    campaign.ops = tally.ops
    campaign.probed, campaign.leaked = tally.probed, sorted(tally.leaked, key=len)
    campaign.doubled = tally.doubled
    campaign.elapsed_s = time.monotonic() - started
    return campaign


def target_problems(adapter_cls: type[Adapter], faults: list[str], target: Target | None) -> list[str]:
    """Why `adapter_cls` cannot be vetted under `faults` on `target` (empty: it can)."""
    if target is None:
        return []
    if target.backend != adapter_cls.backend:
        return [f"{target.path} is a {target.backend} target; {adapter_cls.name} uses {adapter_cls.backend}"]
    if len(target.nodes) != max(1, adapter_cls.nodes):
        return [f"{adapter_cls.name} needs {max(1, adapter_cls.nodes)} node(s); {target.path} names {len(target.nodes)}"]
    return target.unsupported(faults)


def _probes(adapter_cls: type[Adapter], faults: list[str], workload: Workload | None,
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


def _smallest(violating: dict[str, tuple[Run, Verdict]]) -> list | None:
    return min((json.loads(k) for k in violating), default=None,
               key=lambda k: (len(violating[json.dumps(k)][0].acted_schedule), len(k)))


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


class _Tally:
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
        def count(status: str | None = None) -> int:  # acquires in every mode (`acquire-read ok`)
            return sum(n for k, n in self.ops.items() if k.split(" ")[0].partition("-")[0] == "acquire"
                       and (status is None or k.endswith(" " + status)))

        acquires, unknown, granted = count(), count("info"), count("ok")
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


def _client_log(store: str | Path | None, name: str) -> str | None:
    if store is None:
        return None
    folder = Path(store) / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "clients.log"
    path.write_text("")  # one campaign's client output at a time
    return str(path)


def _minimise(env: Environment, campaign: Campaign, tally: _Tally) -> None:
    """`taala.minimise`'s passes, each candidate run against the campaign's servers."""
    assert campaign.run is not None and campaign.schedule is not None

    def attempt(trial: list) -> tuple[Run, Verdict] | None:
        result = run(env, trial, ttl=campaign.ttl, clients=campaign.clients)
        tally.add(result)
        verdict = judge(result.history, fenced=env.adapter_cls.fenced, workload=env.workload, model=env.adapter_cls.model)
        return (result, verdict) if verdict.violation else None

    minimiser = Minimiser(campaign.schedule, (campaign.run, campaign.verdict), attempt)
    try:
        minimiser.run(campaign.run.acted_schedule, campaign.clients, durations(env.adapter_cls.timing),
                      env.adapter_cls.modes)
    except KeyboardInterrupt:  # Ctrl-C: keep the smallest adopted so far
        campaign.interrupted = True
    campaign.schedule, (campaign.run, campaign.verdict) = minimiser.schedule, minimiser.evidence


def with_writes(schedule: list, clients: int = DEFAULT_CLIENTS, modes: tuple[str, ...] = ()) -> list:
    """The schedule with every holder doing its read-modify-write: a client reads before its
    next own step after acquiring (so acquires in flight together stay together), and at the
    end the clients write back, latest acquirer first, so a stale holder's write lands last,
    the way a paused client's write does. Only the exclusive (first) of `modes` writes: a
    reader's hold is shared by design."""
    out, order, unread = [], [], []
    for step in schedule:
        own = step[1] if len(step) > 1 and (step[0] in CLIENT_STEPS or (
            step[0] in REGISTRY and REGISTRY[step[0]].target == "client")) else None
        if own in unread:
            unread.remove(own)
            out.append(["read", own])
        out.append(list(step))
        takers = [step[1]] if step[0] == "acquire" else [step[1], (step[1] + 1) % clients] if step[0] == "race" else []
        if step[0] == "acquire" and len(step) > 2 and step[2] != modes[0]:
            takers = []  # a reader
        for c in dict.fromkeys(takers):
            if c in unread:
                continue
            unread.append(c)
            order.append(c)
    out += [["read", c] for c in unread]
    return out + [["write", c] for c in reversed(list(dict.fromkeys(order)))]


def _demonstrate_damage(env: Environment, campaign: Campaign) -> None:
    """Show what two holders cost: run the minimal schedule once more with writes added.

    The shrunk schedule is minimal for "two clients believed they held the lock"; whether
    that loses data depends on what they do inside. This single extra run answers it."""
    if campaign.verdict is None or campaign.verdict.damage is not None or env.workload is not None:
        return  # (a workload's verdict is its damage already)
    lock = campaign.verdict.lock.model.lock
    if lock is not None and lock.capacity > 1:
        return  # a semaphore's holders share by design: one counter cannot show what a third one costs
    schedule = with_writes(campaign.schedule or [], campaign.clients, env.adapter_cls.modes)
    result = run(env, schedule, ttl=campaign.ttl, clients=campaign.clients)
    verdict = judge(result.history, fenced=env.adapter_cls.fenced, model=env.adapter_cls.model)
    if verdict.damage is not None:
        campaign.damage_schedule, campaign.damage_verdict, campaign.damage_run = schedule, verdict, result


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
    if isinstance(e, _OutOfBudget):
        return True
    if isinstance(e, BaseExceptionGroup):
        return all(_budget_ran_out(x) for x in e.exceptions)
    return False


def save_reproducer(campaign: Campaign, *, store: str | Path, client_log: str | None = None) -> str:
    """Write the run's store directory; return the reproducer's path."""
    assert campaign.run is not None and campaign.verdict is not None and campaign.schedule is not None
    ttl, clients = campaign.ttl, campaign.clients
    run_dir = Store(store).new_run(campaign.adapter)
    if client_log:
        run_dir.copy_logs([client_log])
    run_dir.write_history(campaign.run.history)
    run_dir.write_json("results.json", campaign.verdict.to_dict())
    reproducer = {
        "taala_reproducer": REPRODUCER_VERSION,
        "adapter": campaign.adapter,
        "workload": campaign.workload,
        "target": campaign.target,
        "faults": campaign.faults,
        "ttl": ttl,
        "clients": clients,
        "schedule": campaign.schedule,
        "steps": campaign.steps(),
        "explanation": campaign.verdict.counterexample.explanation if campaign.verdict.counterexample else None,
        "damage": campaign.to_dict()["damage"],
        "damage_schedule": campaign.damage_schedule,
        "history": campaign.run.history.to_dicts(),
    }
    path = run_dir.write_json("reproducer.json", reproducer)
    if campaign.damage_run is not None and campaign.damage_verdict is not None:
        try:  # the damage run's own page: the lost update highlighted on the resource's lane
            from taala.formats import jsonl
            from taala.report import write_report

            jsonl.write(campaign.damage_run.history, run_dir.path / "damage-history.jsonl")
            write_report(part(campaign.damage_run.history, RESOURCE_FS), campaign.damage_verdict.resource,
                         run_dir.path / "damage.html")
        except Exception as e:
            campaign.notes.append(f"damage report not written: {e}")
    try:
        lock_view = not campaign.verdict.fenced  # a fenced lock is judged by its resource
        if campaign.verdict.workload and campaign.verdict.deadlock is None:
            # the invariant broke: draw every op (each lock key's holds, and the business ops)
            run_dir.write_report(campaign.run.history, campaign.verdict.resource, campaign.verdict.lock.model.lock)
        else:
            shown = part(campaign.run.history, LOCK_FS if lock_view else RESOURCE_FS)
            run_dir.write_report(shown, campaign.verdict.lock if lock_view else campaign.verdict.resource)
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
    """Read and check a reproducer file; ValueError with the reason when it is not usable."""
    try:
        data = json.loads(Path(path).read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"line {e.lineno}: not JSON ({e.msg})") from None
    if not isinstance(data, dict) or "taala_reproducer" not in data:
        raise ValueError("not a taala reproducer file (no taala_reproducer field)")
    if data["taala_reproducer"] != REPRODUCER_VERSION:
        raise ValueError(f"reproducer format {data['taala_reproducer']!r}; this taala reads format "
                         f"{REPRODUCER_VERSION} (re-run `taala vet` to make a new one)")
    for key in ("adapter", "schedule", "ttl", "clients"):
        if key not in data:
            raise ValueError(f"reproducer has no {key!r}")
    try:
        get_workload(data.get("workload", DEFAULT_WORKLOAD))
    except KeyError as e:
        raise ValueError(e.args[0]) from None
    ttl, clients = data["ttl"], data["clients"]
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not 0 < ttl <= 600:
        raise ValueError(f"ttl must be a number of seconds in (0, 600], got {ttl!r}")
    if isinstance(clients, bool) or not isinstance(clients, int) or not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"clients must be an integer in 1..{MAX_CLIENTS}, got {clients!r}")
    return data


def reproducer_problems(adapter_cls: type[Adapter], data: dict[str, Any]) -> list[str]:
    """What makes a loaded reproducer unrunnable with this adapter (empty when fine)."""
    problems = validate(data["schedule"], clients=data["clients"], nodes=max(1, adapter_cls.nodes),
                        modes=adapter_cls.modes)
    if problems:
        return problems
    return unsupported(sorted({s[0] for s in data["schedule"]}), adapter_cls)


def replay(adapter_cls: type[Adapter], reproducer: dict[str, Any], *, runs: int = 10,
           progress: Progress | None = None) -> Replay:
    """Re-execute a reproducer's schedule `runs` times on fresh servers; count violations."""
    started = time.monotonic()
    verdicts = []
    workload = get_workload(reproducer.get("workload", DEFAULT_WORKLOAD))
    target = load_target(reproducer["target"]) if reproducer.get("target") else None
    with Environment(adapter_cls, network=networked([s[0] for s in reproducer["schedule"]]), workload=workload,
                     target=target) as env:
        for n in range(runs):
            result = run(env, reproducer["schedule"], ttl=reproducer["ttl"], clients=reproducer["clients"])
            verdicts.append(judge(result.history, fenced=adapter_cls.fenced, workload=workload, model=adapter_cls.model).violation)
            if progress:
                progress({"run": n + 1, "runs": runs, "reproduced": sum(verdicts)})
    return Replay(adapter_cls.name, runs, sum(verdicts), time.monotonic() - started, verdicts)
