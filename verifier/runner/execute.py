"""One run: execute a schedule with fresh client processes and return its history.

`run()` resets the environment, starts the clients, hands each step to the session (see
`taala.runner.session` for how steps are dispatched and how the run drains), heals every
fault, drains, and probes liveness. It always heals and cleans up, whatever happened.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from taala.adapter import Adapter
from taala.faults import REGISTRY, networked
from taala.history import History
from taala.nemesis import Nemesis
from taala.runner.environment import Environment
from taala.runner.session import Session
from taala.runner.workload_session import WorkloadSession
from taala.schedule import Schedule, leases


@dataclass
class Run:
    """What one execution of a schedule produced."""

    schedule: Schedule
    history: History
    max_holders: int  # most clients that believed they held the lock at once
    elapsed_s: float
    acted: list[bool] = field(default_factory=list)  # per step: did it do anything?
    outcomes: Counter = field(default_factory=Counter)  # (f, status) -> count, drain included
    errors: Counter = field(default_factory=Counter)  # error message of info ops -> count
    contended: bool = False  # an acquire was sent while another client held or was acquiring
    faults_struck: int = 0  # fault steps that hit a holder or an op in flight
    live: bool | None = None  # did a fresh client get the lock after healing? None: not probed

    @property
    def acted_schedule(self) -> Schedule:
        return [step for step, acted in zip(self.schedule, self.acted) if acted]


def op_timeout(adapter_cls: type[Adapter], schedule: Schedule, ttl: float) -> float:
    """How long an op may take before it is `info`: never shorter than the adapter's own
    wait, plus every pause and wait of the schedule (an op may be in flight across them)."""
    return max(2.0, 4 * ttl) + adapter_cls.max_wait * ttl + sum(leases(s) for s in schedule) * ttl


def run(env: Environment, schedule: Schedule, *, ttl: float, clients: int) -> Run:
    """Execute `schedule` with `clients` fresh client processes; always heals and cleans up."""
    if networked([s[0] for s in schedule]) and env.network is None:
        raise RuntimeError("a node-partition step needs Environment(..., network=True)")
    env.reset()
    if any(REGISTRY[s[0]].proxied for s in schedule if s[0] in REGISTRY):
        env.use_proxies(clients)
    started = time.monotonic()
    kind = Session if env.workload is None else WorkloadSession
    session = kind(env, ttl=ttl, clients=clients, op_timeout=op_timeout(env.adapter_cls, schedule, ttl))
    acted: list[bool] = []
    try:
        with Nemesis(record=session.rec.nemesis) as nemesis:
            session.nemesis = nemesis
            session.start_clients(clients)  # every client up front, before any fault
            for step in schedule:
                acted.append(session.step(step))
            nemesis.heal()
        session.drain()
        session.audit()
        live = session.probe(clients)
    finally:
        session.close()
    history = History(session.rec.events, source=f"<{env.adapter_cls.name}>")
    return Run([list(s) for s in schedule], history, session.max_holders, time.monotonic() - started, acted,
               session.outcomes, session.errors, session.contended, session.faults_struck, live)
