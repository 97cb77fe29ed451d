"""Schedules: what the clients do, when time passes and which faults strike, as plain data.

A schedule is a list of steps, each a short list such as `["acquire", 0]`, `["wait", 1.1]`,
`["pause", 0, 2.0]` or `["kill", 2]`. Plain lists of small integers, names and durations
drawn from a short sorted list are what Hypothesis shrinks best (deleting steps, lowering
client and node numbers, durations towards the shortest that still fails), and they read as
a program in a reproducer file.

Steps are *dispatched*: an op goes to its client and the runner waits for it only a short
patience window, so an op that takes longer (a blocking acquire waiting for the lock, an
op stuck on a paused node) stays in flight while the next steps run, and a waiter blocks
while the holder works and releases. A step for a client whose op is still in flight first
waits for that op to complete (one client, one op at a time, as in Jepsen).

Client steps (`c` is a client number):
- `["acquire", c]`: take the lock (skipped while c believes it holds it); for a lock with
  acquire modes (`Adapter.modes`), `["acquire", c, "read"]` takes it in that mode, and
  `["acquire", c]` in the default (first) mode; c's release gives back what it took;
- `["race", c]`: clients c and c + 1 (mod the number of clients) send their acquires at the
  same moment, so fast acquires overlap too (each skipped if it holds; default mode);
- `["read", c]`: read the protected resource (a counter), remember the value v;
- `["write", c]`: write back v + 1 (reading first if it has not read): a read-modify-write
  split in two steps, so another client can come in between, as it can in real life;
- `["release", c]`: give the lock back (skipped unless c believes it holds it).
`read`, `write` and `release` only happen inside c's believed critical section; skipping
keeps every recorded op meaningful.

Time steps: `["wait", d]`: d leases pass while the ops in flight go on. A wait while a
client holds the lock is that holder being slow, so waits come with the `slow` fault only:
under `none` holders finish well inside their leases by definition, and under `pause` a
violation must come from the pause, not from time simply passing.

Fault steps (from `taala.faults.REGISTRY`): `[name, target]`, or `[name, target, d]` for
a fault that lasts d leases. Durations are drawn just below and just above each duration
the adapter's safety depends on (`Adapter.timing`), so the search probes the boundaries.
"""

from __future__ import annotations

from typing import Any

from taala.faults import CLIENT, REGISTRY

CLIENT_STEPS = ("acquire", "race", "read", "write", "release")
WAIT = "wait"
MAX_LEASES = 10.0  # longest duration a step may carry (a replayed file is checked against it)
MAX_STEPS = 60  # longest schedule a reproducer may hold
BOUNDARY_FACTORS = (0.5, 0.9, 1.1, 2.0)  # below and above each declared duration

Step = list  # [kind, target] | [kind, target, leases] | ["wait", leases]
Schedule = list  # [Step, ...]


def is_fault(step: Step) -> bool:
    return step[0] in REGISTRY


def durations(timing: dict[str, float]) -> list[float]:
    """Candidate durations in leases, ascending (Hypothesis shrinks towards the first):
    half, just below, just above and twice each declared duration (in leases)."""
    out = {round(min(MAX_LEASES, max(0.05, value * k)), 2) for value in timing.values() if value > 0
           for k in BOUNDARY_FACTORS}
    return sorted(out) or [2.0]


def schedules(faults: list[str], *, clients: int = 2, nodes: int = 1, max_steps: int = 10,
              timing: dict[str, float] | None = None, fenced: bool = True, modes: tuple[str, ...] = ()):
    """A Hypothesis strategy of schedules using only the given faults ("none": no faults).

    `acquire` is drawn three times as often as each other client step (a schedule where
    nobody holds the lock tests nothing); when faults are enabled, one step in two is a
    fault or a wait. `read` and `write` are drawn only for a `fenced` lock: an unfenced one
    is broken by two believed holders alone, and the damage they do is shown afterwards
    (`taala.vet.with_writes`), so for it they would only dilute the search. With `modes`,
    every acquire carries a mode drawn from them (shrinking towards the first, the default)."""
    from hypothesis import (
        strategies as st,  # the search needs it; reading a schedule does not
    )

    client = st.integers(0, clients - 1)
    kinds = ("acquire", "acquire", "acquire", "race") + (("read", "write") if fenced else ()) + ("release",)
    client_step = st.tuples(st.sampled_from(kinds), client)
    if modes:
        others = st.tuples(st.sampled_from([k for k in kinds if k != "acquire"]), client)
        acquire = st.tuples(st.just("acquire"), client, st.sampled_from(modes))
        client_step = st.one_of(acquire, acquire, acquire, others)  # acquire as often as before
    length = st.sampled_from(durations(timing or {"lease": 1.0}))
    options = []
    for name in (f for f in faults if f in REGISTRY):
        fault = REGISTRY[name]
        target = client if fault.target == CLIENT else st.integers(0, nodes - 1)
        options.append(st.tuples(st.just(name), target, length) if fault.timed else st.tuples(st.just(name), target))
    if any(REGISTRY[f].waits for f in faults if f in REGISTRY):
        options.append(st.tuples(st.just(WAIT), length))
    step = st.one_of(client_step, st.one_of(*options)) if options else client_step
    return st.lists(step.map(list), min_size=2, max_size=max_steps)


