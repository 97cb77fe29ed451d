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
failed at least once as it stands. A last pass then makes it one a reader can rely on:

7. measure how often the minimal schedule recurs (every run already made of it counts), and
   when it is not reliable (fewer than RELIABLE_HITS of RELIABLE_RUNS runs), walk its
   durations back up through the drawn values to the shortest that is: a pause that fails
   one run in five sits inside the server's expiry granularity, and the boundary a reader
   needs is the one that replays.
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

# A schedule recurs reliably when at least RELIABLE_HITS of its first RELIABLE_RUNS runs show
# the violation (4 of 5: 80 %, the least that makes a 10-run replay come out 9 of 10 or better
# more often than not, at the cost of ~2 runs after the shortening's two confirmations).
# Measuring stops as soon as the answer is known: 4 hits, or 2 misses.
RELIABLE_RUNS, RELIABLE_HITS = 5, 4


def small_enough(schedule: list) -> bool:
    steps = merged(schedule)
    return len(steps) <= SMALL_ENOUGH and not any(step[0] == "race" for step in steps)


class Minimiser:
    """Holds the smallest violating schedule so far and the evidence of its violating run."""

    def __init__(self, schedule: list, evidence: Any, attempt: Attempt) -> None:
        self.schedule, self.evidence, self._attempt = [list(s) for s in schedule], evidence, attempt
        self._seen: dict[str, list[int]] = {_k(schedule): [1, 1]}  # schedule -> [violating runs, runs]
        self._last: dict[str, Any] = {_k(schedule): evidence}  # schedule -> evidence of its last violating run

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
        longest = [list(s) for s in self.schedule]
        self.shorten_durations(choices)
        if modes:
            self.plain_modes(modes[0])
        self.make_reliable(choices, longest)

    def try_once(self, trial: list) -> Any:
        """Run `trial` once, counting the outcome for `recurrence`: its evidence, or None."""
        evidence = self._attempt(trial)
        seen = self._seen.setdefault(_k(trial), [0, 0])
        seen[0] += evidence is not None
        seen[1] += 1
        if evidence is not None:
            self._last[_k(trial)] = evidence
        return evidence

    def recurrence(self, schedule: list | None = None) -> tuple[int, int]:
        """(violating runs, runs) of `schedule` (the current one), run until reliability is
        decided (see RELIABLE_RUNS) counting the runs already made of it."""
        schedule = self.schedule if schedule is None else schedule
        seen = self._seen.setdefault(_k(schedule), [0, 0])
        while not _decided(*seen):
            self.try_once(schedule)
        return seen[0], seen[1]

    def make_reliable(self, choices: list[float], longest: list) -> None:
        """Pass 7: the shortest durations, up to those found before shortening, that recur
        reliably; when none does, the most reliable schedule measured (shortest on ties)."""
        hits, runs = self.recurrence()
        best = (hits / runs, self.schedule)
        if reliable(hits, runs):
            return
        for i, step in enumerate(self.schedule):
            top = leases(longest[i]) if i < len(longest) and longest[i][:-1] == step[:-1] else None
            for longer in [d for d in choices if (leases(step) or 0) < d <= (top or 0)]:
                trial = [list(s) for s in self.schedule]
                trial[i][-1] = longer
                hits, runs = self.recurrence(trial)
                if hits / runs > best[0]:
                    best = (hits / runs, trial)
                if reliable(hits, runs):
                    break
            if best[1] is not self.schedule:
                break
        if best[1] is not self.schedule:
            self._adopt_measured(best[1])

    def _adopt_measured(self, trial: list) -> None:
        """Adopt a measured schedule, with the evidence of its last violating run."""
        self.schedule, self.evidence = [list(s) for s in trial], self._last[_k(trial)]

    def adopt_if_it_fails(self, trial: list, tries: int = 1, confirmations: int = 1) -> bool:
        """Adopt `trial` once `confirmations` runs in a row violate; give up after `tries`
        runs that did not."""
        streak = misses = 0
        while misses < tries:
            evidence = self.try_once(trial)
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


def reliable(hits: int, runs: int) -> bool:
    """Whether (violating runs, runs) as `Minimiser.recurrence` measures them is reliable."""
    return hits >= RELIABLE_HITS or (runs >= RELIABLE_RUNS and hits / runs >= RELIABLE_HITS / RELIABLE_RUNS)


def _decided(hits: int, runs: int) -> bool:
    misses = runs - hits
    return runs >= RELIABLE_RUNS or hits >= RELIABLE_HITS or misses > RELIABLE_RUNS - RELIABLE_HITS


def _k(schedule: list) -> str:
    return repr([list(s) for s in schedule])


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
