"""`taala vet`: search for a fault schedule that breaks a lock, shrink it, save a reproducer.

`taala replay` (`taala.cli.replay`) re-runs what this saves; `taala adapters`
(`taala.cli.adapters`) lists what it can vet.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.text import Text
from taala.adapter import Adapter
from taala.cli.app import app
from taala.cli.vetting import (EXIT_INCONCLUSIVE, EXIT_INTERRUPTED, EXIT_SAFE, EXIT_VIOLATION, fail, load_adapter,
                               progress_bar, quiet, with_workload)
from taala.runner.client import AdapterError
from taala.faults import FAULTS, unsupported
from taala.formats.jsonl import to_json_bytes
from taala.schedule import counts
from taala.servers import ServerError

MAX_CLIENTS = 4  # = taala.vet.MAX_CLIENTS (not imported here: it pulls in Hypothesis)


@app.command()
def vet(
    adapter: str = typer.Argument(..., help="Adapter to vet (see `taala adapters`)."),
    faults: Optional[str] = typer.Option(
        None, "--faults", help="Comma-separated faults to inject: " + ", ".join(FAULTS) + ". Default: every fault the adapter declares."
    ),
    budget: float = typer.Option(60.0, "--budget", min=1.0, help="Seconds to search for a violation (shrinking gets as long again, at least 30 s)."),
    ttl: float = typer.Option(0.25, "--ttl", min=0.05, max=600, help="Lease length in seconds; pauses and waits are drawn around the adapter's durations in leases. Under `none` alone the lease is at least 10 s."),
    clients: int = typer.Option(2, "--clients", min=1, max=MAX_CLIENTS, help="Number of lock clients (separate processes)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Random seed for the schedule search."),
    store: Path = typer.Option(Path("store"), "--store", help="Where run directories and reproducers go."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object instead of text."),
    workload: str = typer.Option("counter", "--workload", help="What the clients do while they hold the lock: "
                                 "`counter` (one lock, one counter), or one of the talk's business workloads "
                                 "(docs/talk.md; see `taala workloads`)."),
    target: Optional[Path] = typer.Option(None, "--target", help="A TOML file naming servers you already run (each "
                                          "node's address, and `docker:CONTAINER` or `none` for how to inject node "
                                          "faults) to vet against instead of starting local ones; see docs/scaling.md."),
    hunt: Optional[float] = typer.Option(None, "--hunt", min=0.0, help="After a violation that is not shown to be a "
                                         "bug (past the lease, a lost state), seconds to hunt for one that is (granted "
                                         "inside a valid lease, a foreign release), after its probes; a leak hunt (never "
                                         "granted again after the faults healed) runs its probes too. Default: as long "
                                         "as the first find took, at least 3 s; 0: no hunts."),
) -> None:
    """Search for a fault schedule that breaks a lock, shrink it, and save a reproducer.

    Starts the adapter's real servers on free loopback ports, drives lock clients through
    Hypothesis-generated schedules of operations and faults, and checks every history.
    Exit status: 0 no violation found in the budget, 1 violation found, 2 bad input,
    3 inconclusive (the campaign could not test what it claims: it says why), 130 interrupted.

    Examples:

      taala vet seed-redis --faults pause

      taala vet seed-redlock --faults clock,kill --budget 120 --json

      taala vet seed-redis --workload double-debit --faults none
    """
    cls = load_adapter(adapter)
    chosen = _chosen_faults(cls, faults)
    chosen_target, chosen_workload = _campaign_inputs(cls, chosen, target, workload)
    campaign = _run_campaign(adapter, cls, chosen, json_out, budget=budget, ttl=ttl, clients=clients, seed=seed,
                             store=store, workload=chosen_workload, target=chosen_target, hunt=hunt)
    if json_out:
        sys.stdout.buffer.write(to_json_bytes(campaign.to_dict()) + b"\n")
    else:
        _render_campaign(Console(highlight=False, soft_wrap=True), campaign)
    raise typer.Exit(_exit_status(campaign))


def _chosen_faults(cls: type[Adapter], faults: str | None) -> list[str]:
    """`--faults` as a list (default: every fault the adapter declares), or a one-line exit."""
    chosen = [f.strip() for f in faults.split(",") if f.strip()] if faults else cls.faults() or ["none"]
    unknown = [f for f in chosen if f not in FAULTS]
    if unknown:
        fail(f"unknown fault(s) {', '.join(unknown)}; choose from {', '.join(FAULTS)}")
    if unsupported(chosen, cls):
        fail("; ".join(unsupported(chosen, cls)))
    return chosen


def _campaign_inputs(cls: type[Adapter], chosen: list[str], target: Path | None, workload: str) -> tuple[Any, Any]:
    """The target file and the workload, read and checked against the adapter, or a one-line exit."""
    from taala.target import TargetError
    from taala.target import load as load_target
    from taala.workloads import get as get_workload

    try:
        chosen_target = load_target(target) if target is not None else None
    except TargetError as e:
        fail(str(e))
    try:
        chosen_workload = get_workload(workload)
    except KeyError as e:
        fail(e.args[0])
    from taala.vet import target_problems  # imported late: pulls in Hypothesis

    if target_problems(cls, chosen, chosen_target):
        fail("; ".join(target_problems(cls, chosen, chosen_target)))
    return chosen_target, chosen_workload


def _run_campaign(adapter: str, cls: type[Adapter], chosen: list[str], json_out: bool, **options: Any) -> Any:
    """Run `taala.vet.vet` with a progress bar on a terminal; its errors as one-line exits."""
    from taala.target import TargetError
    from taala.vet import vet as run_vet

    bar = progress_bar(quiet(json_out))
    try:
        if bar is None:
            return run_vet(cls, chosen, **options)
        with bar:
            task = bar.add_task(f"vetting {adapter} under {', '.join(chosen)}", total=None)
            return run_vet(cls, chosen, progress=lambda event: _show(bar, task, event), **options)
    except ServerError as e:
        fail(str(e).splitlines()[0] if not os.environ.get("TAALA_DEBUG") else str(e))
    except AdapterError as e:
        fail(f"adapter {adapter!r} could not be set up: {e}")
    except TargetError as e:
        fail(str(e))
    except KeyboardInterrupt:
        Console(stderr=True).print("taala: interrupted; servers and clients stopped (no violation seen before that)")
        raise typer.Exit(EXIT_INTERRUPTED)


def _show(bar: Any, task: Any, event: dict) -> None:
    smallest = event.get("smallest")
    what = f"{event['phase']}: {event['examples']} schedules tried"
    if smallest:
        what += f", smallest violation so far {smallest} steps"
    bar.update(task, description=what)


def _exit_status(campaign) -> int:
    if campaign.interrupted:
        return EXIT_INTERRUPTED
    if campaign.violation:
        return EXIT_VIOLATION
    return EXIT_INCONCLUSIVE if campaign.outcome == "inconclusive" else EXIT_SAFE


def _expectation_line(campaign) -> Text | None:
    if campaign.expected is None:
        return None
    if campaign.matched is None:
        why = "interrupted" if campaign.interrupted else "inconclusive"
        return Text(f"declared {campaign.expected} under {', '.join(campaign.faults)}: not tested ({why})")
    verdict = ("as declared", "green") if campaign.matched else ("NOT as declared", "bold red")
    classes = f" ({', '.join(campaign.expected_classes)})" if campaign.expected_classes else ""
    bug = " (a bug class it does not declare)" if campaign.undeclared_bug else ""
    return Text.assemble(f"declared {campaign.expected} under {', '.join(campaign.faults)}{classes}: ", verdict, bug)


def _counter_lines(out: Console, campaign: Any) -> None:
    """The default counter's verdict: the two holders, then the damage they did to it."""
    verdict = campaign.verdict
    lock = verdict.lock.model.lock
    shared = lock is not None and lock.capacity > 1  # a semaphore: its permits ran out
    if verdict.counterexample is not None:
        label = "too many holders: " if shared else "two holders: "
        out.print(Text(label, style="bold") + Text(verdict.counterexample.explanation))
    if verdict.classification is not None:
        out.print(_class_line(verdict.classification))
    if verdict.damage is not None:
        out.print(Text("damage: ", style="bold") + Text(verdict.damage.explanation))
    elif campaign.damage_verdict is not None:
        out.print(Text("damage: ", style="bold") + Text(
            "with both holders doing their read-modify-write (reads after acquiring, writes at the end), "
            + campaign.damage_verdict.damage.explanation))
    elif shared:
        out.print(Text("damage: not demonstrated (a semaphore's holders share what it protects by design)"))
    elif not verdict.fenced:
        out.print(Text("damage: none recorded (the holders' writes did not collide when replayed)"))


