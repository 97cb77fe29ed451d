"""The runner: executes one schedule against real servers and records the history.

`Environment` owns the servers of a campaign: the adapter's backend nodes plus one Redis
for the protected resource, which the nemesis never touches. Servers are started once and
reset between runs (faults healed, Redis flushed), because starting five servers for each
of hundreds of Hypothesis examples would dominate the campaign. Every run also locks a key
name of its own, so nothing a previous run left behind on *any* backend (a key still under
its lease, a ZooKeeper node of a session not yet expired, a SQL session still holding a
lock) can touch the next one; the history always calls it "lock".

`run()` starts fresh client processes and dispatches the steps in order. Each op goes to
its client and the runner waits for its reply for a short *patience* window: an op still
running after that (a blocking acquire waiting for the lock, an op stuck on a paused node)
stays in flight while later steps run, so a waiter can block while the holder works and
releases. A step for a busy client, faults on that client included, first waits for its op
to complete. Fast ops thus keep the order of the schedule, which makes a minimal schedule
replay the same way; `race` puts two acquires in flight at the same moment on purpose.
When the steps are done the faults are healed and the run *drains*: every holder releases
and every waiter finishes, so a blocked acquire never outlives its run. Then a *liveness
probe*: a fresh client must get the lock within the adapter's declared number of leases
(its ops are not part of the history: liveness is reported apart from safety). The history holds
lock ops on key "lock", resource ops (`read`, `cas`) on key "resource", and nemesis events,
each with its real invocation and completion time.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psutil
from taala.adapter import Adapter, host_port
from taala.client import FAIL, INFO, OK, ClientProcess
from taala.faults import REGISTRY, networked
from taala.formats.event_fields import freeze
from taala.history import Event, History
from taala.nemesis import Nemesis, ProcessClient
from taala.nemesis.proxy import TcpProxy
from taala.redis_connect import connect
from taala.schedule import WAIT, Schedule, leases
from taala.servers import BACKENDS, start_redis
from taala.servers.network import PrivateNetwork
from taala.target import Target
from taala.workload import Workload, load

LOCK_KEY, RESOURCE_KEY = "lock", "resource"
PATIENCE_LEASES, PATIENCE_MAX_S = 0.1, 0.2  # how long a step waits for its op before moving on


# How long the drain lets a blocking lock's ops in flight land before holders release.
DRAIN_GRACE_S = 0.5


class Environment:
    """Servers for one campaign; a context manager that always stops them."""

    def __init__(self, adapter_cls: type[Adapter], *, client_log: str | None = None, network: bool = False,
                 workload: Workload | None = None, target: Target | None = None):
        """`network`: start the nodes each in a namespace of a private network, so the
        `node-partition` fault can cut links between them (root only). `workload`: what
        the clients do in their critical sections (`taala.workload`); None: the counter.
        `target`: servers the user runs (`taala.target`), used instead of starting any."""
        self.adapter_cls = adapter_cls
        self.workload = workload
        self.target = target
        self.client_log = client_log  # where client processes write their output
        self.cluster = None
        self._runs = itertools.count(1)
        self._flushers: dict[str, Any] = {}  # address -> Redis connection kept across runs
        self.lock_key = LOCK_KEY
        self.proxies: dict[int, list[TcpProxy]] = {}  # client slot -> one proxy per node
        self.network: PrivateNetwork | None = None
        self.resource = start_redis(1)
        try:
            if target is not None:
                self.cluster = target.connect()
            elif adapter_cls.backend is not None:
                start, takes_nodes = BACKENDS[adapter_cls.backend]
                options = dict(adapter_cls.server_options)
                if network:
                    self.network = options["network"] = PrivateNetwork()
                self.cluster = start(adapter_cls.nodes, **options) if takes_nodes else start(**options)
        except BaseException:
            if self.network is not None:
                self.network.close()
            self.resource.close()
            raise

    @property
    def nodes(self) -> list:
        if self.cluster is None:
            return []
        return list(self.cluster) if hasattr(self.cluster, "__iter__") else [self.cluster]  # one server

    @property
    def addresses(self) -> list[str]:
        return [node.address for node in self.nodes]

    def use_proxies(self, clients: int) -> None:
        """Put a TCP proxy between each client slot and each node (kept for the campaign)."""
        for c in range(clients):
            if c not in self.proxies:
                self.proxies[c] = [TcpProxy(*host_port(node.address), name=f"client{c}-{node.name}").start()
                                   for node in self.nodes]

    def proxies_of(self, c: int) -> list[TcpProxy]:
        if c not in self.proxies:
            raise RuntimeError("connection faults need the runner's proxies (Environment.use_proxies)")
        return self.proxies[c]

    def addresses_for(self, c: int) -> list[str]:
        """Where client slot c connects: through its proxies if there are any."""
        return [p.address for p in self.proxies[c]] if c in self.proxies else self.addresses

    @property
    def resource_address(self) -> str:
        return self.resource[0].address

    def reset(self) -> None:
        """Back to a clean state: every node running, resumed, on time; Redis empty; a new key."""
        for node in self.nodes:
            if getattr(node, "paused", False):
                node.resume()
            clock = getattr(node, "clock", None)
            if clock is not None and clock.offset:
                clock.reset()
            if not node.running and self.target is not None:
                node.restart()  # a container: started again from its own config
            elif not node.running:
                node.start()
        for node in self.nodes + [self.resource[0]]:
            # a target's servers are the user's: never flushed (every run has its own key)
            if (self.adapter_cls.backend == "redis" and self.target is None) or node is self.resource[0]:
                self._flush(node.address)
        if self.workload is not None:
            load(self.store, self.workload)
        self.lock_key = f"taala-{os.getpid()}-{next(self._runs)}"

    @property
    def store(self) -> Any:
        """The coordinator's connection to the resource Redis (where a workload's data lives)."""
        return self._flushers[self.resource_address]

    def _flush(self, address: str) -> None:
        """FLUSHALL over a connection kept across runs; a node killed and restarted since
        broke it, so one failure reconnects once."""
        from redis.exceptions import ConnectionError as Disconnected
        from redis.exceptions import TimeoutError as TimedOut

        for attempt in (1, 2):
            r = self._flushers.get(address) or self._flushers.setdefault(address, connect(address, timeout=2.0))
            try:
                r.flushall()
                return
            except (Disconnected, TimedOut):
                self._flushers.pop(address).close()
                if attempt == 2:
                    raise

    def close(self) -> None:
        for r in self._flushers.values():
            r.close()
        try:
            for proxies in self.proxies.values():
                for proxy in proxies:
                    proxy.close()
            if self.cluster is not None:
                self.cluster.close()
            if self.network is not None:
                self.network.close()
        finally:
            self.resource.close()

    def __enter__(self) -> Environment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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


class _Recorder:
    """Appends events in the order they happen (ops complete and the nemesis records from other threads)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def add(self, type_: str, process: Any, f: str, value: Any = None, key: Any = None, error: Any = None) -> None:
        with self._lock:
            self.events.append(Event(len(self.events), type_, process, f, freeze(value), time.monotonic_ns(), key, error))

    def nemesis(self, event: dict) -> None:
        with self._lock:
            self.events.append(Event(len(self.events), "info", "nemesis", event["f"], freeze(event.get("value")), event.get("time")))


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
    kind = _Session if env.workload is None else _workload_session()
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


