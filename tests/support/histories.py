"""Hypothesis strategies for small concurrent histories of every model.

Two kinds:
- `random_history`: structure and values drawn freely, so most histories are invalid in
  some subtle way and some are valid: the raw material for oracle comparison;
- `simulated_history`: produced by actually running the model: each op takes effect at a
  random instant between its invocation and completion (or, if indeterminate, maybe never),
  so the history is linearizable by construction.

Processes follow Jepsen's convention: after an `info` a process is retired and a fresh id
takes its place.
"""

from __future__ import annotations

from hypothesis import strategies as st

from taala.history import Event, History
from taala.model import INCONSISTENT
from taala.models import get

SMALL = st.integers(0, 2)

# model spec -> {f: strategy for the invocation value}, {f: strategy for an ok value or None}
MODELS = {
    "mutex": ({"acquire": st.none(), "release": st.none()}, {}),
    "owner-mutex": ({"acquire": st.none(), "release": st.none()}, {}),
    "reentrant-mutex:limit=2": ({"acquire": st.none(), "release": st.none()}, {}),
    "fenced-mutex": ({"acquire": st.none(), "release": st.none()}, {"acquire": st.integers(1, 4)}),
    "semaphore:permits=2": ({"acquire": st.none(), "release": st.none()}, {}),
    "rw-lock": ({f: st.none() for f in ("acquire-read", "release-read", "acquire-write", "release-write")}, {}),
    "register": ({"write": SMALL, "read": st.none()}, {"read": st.none() | SMALL}),
    "register:nil-reads=value": ({"write": SMALL, "read": st.none()}, {"read": st.none() | SMALL}),
    "cas-register:initial=0": (
        {"write": SMALL, "read": st.none(), "cas": st.tuples(SMALL, SMALL)},
        {"read": st.none() | SMALL},
    ),
    "counter": ({"add": st.integers(1, 2), "read": st.none()}, {"read": st.integers(0, 4)}),
    "ledger:initial=1": (
        {"credit": st.integers(1, 2), "debit": st.integers(1, 2), "read": st.none()},
        {"read": st.integers(0, 3)},
    ),
}


def _outcome(draw) -> str:
    return draw(st.sampled_from(["ok", "ok", "ok", "fail", "info"]))


@st.composite
def random_history(draw, spec: str, max_ops: int = 6, keys: int = 2) -> History:
    invokes, oks = MODELS[spec]
    n_ops = draw(st.integers(1, max_ops))
    n_procs = draw(st.integers(1, 4))
    idle = list(range(n_procs))
    next_pid = n_procs
    open_ops: dict[int, tuple] = {}
    events: list[Event] = []
    started = 0
    while started < n_ops or open_ops:
        can_invoke = started < n_ops and idle
        if can_invoke and (not open_ops or draw(st.booleans())):
            p = idle.pop(draw(st.integers(0, len(idle) - 1)))
            f = draw(st.sampled_from(sorted(invokes)))
            value = draw(invokes[f])
            key = draw(st.integers(0, keys - 1)) if keys > 1 else None
            events.append(Event(len(events), "invoke", p, f, value, key=key))
            open_ops[p] = (f, value, key)
            started += 1
            continue
        p = draw(st.sampled_from(sorted(open_ops)))
        f, value, key = open_ops[p]
        if started >= n_ops and draw(st.integers(0, 5)) == 0:
            del open_ops[p]  # never completes: pending at the end of the history
            continue
        t = _outcome(draw)
        out = draw(oks[f]) if t == "ok" and f in oks else value
        events.append(Event(len(events), t, p, f, out, key=key))
        del open_ops[p]
        if t == "info":
            idle.append(next_pid)
            next_pid += 1
        else:
            idle.append(p)
    return History(events, source="<generated>")


def _realize(model, state, f, value, process):
    """Run one op against the real model state: (ok value, new state) or None if refused."""

    class Op:  # the minimal op the models read
        pass

    op = Op()
    op.f, op.process, op.known = f, process, True
    if f == "read":
        op.value = state
    elif f == "acquire" and model.name == "fenced-mutex":
        op.value = (state[1] or 0) + 1
    else:
        op.value = value
    new = model.step(state, op)
    return None if new is INCONSISTENT else (op.value, new)


@st.composite
def simulated_history(draw, spec: str, max_ops: int = 8, keys: int = 2) -> History:
    """A history of a real linearizable object: each op takes effect at one instant."""
    model = get(spec)
    invokes, _ = MODELS[spec]
    n_ops = draw(st.integers(1, max_ops))
    n_procs = draw(st.integers(1, 4))
    states = {k: model.init() for k in range(keys)}
    idle = list(range(n_procs))
    next_pid = n_procs
    # process -> [f, value, key, effect]; effect None until the op takes effect (or is refused)
    open_ops: dict[int, list] = {}
    events: list[Event] = []
    started = 0
    while started < n_ops or open_ops:
        choice = draw(st.integers(0, 2))
        if choice == 0 and started < n_ops and idle:
            p = idle.pop(draw(st.integers(0, len(idle) - 1)))
            f = draw(st.sampled_from(sorted(invokes)))
            value = draw(invokes[f])
            k = draw(st.integers(0, keys - 1))
            events.append(Event(len(events), "invoke", p, f, value, key=k if keys > 1 else None))
            open_ops[p] = [f, value, k, None]
            started += 1
        elif choice == 1 and open_ops:
            p = draw(st.sampled_from(sorted(open_ops)))
            op = open_ops[p]
            if op[3] is None:  # take effect now, atomically
                r = _realize(model, states[op[2]], op[0], op[1], p)
                if r is None:
                    op[3] = ("refused", op[1])
                else:
                    op[3] = ("done", r[0])
                    states[op[2]] = r[1]
        elif open_ops:
            p = draw(st.sampled_from(sorted(open_ops)))
            f, value, k, effect = open_ops.pop(p)
            key = k if keys > 1 else None
            if effect is None and draw(st.booleans()):
                # crashed before taking effect: info (or never heard of again)
                if draw(st.booleans()):
                    events.append(Event(len(events), "info", p, f, value, key=key))
                idle.append(next_pid)
                next_pid += 1
                continue
            if effect is None:
                r = _realize(model, states[k], f, value, p)
                effect = ("refused", value) if r is None else ("done", r[0])
                if r is not None:
                    states[k] = r[1]
            if effect[0] == "refused":
                events.append(Event(len(events), "fail", p, f, value, key=key))
                idle.append(p)
            elif draw(st.integers(0, 4)) == 0:  # took effect, but the client never learned it
                events.append(Event(len(events), "info", p, f, value, key=key))
                idle.append(next_pid)
                next_pid += 1
            else:
                events.append(Event(len(events), "ok", p, f, effect[1], key=key))
                idle.append(p)
    return History(events, source="<simulated>")