def probes(faults: list[str], *, nodes: int = 1, timing: dict[str, float] | None = None, holders: int = 1,
           modes: tuple[str, ...] = ()) -> list[Schedule]:
    """The canonical schedules, tried before the random search: one holder, one fault at
    its longest drawn duration on client or node 0, then a second client's acquire (under
    `none`, two acquires in a row); for a client fault, also the second acquire first (a
    blocking waiter in flight when the holder is struck); and with several nodes, the same fault on a majority
    of them (Jepsen's "majority" target: what a quorum lock must survive). They are what a
    person tries first, and the shapes most lock violations shrink to; when one of them
    fails, the search and most of the shrinking are done in a few runs. When none fails,
    Hypothesis searches as before.

    A lock admitting `holders` at once (a semaphore's permits) is filled first: clients
    0..holders-1 acquire, the fault strikes client 0, client `holders` acquires. A lock
    with a second mode (`modes`: a readers-writer lock) is also probed with mixed modes:
    a writer then a reader, a reader then a writer, and kazoo #649's writer, reader,
    writer queued behind each other before the first writer releases."""
    longest = max(durations(timing or {"lease": 1.0}))
    fill = [["acquire", c] for c in range(holders)]
    out: list[Schedule] = [fill + [["acquire", holders]]] if "none" in faults else []
    if "none" in faults and len(modes) > 1:
        write, read = modes[0], modes[1]
        out += [[["acquire", 0, write], ["acquire", 1, read]],
                [["acquire", 0, read], ["acquire", 1, write]],
                [["acquire", 0, write], ["acquire", 1, read], ["acquire", 2, write], ["release", 0]]]
    for name in (f for f in faults if f in REGISTRY):
        fault = REGISTRY[name]
        targets = [[0]] + ([list(range(nodes // 2 + 1))] if fault.target != CLIENT and nodes > 1 else [])
        for group in targets:
            steps = [[name, t, longest] if fault.timed else [name, t] for t in group]
            out.append([*fill, *steps, ["acquire", holders]])
        if fault.target == CLIENT:  # a blocking waiter already in flight when the holder is struck
            out.append([*fill, ["acquire", holders], out[-1][holders]])
    return out


def workload_probes(faults: list[str], *, locks: int, nodes: int = 1,
                    timing: dict[str, float] | None = None) -> list[Schedule]:
    """The canonical schedules for a workload whose operations take `locks` locks: under
    `none`, two whole operations one after the other (a retry after the first finished),
    and two interleaved lock by lock, both reading before either writes (opposite lock
    orders deadlock; locks that do not exclude each other lose an update); under a fault,
    client 0 takes its locks and reads, the fault strikes (client 0, or node 0, or a
    majority), client 1 does its whole operation, then client 0 writes what it read."""
    longest = max(durations(timing or {"lease": 1.0}))

    def whole(c: int) -> Schedule:
        return [["acquire", c]] * locks + [["write", c], ["release", c]]

    out: list[Schedule] = []
    if "none" in faults:
        out.append(whole(0) + whole(1))
        out.append([["acquire", 0], ["acquire", 1]] * locks
                   + [["read", 0], ["read", 1], ["write", 0], ["write", 1], ["release", 0], ["release", 1]])
    for name in (f for f in faults if f in REGISTRY):
        fault = REGISTRY[name]
        targets = [[0]] + ([list(range(nodes // 2 + 1))] if fault.target != CLIENT and nodes > 1 else [])
        for group in targets:
            strike = [[name, t, longest] if fault.timed else [name, t] for t in group]
            out.append([["acquire", 0]] * locks + [["read", 0], *strike, *whole(1), ["write", 0], ["release", 0]])
    return [[list(step) for step in schedule] for schedule in out]


def validate(schedule: Any, *, clients: int, nodes: int, modes: tuple[str, ...] = ()) -> list[str]:
    """Problems with a schedule read from a file (empty list when fine); `modes`: the
    adapter's acquire modes, the only ones an acquire step may name."""
    if not isinstance(schedule, list):
        return ["schedule must be a list of steps"]
    if not schedule:
        return ["schedule is empty"]
    if len(schedule) > MAX_STEPS:
        return [f"schedule has {len(schedule)} steps; at most {MAX_STEPS}"]
    problems = []
    for i, step in enumerate(schedule):
        problem = _step_problem(step, clients=clients, nodes=nodes, modes=modes)
        if problem:
            problems.append(f"step {i + 1}: {problem}")
    return problems


def _duration_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_LEASES:
        return f"duration must be a number of leases in (0, {MAX_LEASES:g}], got {value!r}"
    return None


def _step_problem(step: Any, *, clients: int, nodes: int, modes: tuple[str, ...] = ()) -> str | None:
    if not isinstance(step, list) or not step or not isinstance(step[0], str):
        return f"expected [kind, ...], got {step!r}"
    kind, args = step[0], step[1:]
    if kind == "acquire" and len(args) == 2:
        if not modes:
            return f"this lock has one acquire mode: expected ['acquire', number], got {step!r}"
        if args[1] not in modes:
            return f"unknown acquire mode {args[1]!r} (this lock has {', '.join(map(repr, modes))})"
        args = args[:1]
    if kind == WAIT:
        return _duration_problem(args[0]) if len(args) == 1 else f"expected ['wait', leases], got {step!r}"
    fault = REGISTRY.get(kind)
    if kind not in CLIENT_STEPS and fault is None:
        return f"unknown step kind {kind!r}"
    arity = 2 if fault is not None and fault.timed else 1
    if len(args) != arity or isinstance(args[0], bool) or not isinstance(args[0], int):
        shape = f"[{kind!r}, number" + (", leases]" if arity == 2 else "]")
        return f"expected {shape}, got {step!r}"
    if kind in CLIENT_STEPS or fault.target == CLIENT:
        if not 0 <= args[0] < clients:
            return f"client {args[0]} out of range 0..{clients - 1}"
    elif not 0 <= args[0] < nodes:
        return f"node {args[0]} out of range 0..{nodes - 1}"
    return _duration_problem(args[1]) if arity == 2 else None


def leases(step: Step) -> float:
    """How long a step lasts, in leases (0 for instantaneous steps)."""
    if step[0] == WAIT:
        return float(step[1])
    fault = REGISTRY.get(step[0])
    return float(step[2]) if fault is not None and fault.timed else 0.0


def counts(schedule: Schedule, clients: int = 2) -> dict[str, int]:
    """How big a schedule is: clients involved, client operations (a race is two), faults
    and waits; `clients` is how many the campaign had, to resolve a race's partner."""
    ops = [s for s in schedule if s[0] in CLIENT_STEPS]
    involved = {s[1] for s in schedule if s[0] in CLIENT_STEPS or (is_fault(s) and REGISTRY[s[0]].target == CLIENT)}
    involved |= {(s[1] + 1) % clients for s in schedule if s[0] == "race"}
    faults = [s for s in schedule if is_fault(s)]
    races = sum(1 for s in ops if s[0] == "race")
    return {"clients": len(involved), "operations": len(ops) + races, "faults": len(faults),
            "waits": sum(1 for s in schedule if s[0] == WAIT)}


WORKLOAD_WORDING = {  # a client step when the clients run a workload (`taala.runner.workload_session`)
    "acquire": "client {0} takes the next lock of its {op}",
    "race": "clients {0} and {0}+1 (mod the number of clients) take their next locks at the same moment",
    "read": "client {0} reads what its {op} needs",
    "write": "client {0} decides and writes its {op}",
    "release": "client {0} releases every lock it holds",
}


def describe(step: Step, clients: int | None = None, operation: str | None = None) -> str:
    """A step in English; `clients` (how many the run had) names a race's partner;
    `operation` names the workload's operation ("debit"), None for the default counter."""
    kind = step[0]
    if operation is not None and kind in WORKLOAD_WORDING and not (kind == "race" and clients):
        return WORKLOAD_WORDING[kind].format(step[1], op=operation)
    if kind == "race" and clients:
        return f"clients {step[1]} and {(step[1] + 1) % clients} send their acquires at the same moment"
    if kind == WAIT:
        return f"{step[1]:g} leases pass"
    if kind == "acquire" and len(step) > 2:
        return f"client {step[1]} takes the {step[2]} lock"
    if kind in REGISTRY:
        return REGISTRY[kind].describe(step[1], step[2] if REGISTRY[kind].timed else None)
    return {
        "acquire": "client {0} acquires the lock",
        "race": "clients {0} and {0}+1 (mod the number of clients) acquire at the same moment",
        "read": "client {0} reads the resource",
        "write": "client {0} writes back what it read, plus one",
        "release": "client {0} releases the lock",
    }.get(kind, f"{kind} {{0}}").format(*step[1:])