class _Session:
    """The state of one run: client processes, their ops in flight, who believes it holds
    the lock and what each holder read. One method per step kind; each returns whether it
    acted, and records the ops it performs."""

    def __init__(self, env: Environment, *, ttl: float, clients: int, op_timeout: float):
        self.env, self.ttl, self.op_timeout = env, ttl, op_timeout
        self.patience = min(PATIENCE_MAX_S, PATIENCE_LEASES * ttl)
        self.rec = _Recorder()
        self.nemesis: Nemesis | None = None
        self.mu = threading.Lock()  # guards the beliefs below: ops complete on their own threads
        self.procs: dict[int, ClientProcess] = {}
        self.inflight: dict[int, threading.Thread] = {}
        self.pid_of = {c: c for c in range(clients)}  # client slot -> current Jepsen process id
        self.next_pid = clients
        self.tokens: dict[int, Any] = {}  # slot -> token of the hold it believes it has
        self.modes = env.adapter_cls.modes  # acquire modes, the default first; () for a plain lock
        self.held_mode: dict[int, str] = {}  # slot -> mode of its hold (or of its acquire in flight)
        self.seen: dict[int, int] = {}  # slot -> resource value read and not yet written back
        self.max_holders = 0
        self.outcomes: Counter = Counter()
        self.errors: Counter = Counter()
        self.contended = False
        self.faults_struck = 0

    def step(self, step: list) -> bool:
        kind = step[0]
        if kind == WAIT:
            return self.wait(step[1])
        if kind in REGISTRY:
            return self.fault(step)
        return getattr(self, "step_" + kind)(*step[1:])  # an acquire may carry its mode

    # --- client processes and ops ---------------------------------------------------------

    def client(self, c: int, *, wait: bool = True) -> ClientProcess:
        if c not in self.procs:
            env = self.env
            self.procs[c] = ClientProcess(env.adapter_cls, env.addresses_for(c), self.ttl, c, env.resource_address,
                                          log_path=env.client_log, wait=False, workload=env.workload)
        return self.procs[c].ready() if wait else self.procs[c]

    def start_clients(self, clients: int) -> None:
        """Fork them all, then wait for them all: their adapters connect side by side."""
        for c in range(clients):
            self.client(c, wait=False)
        for c in range(clients):
            self.client(c)

    def pausable(self, c: int) -> ProcessClient:
        return ProcessClient(self.client(c).pid, name=self.pid_of[c])

    def settle(self, c: int) -> None:
        """Wait for client c's op in flight, if any (its reply has a timeout, so this ends)."""
        thread = self.inflight.pop(c, None)
        if thread is not None:
            thread.join()

    def wire(self, key: str) -> str:
        """The name a key has on the wire: every run locks names of its own (see `Environment`)."""
        return self.env.lock_key if key == LOCK_KEY else key

    def audit(self) -> None:
        """After the drain: nothing to read back for the counter (its ops are the record)."""

    def dispatch(self, c: int, f: str, command: str, key: str, arg: Any = None, value: Any = None,
                 then: Callable[[str, Any], None] | None = None, patient: bool = True) -> None:
        """Send one op to client c; its completion is recorded (and `then` applied to the
        beliefs) on a thread of its own. Wait for it up to the patience window, unless not
        `patient` (the caller has more ops to put in flight at the same moment)."""
        self.settle(c)
        proc, p = self.client(c), self.pid_of[c]
        self.rec.add("invoke", p, f, value, key)  # before the command is sent
        failed = proc.send(command, self.wire(key), arg)

        def complete() -> None:
            status, result, error = failed or proc.reply(self.op_timeout)
            self.rec.add(status, p, f, result if status == OK and result is not None else value, key, error)
            with self.mu:
                self.outcomes[(f, status)] += 1
                if status == INFO:
                    self.errors[str(error).splitlines()[0] if error else "unknown"] += 1
                    self.retire(c, proc)
                elif then is not None:
                    then(status, result)

        thread = threading.Thread(target=complete, daemon=True)
        self.inflight[c] = thread
        thread.start()
        if patient:
            thread.join(self.patience)

    def retire(self, c: int, proc: ClientProcess) -> None:
        """After an indeterminate op the process is gone for good (Jepsen): new id, new process."""
        proc.kill()
        if self.procs.get(c) is proc:
            del self.procs[c]
        self.tokens.pop(c, None)
        self.seen.pop(c, None)
        self.pid_of[c], self.next_pid = self.next_pid, self.next_pid + 1

    def close(self) -> None:
        for c in list(self.inflight):
            self.settle(c)
        for proc in self.procs.values():
            proc.stop()

    def drain(self) -> None:
        """Let every op finish and every holder release, so nothing outlives the run.

        Idle holders release, then the ops in flight are watched a patience window at a
        time, and whoever became an idle holder meanwhile releases at once: a blocking
        acquire queued behind a holder gets the lock right after it, instead of waiting
        out its timeout (the lock's whole `max_wait`, seconds per run with long leases)
        behind a holder whose own acquire was still landing (a reader granted just as the
        drain began, with a writer queued behind it). The drain sends no acquire, so it
        ends once every op in flight has.

        Before any of that, the ops in flight land while every holder still holds: an
        acquire slowed past the patience window (reconnecting to a restarted server) must
        meet the holder it overlaps, not a lock released under it just before it lands.
        A non-blocking acquire cannot be waiting for a holder, so it is awaited whole (the
        drain awaits it anyway); a blocking one may be, so only for a grace window."""
        blocking = self.env.adapter_cls.blocking
        grace = time.monotonic() + max(self.patience, min(self.ttl, DRAIN_GRACE_S))
        for t in list(self.inflight.values()):
            t.join(None if not blocking else max(0.0, grace - time.monotonic()))
        while True:
            busy = {c for c, t in self.inflight.items() if t.is_alive()}
            for c in [c for c in self.tokens if c not in busy]:
                self.step_release(c)
            alive = [t for t in self.inflight.values() if t.is_alive()]
            if not alive and not self.tokens:
                break
            if alive:
                alive[0].join(self.patience)
        for c in list(self.inflight):
            self.settle(c)

    def probe(self, slot: int) -> bool | None:
        """Can a fresh client take the lock (and give it back) within the declared leases?"""
        promise = self.env.adapter_cls.liveness
        if promise is None:
            return None
        deadline = time.monotonic() + (promise + self.env.adapter_cls.max_wait) * self.ttl + 1.0
        while True:
            proc = self.client(slot)  # a slot past the schedule's clients: never seen before
            mode = self.modes[0] if self.modes else None
            status, token, _ = proc.call("acquire", self.env.lock_key, mode, timeout=self.op_timeout)
            if status == OK:
                proc.call("release", self.env.lock_key, self._release_arg(token, mode), timeout=self.op_timeout)
                return True
            if status == INFO:
                self.procs.pop(slot).kill()
            if time.monotonic() > deadline:
                return False
            time.sleep(min(0.1 * self.ttl, 0.5))

    # --- client steps: only what a client acting on its belief would do -------------------

    def _f(self, f: str, mode: str | None) -> str:
        """The op's name in the history: `acquire-read` for a lock with modes, else `acquire`."""
        return f"{f}-{mode}" if mode is not None else f

    def _release_arg(self, token: Any, mode: str | None) -> Any:
        return (token, mode) if self.modes else token

    def step_acquire(self, c: int, mode: str | None = None, *, patient: bool = True) -> bool:
        self.settle(c)
        with self.mu:
            if c in self.tokens:  # a holder does not take its own lock again
                return False
            self.contended |= bool(self.tokens) or any(x != c and t.is_alive() for x, t in self.inflight.items())
        mode = (mode or self.modes[0]) if self.modes else None
        self.held_mode[c] = mode

        def took(status: str, token: Any) -> None:
            if status == OK:
                self.tokens[c] = token
                self.max_holders = max(self.max_holders, len(self.tokens))

        self.dispatch(c, self._f("acquire", mode), "acquire", LOCK_KEY, mode, then=took, patient=patient)
        return True

    def step_race(self, c: int) -> bool:
        """Clients c and c + 1 send their acquires at the same moment (in that order)."""
        racers = list(dict.fromkeys((c, (c + 1) % len(self.pid_of))))
        for x in racers:
            self.settle(x)
        acted = [self.step_acquire(x, patient=False) for x in racers]
        for x in racers:
            if x in self.inflight:
                self.inflight[x].join(self.patience)
        return any(acted)

    def step_release(self, c: int) -> bool:
        self.settle(c)
        with self.mu:
            if c not in self.tokens:  # only a client that believes it holds the lock releases
                return False
            token = self.tokens.pop(c)
            self.seen.pop(c, None)
            mode = self.held_mode.get(c)
        self.dispatch(c, self._f("release", mode), "release", LOCK_KEY, self._release_arg(token, mode))
        return True

    def _fence(self, c: int) -> Any:
        return self.tokens.get(c) if self.env.adapter_cls.fenced else None

    def step_read(self, c: int) -> bool:
        self.settle(c)
        with self.mu:
            if c not in self.tokens:  # the resource is only touched inside a critical section
                return False
            fence = self._fence(c)

        def remember(status: str, value: Any) -> None:
            if status == OK and c in self.tokens:
                self.seen[c] = value

        self.dispatch(c, "read", "read", RESOURCE_KEY, {"token": fence}, then=remember)
        return True

    def step_write(self, c: int) -> bool:
        self.settle(c)
        read = c in self.tokens and c not in self.seen and self.step_read(c)  # "what I read, plus one"
        self.settle(c)
        with self.mu:
            if c not in self.tokens or c not in self.seen:
                return read
            old = self.seen.pop(c)
            arg = {"token": self._fence(c), "value": old + 1}
        self.dispatch(c, "cas", "write", RESOURCE_KEY, arg, value=[old, old + 1])
        return True

    # --- time and faults ------------------------------------------------------------------

    def _active(self) -> bool:
        return bool(self.tokens) or any(t.is_alive() for t in self.inflight.values())

    def wait(self, length: float) -> bool:
        if not self._active():  # time passing on an idle system changes nothing
            return False
        time.sleep(length * self.ttl)
        return True

    def fault(self, step: list) -> bool:
        fault = REGISTRY[step[0]]
        target = step[1]
        if fault.target == "client" and fault.settles:
            self.settle(target)  # a step for a busy client waits for its op, faults too
        if fault.needs == "holder":
            if target not in self.tokens:
                return False  # a pause of a client holding nothing proves nothing
        elif fault.needs == "active" and not self._active():
            return False  # a fault on an idle system cannot touch any hold
        try:
            fault.inject(self, target, (step[2] if fault.timed else 0.0) * self.ttl)
        except psutil.NoSuchProcess:
            return False  # the client was retired (its op ended `info`) just as the fault came
        self.faults_struck += 1
        return True


def _workload_session() -> type:
    from taala.workload_session import (
        WorkloadSession,  # it extends _Session: imported late
    )

    return WorkloadSession


# Re-exported for callers that build their own ops on the same keys.
__all__ = ["Environment", "Run", "run", "op_timeout", "LOCK_KEY", "RESOURCE_KEY", "FAIL", "INFO", "OK"]
