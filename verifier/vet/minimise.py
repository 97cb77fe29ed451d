"""After Hypothesis: a few deterministic passes over the minimal violating schedule.

Hypothesis shrinks well when a candidate's verdict is a function of the candidate; against
real servers it is not quite (a candidate that would fail nine times in ten may pass the
one time it is tried), and on a busy machine each run takes longer, so the shrink budget
buys fewer runs. Both leave schedules such as `[kill 4, race 1, race 1, kill 0, acquire 0,
acquire 0, acquire 0]`. These passes then finish the job with a bounded number of runs
that does not depend on the machine's load (delta debugging's "1-minimal": no single step
can be removed):

1. keep only the steps that acted in the violating run;
2. turn a `race` into two acquires in turn (a race's winner is chance; a sequence replays);
3. delete single steps, last first, while the schedule still fails;
4. merge adjacent timed steps of the same kind and target (two half-lease pauses are one);
5. walk each duration down to the shortest drawn value that still fails: the boundary is
   the finding;
6. for a lock with acquire modes, write each acquire's mode only where it matters: an
   acquire in the default mode loses its tag, and one in another mode (a reader) becomes
   a plain acquire when the schedule still fails that way (two writers are the simpler
   finding; a violation that needs a reader keeps it).

Every pass adopts a candidate only if it violated when run once, so the result always
failed at least once as it stands; `taala replay` measures how reliably it recurs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from taala.schedule import MAX_LEASES, leases

Attempt = Callable[[list], Any]  # run a candidate once: its evidence (run, verdict) if it violated, else None

# A deletion that does not fail the first time gets one more run: against a real server a
# needed-for-nothing step is often the one whose run happened not to line up.
DELETE_TRIES = 2
# A shorter duration must fail twice in a row to be adopted: a boundary that fails one run
# in five makes a reproducer nobody can rely on.
SHORTEN_CONFIRMATIONS = 2
MAX_SWEEPS = 2  # single-step deletion sweeps: the second catches steps freed by the first

# A violating schedule needs no fewer acting steps than this: two acquires (not a race:
# whoever wins it is chance) and at most one fault. Shrinking further would only rename
# clients; what is left to minimise (its durations) `shorten_durations` does in a few runs.
SMALL_ENOUGH = 3


def small_enough(schedule: list) -> bool:
    steps = merged(schedule)
    return len(steps) <= SMALL_ENOUGH and not any(step[0] == "race" for step in steps)


class Minimiser:
    """Holds the smallest violating schedule so far and the evidence of its violating run."""

    def __init__(self, schedule: list, evidence: Any, attempt: Attempt) -> None:
        self.schedule, self.evidence, self._attempt = [list(s) for s in schedule], evidence, attempt

    def run(self, acted: list | None, clients: int, choices: list[float], modes: tuple[str, ...] = ()) -> None:
        """Every pass in order (see the module docstring); `modes`: the lock's acquire modes."""
        if acted and len(acted) < len(self.schedule):
            self.adopt_if_it_fails(acted)
        if not small_enough(self.schedule):
            self.calm_races(clients)
            self.delete_steps()
        trial = merged(self.schedule)
        if trial != self.schedule:
            self.adopt_if_it_fails(trial)
        self.shorten_durations(choices)
        if modes:
            self.plain_modes(modes[0])

    def adopt_if_it_fails(self, trial: list, tries: int = 1, confirmations: int = 1) -> bool:
        """Adopt `trial` once `confirmations` runs in a row violate; give up after `tries`
        runs that did not."""
        streak = misses = 0
        while misses < tries:
            evidence = self._attempt(trial)
            if evidence is None:
                streak, misses = 0, misses + 1
                continue
            streak += 1
            if streak == confirmations:
                self.schedule, self.evidence = [list(s) for s in trial], evidence
                return True
        return False

    def delete_steps(self) -> None:
        for _ in range(MAX_SWEEPS):
            removed = False
            for i in reversed(range(len(self.schedule))):
                if len(self.schedule) > 1 and i < len(self.schedule):
                    removed |= self.adopt_if_it_fails(self.schedule[:i] + self.schedule[i + 1:], tries=DELETE_TRIES)
            if not removed:
                return

    def calm_races(self, clients: int) -> None:
        i = 0
        while i < len(self.schedule):
            step = self.schedule[i]
            if step[0] == "race":
                both = [["acquire", step[1]], ["acquire", (step[1] + 1) % clients]]
                i += self.adopt_if_it_fails(self.schedule[:i] + both + self.schedule[i + 1:])
            i += 1

    def shorten_durations(self, choices: list[float]) -> None:
        """Each timed step down to the shortest drawn duration that still fails, shortest first."""
        for i in range(len(self.schedule)):
            for shorter in [d for d in choices if d < (leases(self.schedule[i]) or 0)]:
                trial = [list(s) for s in self.schedule]
                trial[i][-1] = shorter
                if self.adopt_if_it_fails(trial, confirmations=SHORTEN_CONFIRMATIONS):
                    break


    def plain_modes(self, default: str) -> None:
        """Acquires in the default mode untagged, then each other mode tried as the default."""
        untagged = [["acquire", s[1]] if s[0] == "acquire" and s[2:] == [default] else list(s) for s in self.schedule]
        if untagged != self.schedule:
            self.adopt_if_it_fails(untagged)
        for i, step in enumerate(self.schedule):
            if step[0] == "acquire" and len(step) > 2:
                self.adopt_if_it_fails(self.schedule[:i] + [["acquire", step[1]]] + self.schedule[i + 1:])


def merged(schedule: list) -> list:
    """Adjacent timed steps of the same kind and target as one (two half-lease pauses of
    a client in a row are one pause of a lease): what the shrinker cannot do by deleting."""
    out: list = []
    for step in schedule:
        last = out[-1] if out else None
        if last is not None and leases(step) and leases(last) and last[:-1] == step[:-1]:
            last[-1] = round(min(MAX_LEASES, last[-1] + step[-1]), 2)
        else:
            out.append(list(step))
    return out
