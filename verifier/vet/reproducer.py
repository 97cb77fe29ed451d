"""The reproducer: a found violation saved, loaded, checked and replayed.

A campaign that finds a violation writes a run directory (`taala.store`): the violating
history, the checker's results, the report, and `reproducer.json`, which holds everything
`taala replay` needs to run the minimal schedule again (adapter, workload, target, lease,
clients, schedule). Replaying measures how reliably it recurs: real servers are not
perfectly deterministic, and a reproducer is only as good as its recurrence rate.

A reproducer is shared between teams and attached to bug reports, so loading one never
runs code: it names a registered adapter, and whoever replays it resolves that name.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taala.adapter import Adapter
from taala.checker.judge import LOCK_FS, RESOURCE_FS, part
from taala.checker.lease import LEAKED
from taala.faults import networked, unsupported
from taala.runner import Environment
from taala.schedule import validate
from taala.store import RunDir, Store
from taala.target import load as load_target
from taala.vet.campaign import Campaign
from taala.vet.search import Progress, leaked
from taala.vet.trial import Trial
from taala.workloads import DEFAULT as DEFAULT_WORKLOAD
from taala.workloads import get as get_workload

REPRODUCER_VERSION = 2  # 2: steps are dispatched concurrently and carry durations in leases
MAX_CLIENTS = 4


def save_reproducer(campaign: Campaign, *, store: str | Path, client_log: str | None = None) -> str:
    """Write the run's store directory; return the reproducer's path."""
    assert campaign.run is not None and campaign.verdict is not None and campaign.schedule is not None
    run_dir = Store(store).new_run(campaign.adapter)
    if client_log:
        run_dir.copy_logs([client_log])
    run_dir.write_history(campaign.run.history)
    run_dir.write_json("results.json", campaign.verdict.to_dict())
    path = run_dir.write_json("reproducer.json", _reproducer(campaign))
    _write_damage_report(campaign, run_dir)
    _write_report(campaign, run_dir)
    return str(path)


def _reproducer(campaign: Campaign) -> dict[str, Any]:
    assert campaign.run is not None and campaign.verdict is not None
    counterexample = campaign.verdict.counterexample
    return {
        "taala_reproducer": REPRODUCER_VERSION,
        "adapter": campaign.adapter,
        "workload": campaign.workload,
        "target": campaign.target,
        "faults": campaign.faults,
        "ttl": campaign.ttl,
        "clients": campaign.clients,
        "schedule": campaign.schedule,
        "steps": campaign.steps(),
        "explanation": counterexample.explanation if counterexample else None,
        "class": campaign.found_class,
        "damage": campaign.to_dict()["damage"],
        "damage_schedule": campaign.damage_schedule,
        "history": campaign.run.history.to_dicts(),
    }


def _write_damage_report(campaign: Campaign, run_dir: RunDir) -> None:
    """The damage run's own page: the lost update highlighted on the resource's lane."""
    if campaign.damage_run is None or campaign.damage_verdict is None:
        return
    try:
        from taala.formats import jsonl  # the report's templates only when there is one to write
        from taala.report import write_report

        jsonl.write(campaign.damage_run.history, run_dir.path / "damage-history.jsonl")
        write_report(part(campaign.damage_run.history, RESOURCE_FS), campaign.damage_verdict.resource,
                     run_dir.path / "damage.html")
    except Exception as e:
        campaign.notes.append(f"damage report not written: {e}")


def _write_report(campaign: Campaign, run_dir: RunDir) -> None:
    assert campaign.run is not None and campaign.verdict is not None
    verdict = campaign.verdict
    try:
        lock_view = not verdict.fenced  # a fenced lock is judged by its resource
        c = verdict.classification  # its lease marks each hold's lease end; its sentence heads the page
        lease = {} if c is None else {"lease": c.terms, "classification": c}
        if verdict.workload and verdict.deadlock is None:
            # the invariant broke: draw every op (each lock key's holds, and the business ops)
            run_dir.write_report(campaign.run.history, verdict.resource, verdict.lock.model.lock, **lease)
        else:
            shown = part(campaign.run.history, LOCK_FS if lock_view else RESOURCE_FS)
            run_dir.write_report(shown, verdict.lock if lock_view else verdict.resource, **lease)
    except Exception as e:  # the reproducer matters more than its picture
        campaign.notes.append(f"report not written: {e}")


def load_reproducer(path: str | Path) -> dict[str, Any]:
    """Read and check a reproducer file; ValueError with the reason when it is not usable.
    Nothing it names is imported: its adapter is a name for the caller to resolve."""
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


@dataclass
class Replay:
    adapter: str
    runs: int
    reproduced: int
    elapsed_s: float
    verdicts: list[bool]
    classes: list[str | None] = field(default_factory=list)  # per run: its violation's class, if classified
    expected_class: str | None = None  # the class the reproducer was saved with

    @property
    def same_class(self) -> int | None:
        """Runs that reproduced the violation in the class it was saved with (None: unclassified)."""
        if self.expected_class is None:
            return None
        return sum(1 for v, c in zip(self.verdicts, self.classes) if v and c == self.expected_class)

    def to_dict(self) -> dict[str, Any]:
        return {"adapter": self.adapter, "runs": self.runs, "reproduced": self.reproduced,
                "elapsed_s": round(self.elapsed_s, 3), "class": self.expected_class,
                "same_class": self.same_class}


def replay(adapter_cls: type[Adapter], reproducer: dict[str, Any], *, runs: int = 10,
           progress: Progress | None = None) -> Replay:
    """Re-execute a reproducer's schedule `runs` times on fresh servers; count violations (for a
    leak's reproducer, runs after which the lock was never granted again)."""
    started = time.monotonic()
    verdicts, classes = [], []
    workload = get_workload(reproducer.get("workload", DEFAULT_WORKLOAD))
    target = load_target(reproducer["target"]) if reproducer.get("target") else None
    with Environment(adapter_cls, network=networked([s[0] for s in reproducer["schedule"]]), workload=workload,
                     target=target) as env:
        trial = Trial(env, reproducer["ttl"], reproducer["clients"])
        for n in range(runs):
            result, verdict = trial(reproducer["schedule"])
            if reproducer.get("class") == LEAKED:  # a leak's reproducer: does the leak recur?
                verdicts.append(leaked(result, verdict))
                classes.append(LEAKED if verdicts[-1] else None)
            else:
                verdicts.append(verdict.violation)
                classes.append(verdict.classification.kind if verdict.classification else None)
            if progress:
                progress({"run": n + 1, "runs": runs, "reproduced": sum(verdicts)})
    return Replay(adapter_cls.name, runs, sum(verdicts), time.monotonic() - started, verdicts, classes,
                  reproducer.get("class"))