# What each class means for the lock, after its headline.
_CLASS_WORDS = {
    "past-lease": ("past the lease", "yellow", "the lease's known weakness: a fencing token fixes it"),
    "state-lost": ("state lost", "yellow", "explained by a fault that loses server state, time or the session"),
    "foreign-release": ("BUG: foreign release", "bold red", "a release removed a lock that was not its own"),
    "bug": ("BUG: within the lease", "bold red", "granted while the first lease was certainly valid"),
    "undetermined": ("undetermined", "yellow", "neither the lease's weakness nor a bug can be shown with room to spare"),
    "leaked": ("LEAKED", "bold red", "every later acquire refused: the lock is lost until someone clears it"),
}


def _class_line(classification: Any) -> Text:
    """The class of the two holders (`taala.checker.lease`): the headline, then what it means."""
    label, style, meaning = _CLASS_WORDS[classification.kind]
    return Text.assemble(("class: ", "bold"), (label, style), f": {classification.headline()} ({meaning})")


_LOCK_LABELS = {"overlap": "two holders", "deadlock": "deadlock", "fencing": "stale token",
                "linearizability": "lock not linearizable"}


def _workload_lines(out: Console, campaign: Any) -> None:
    """A workload's verdict: what the locks did (when that broke), then every invariant broken."""
    verdict = campaign.verdict
    lock = verdict.lock.counterexample
    if verdict.deadlock is not None:
        out.print(Text(verdict.deadlock.counterexample.explanation, style="bold"))
    elif lock is not None and not verdict.fenced:
        kept = "" if verdict.resource.valid is False or verdict.deadlock else " (and yet the invariants held)"
        out.print(Text(f"{_LOCK_LABELS.get(lock.check, lock.check)}: ", style="bold") + Text(lock.explanation + kept))
    broken = verdict.resource.checks["invariant"].details.get("broken", [])
    for b in broken:
        out.print(Text("invariant broken: ", style="bold") + Text(f"{b['invariant']}: {b['sentence']}"))
    if not broken and verdict.resource.valid is not False:
        out.print(Text(f"invariants of {campaign.workload}: kept"))


