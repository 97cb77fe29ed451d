"""Schedules: what the clients do and which faults strike, in order, as plain data.

A schedule is a list of steps, each a short list such as `["acquire", 0]`,
`["write", 1]`, `["pause", 0]` or `["kill", 2]`. Plain lists of small integers and names
are what Hypothesis shrinks best (deleting steps, lowering client and node numbers), and
they read as a program in a reproducer file.

Client steps (`c` is a client number):
- `["acquire", c]`: try to take the lock;
- `["write", c]`: read-modify-write the protected resource (read v, then write v + 1);
- `["release", c]`: give the lock back.

Fault steps (`n` is a server node number, `c` a client). Every fault lasts a fixed time
expressed in leases (TTLs), so the same schedule means the same thing at any TTL:
- `["pause", c]`: SIGSTOP client c for 2 TTLs, then SIGCONT (the GC pause);
- `["node-pause", n]`: SIGSTOP server node n for 2 TTLs, then SIGCONT;
- `["clock", n]`: jump node n's wall clock 2 TTLs forward (for the rest of the run);
- `["kill", n]`: kill node n and restart it empty (no persistence).

Steps run one after another; an op's invocation and completion are recorded around it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

CLIENT_STEPS = ("acquire", "write", "release")
FAULT_STEPS = {"pause": "client", "node-pause": "node", "clock": "node", "kill": "node"}
FAULT_LEASES = 2.0  # how long a pause lasts / how far a clock jumps, in TTLs

Step = list  # [kind, target]
Schedule = list  # [Step, ...]


def is_fault(step: Step) -> bool:
    return step[0] in FAULT_STEPS


def schedules(
    faults: list[str], *, clients: int = 3, nodes: int = 1, max_steps: int = 12
) -> st.SearchStrategy[Schedule]:
    """Random schedules using only the given fault kinds ("none" means no fault steps)."""
    client = st.integers(0, clients - 1)
    options = [st.tuples(st.sampled_from(CLIENT_STEPS), client)]
    kinds = [f for f in faults if f in FAULT_STEPS]
    for kind in kinds:
        target = client if FAULT_STEPS[kind] == "client" else st.integers(0, nodes - 1)
        options.append(st.tuples(st.just(kind), target))
    step = st.one_of(*options).map(list)
    return st.lists(step, min_size=1, max_size=max_steps)


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


def counts(schedule: Schedule) -> dict[str, int]:
    """How big a schedule is: clients involved, client operations and faults."""
    ops = [s for s in schedule if not is_fault(s)]
    clients = {s[1] for s in schedule if s[0] in CLIENT_STEPS or FAULT_STEPS.get(s[0]) == "client"}
    return {"clients": len(clients), "operations": len(ops), "faults": len(schedule) - len(ops)}


def describe(step: Step) -> str:
    kind, target = step
    return {
        "acquire": f"client {target} acquires the lock",
        "write": f"client {target} reads the resource and writes it back incremented",
        "release": f"client {target} releases the lock",
        "pause": f"client {target} is paused (SIGSTOP) for {FAULT_LEASES:g} TTLs",
        "node-pause": f"server node {target} is paused (SIGSTOP) for {FAULT_LEASES:g} TTLs",
        "clock": f"server node {target}'s clock jumps {FAULT_LEASES:g} TTLs forward",
        "kill": f"server node {target} is killed and restarted empty",
    }.get(kind, f"{kind} {target}")
