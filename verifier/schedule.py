"""Schedules: what the clients do and which faults strike, in order, as plain data.

A schedule is a list of steps, each a short list such as `["acquire", 0]`,
`["write", 1]`, `["pause", 0]` or `["kill", 2]`. Plain lists of small integers and names
are what Hypothesis shrinks best (deleting steps, lowering client and node numbers), and
they read as a program in a reproducer file.

Client steps (`c` is a client number):
- `["acquire", c]`: try to take the lock (skipped while c believes it holds it);
- `["race", c]`: clients c and c + 1 (mod the number of clients) try to take the lock at
  the same moment: the one step whose ops overlap in time (each skipped if it holds);
- `["read", c]`: read the protected resource (a counter) and remember the value v
  (like `write`, only inside c's believed critical section, otherwise skipped);
- `["write", c]`: write back v + 1 (reading first if it has not read): a read-modify-write
  split in two steps, so another client can come in between, as it can in real life;
- `["release", c]`: give the lock back (skipped unless c believes it holds it).

Skipping keeps every recorded op meaningful: a violation is then always about clients
that really acted on their belief, never about a release nobody would have sent.

Fault steps (`n` is a server node number, `c` a client). Every fault lasts a fixed time
expressed in leases (TTLs), so the same schedule means the same thing at any TTL:
- `["slow", c]`: client c, holding the lock, keeps working for 2 TTLs (the seed's slow
  bank call inside the critical section; its process runs, so renewal threads run too);
- `["pause", c]`: SIGSTOP client c for 2 TTLs, then SIGCONT (the GC pause; skipped
  unless c believes it holds the lock, since only a holder's pause can matter);
- `["node-pause", n]`: SIGSTOP server node n for 2 TTLs, then SIGCONT;
- `["clock", n]`: jump node n's wall clock 2 TTLs forward (for the rest of the run);
- `["kill", n]`: kill node n and restart it empty (no persistence).

Steps run one after another; an op's invocation and completion are recorded around it.
A fault step is skipped while no client believes it holds the lock: with one op at a time
nothing is in flight then, so the fault could not touch any hold.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

CLIENT_STEPS = ("acquire", "race", "read", "write", "release")
FAULT_STEPS = {"slow": "client", "pause": "client", "node-pause": "node", "clock": "node", "kill": "node"}
FAULT_LEASES = 2.0  # how long a pause lasts / how far a clock jumps, in TTLs

Step = list  # [kind, target]
Schedule = list  # [Step, ...]


def is_fault(step: Step) -> bool:
    return step[0] in FAULT_STEPS


def schedules(
    faults: list[str], *, clients: int = 2, nodes: int = 1, max_steps: int = 10
) -> st.SearchStrategy[Schedule]:
    """Random schedules using only the given fault kinds ("none" means no fault steps).

    Weights matter for how fast a violation turns up: `acquire` is drawn three times as
    often as the other client steps (a schedule where nobody holds the lock tests
    nothing), and one step in three is a fault when faults are enabled.
    """
    client = st.integers(0, clients - 1)
    client_step = st.tuples(st.sampled_from(("acquire", "acquire", "acquire", "race", "read", "write", "release")), client)
    fault_options = []
    for kind in (f for f in faults if f in FAULT_STEPS):
        target = client if FAULT_STEPS[kind] == "client" else st.integers(0, nodes - 1)
        fault_options.append(st.tuples(st.just(kind), target))
    step = st.one_of(client_step, client_step, st.one_of(*fault_options)) if fault_options else client_step
    return st.lists(step.map(list), min_size=2, max_size=max_steps)


def validate(schedule: Any, *, clients: int, nodes: int) -> list[str]:
    """Problems with a schedule read from a file (empty list when fine)."""
    problems = []
    if not isinstance(schedule, list):
        return ["schedule must be a list of steps"]
    for i, step in enumerate(schedule):
        if not (isinstance(step, list) and len(step) == 2 and isinstance(step[1], int)):
            problems.append(f"step {i}: expected [kind, number], got {step!r}")
            continue
        kind, target = step
        if kind in CLIENT_STEPS or FAULT_STEPS.get(kind) == "client":
            if not 0 <= target < clients:
                problems.append(f"step {i}: client {target} out of range 0..{clients - 1}")
        elif kind in FAULT_STEPS:
            if not 0 <= target < nodes:
                problems.append(f"step {i}: node {target} out of range 0..{nodes - 1}")
        else:
            problems.append(f"step {i}: unknown step kind {kind!r}")
    return problems


def counts(schedule: Schedule, clients: int = 2) -> dict[str, int]:
    """How big a schedule is: clients involved, client operations and faults (a race is two
    operations); `clients` is how many the campaign had, to resolve a race's partner."""
    ops = [s for s in schedule if not is_fault(s)]
    involved = {s[1] for s in schedule if s[0] in CLIENT_STEPS or FAULT_STEPS.get(s[0]) == "client"}
    involved |= {(s[1] + 1) % clients for s in schedule if s[0] == "race"}
    races = sum(1 for s in ops if s[0] == "race")
    return {"clients": len(involved), "operations": len(ops) + races, "faults": len(schedule) - len(ops)}


def describe(step: Step) -> str:
    kind, target = step
    return {
        "acquire": f"client {target} acquires the lock",
        "race": f"clients {target} and {target + 1} (mod the number of clients) acquire at the same moment",
        "read": f"client {target} reads the resource",
        "write": f"client {target} writes back what it read, plus one",
        "release": f"client {target} releases the lock",
        "slow": f"client {target} works inside its critical section for {FAULT_LEASES:g} TTLs",
        "pause": f"client {target} is paused (SIGSTOP) for {FAULT_LEASES:g} TTLs",
        "node-pause": f"server node {target} is paused (SIGSTOP) for {FAULT_LEASES:g} TTLs",
        "clock": f"server node {target}'s clock jumps {FAULT_LEASES:g} TTLs forward",
        "kill": f"server node {target} is killed and restarted empty",
    }.get(kind, f"{kind} {target}")