def _liveness_line(campaign) -> Text | None:
    if not campaign.leaked:
        return None
    steps = "; ".join(campaign.steps(campaign.leaked[0]) or [])
    return Text.assemble(("LIVENESS", "bold red"), f": after the faults healed and every holder released, the lock was "
                         f"not granted again in time after {len(campaign.leaked)} of {campaign.probed} runs, e.g. after: {steps}")


def _render_campaign(out: Console, campaign) -> None:
    _verdict_lines(out, campaign)
    for found in (campaign.hunt, campaign.leak):
        if found is not None:
            _hunt_lines(out, found)
    for note in campaign.notes:
        out.print(Text(f"note: {note}", style="yellow"))


_HUNTED = {"bug": ("a bug behind it (a grant inside a valid lease, a foreign release)", "BUG FOUND behind it"),
           "leaked": ("a leak (after the faults healed and every holder released, never granted again)", "LEAK FOUND")}


def _hunt_lines(out: Console, hunt: Any) -> None:
    """What a hunt behind the first search found (`taala.vet.hunt`)."""
    looked = f"{hunt.examples} schedules in {hunt.elapsed_s:.1f} s"
    sought, found = _HUNTED[hunt.looked_for]
    if not hunt.violation:
        out.print(Text(f"hunted for {sought}: none found in {looked}"))
        return
    out.print(Text.assemble((found, "bold red"), f" ({looked}); minimal schedule:"))
    for n, line in enumerate(hunt.steps() or [], start=1):
        out.print(Text(f"  {n}. {line}"))
    if hunt.looked_for == "leaked":
        out.print(_leak_class_line(hunt))
    elif hunt.classification is not None:
        out.print(_class_line(hunt.classification))
    if hunt.recurrence:
        out.print(_recurrence_line(hunt.recurrence))
    if hunt.reproducer:
        out.print(Text(f"reproducer: {hunt.reproducer}   (re-run it: taala replay {hunt.reproducer})"))


