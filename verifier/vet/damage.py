"""What two holders cost: the minimal schedule run once more with the holders' writes.

The shrunk schedule is minimal for "two clients believed they held the lock"; whether
that loses data depends on what they do inside. One extra run, with every holder doing
its read-modify-write of the resource, answers it.
"""

from __future__ import annotations

from taala.checker.judge import Verdict
from taala.faults import REGISTRY
from taala.runner import Run
from taala.schedule import CLIENT_STEPS
from taala.vet.trial import Trial

DEFAULT_CLIENTS = 2


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


def demonstrate_damage(trial: Trial, schedule: list, verdict: Verdict) -> tuple[list, Verdict, Run] | None:
    """Run `schedule` with writes added; (that schedule, its verdict, its run) when it lost
    data, None when it did not or when there is nothing to show: the verdict already shows
    damage, the clients ran a workload (its verdict is its damage), or the lock is a
    semaphore (its holders share by design: one counter cannot show what a third costs)."""
    if verdict.damage is not None or trial.env.workload is not None:
        return None
    lock = verdict.lock.model.lock
    if lock is not None and lock.capacity > 1:
        return None
    written = with_writes(schedule, trial.clients, trial.env.adapter_cls.modes)
    result, shown = trial(written, counted=False)
    return (written, shown, result) if shown.damage is not None else None