def _leak_class_line(hunt: Any) -> Text:
    label, style, meaning = _CLASS_WORDS["leaked"]
    return Text.assemble(("class: ", "bold"), (label, style),
                         ": after the faults healed and every holder released, a fresh client was not granted "
                         f"the lock within the adapter's liveness promise ({meaning})")


def _recurrence_line(recurrence: tuple[int, int]) -> Text:
    """How often the minimal schedule recurred as the minimiser settled on it."""
    from taala.vet.minimise import reliable

    hits, runs = recurrence
    word = "reliably" if reliable(hits, runs) else "NOT reliably: replay it more than once"
    return Text(f"recurs: {hits} of {runs} runs of the minimal schedule ({word}; `taala replay` measures more)")


def _verdict_lines(out: Console, campaign) -> None:
    head = (f"{campaign.adapter}{with_workload({'workload': campaign.workload})} under {', '.join(campaign.faults)}: "
            f"{campaign.examples} schedules "
            f"in {campaign.elapsed_s:.1f} s, lease {campaign.ttl:g} s")
    if campaign.interrupted:
        head += "; INTERRUPTED: what was found so far, not shrunk"
    ops = ", ".join(f"{k} {n}" for k, n in sorted(campaign.ops.items()))
    expected = _expectation_line(campaign)
    if not campaign.violation:
        if campaign.outcome == "inconclusive":
            out.print(Text.assemble(("INCONCLUSIVE", "bold yellow"), f"  ({head})"))
            for reason in campaign.reasons:
                out.print(Text(f"  why: {reason}"))
        else:
            out.print(Text.assemble(("no violation found", "bold green"), f"  ({head})"))
            if campaign.workload != "counter" and campaign.doubled:
                out.print(Text(f"the lock let two clients in at once in {campaign.doubled} run(s); "
                               f"the invariants of {campaign.workload} held every time"))
        out.print(Text(f"ops by outcome: {ops or 'none'}"))
        if expected is not None:
            out.print(expected)
        if _liveness_line(campaign) is not None:
            out.print(_liveness_line(campaign))
        return
    out.print(Text.assemble(("VIOLATION", "bold red"), f"  ({head})"))
    if expected is not None:
        out.print(expected)
    size = counts(campaign.schedule, campaign.clients)
    out.print(f"minimal schedule ({size['clients']} client(s), {size['operations']} operation(s), "
              f"{size['faults']} fault(s), {size['waits']} wait(s)); steps are dispatched in order and may overlap:")
    for n, line in enumerate(campaign.steps() or [], start=1):
        out.print(Text(f"  {n}. {line}"))
    if campaign.workload != "counter":
        _workload_lines(out, campaign)
    else:
        _counter_lines(out, campaign)
    out.print(Text(f"ops by outcome (all runs): {ops or 'none'}"))
    if _liveness_line(campaign) is not None:
        out.print(_liveness_line(campaign))
    if campaign.recurrence:
        out.print(_recurrence_line(campaign.recurrence))
    if campaign.reproducer:
        out.print(Text(f"reproducer: {campaign.reproducer}   (re-run it: taala replay {campaign.reproducer})"))
        report = Path(campaign.reproducer).with_name("report.html")
        if report.exists():
            out.print(Text(f"report: {report}"))
        damage_page = report.with_name("damage.html")
        if damage_page.exists():
            out.print(Text(f"damage report (the minimal schedule with the holders' writes): {damage_page}"))
