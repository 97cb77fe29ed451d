"""The runner: executes one schedule against real servers and records the history.

`Environment` owns the servers of a campaign: the adapter's backend nodes plus one Redis
for the protected resource, which the nemesis never touches. Servers are started once and
reset between runs (faults healed, data flushed), because starting five Redis servers for
each of hundreds of Hypothesis examples would dominate the campaign.

`run()` starts fresh client processes, executes the steps in order, one op at a time, and
returns the history: lock ops on key "lock", resource ops (`read`, `cas`) on key
"resource", and nemesis events, all in the order they happened.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from taala.adapter import Adapter
from taala.client import FAIL, INFO, OK, ClientProcess
from taala.formats.event_fields import freeze
from taala.history import Event, History
from taala.nemesis import Nemesis, ProcessClient
from taala.redis_connect import connect
from taala.schedule import FAULT_LEASES, FAULT_STEPS, Schedule
from taala.servers import BACKENDS, start_redis

LOCK_KEY, RESOURCE_KEY = "lock", "resource"


class Environment:
    """Servers for one campaign; a context manager that always stops them."""

    def __init__(self, adapter_cls: type[Adapter]):
        self.adapter_cls = adapter_cls
        self.cluster = None
        self.resource = start_redis(1)
        try:
            if adapter_cls.backend is not None:
                start, takes_nodes = BACKENDS[adapter_cls.backend]
                options = dict(adapter_cls.server_options)
                self.cluster = start(adapter_cls.nodes, **options) if takes_nodes else start(**options)
        except BaseException:
            self.resource.close()
            raise

    @property
    def nodes(self) -> list:
        return list(self.cluster) if self.cluster is not None else []

    @property
    def addresses(self) -> list[str]:
        return [node.address for node in self.nodes]

    @property
    def resource_address(self) -> str:
        return self.resource[0].address

    def reset(self) -> None:
        """Back to a clean state: every node running, resumed, on time, and empty."""
        for node in self.nodes:
            if getattr(node, "paused", False):
                node.resume()
            clock = getattr(node, "clock", None)
            if clock is not None and clock.offset:
                clock.reset()
            if not node.running:
                node.start()
        for node in self.nodes + [self.resource[0]]:
            if self.adapter_cls.backend == "redis" or node is self.resource[0]:
                _flush(node.address)

    def close(self) -> None:
        try:
            if self.cluster is not None:
                self.cluster.close()
        finally:
            self.resource.close()

    def __enter__(self) -> Environment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _flush(address: str) -> None:
    r = connect(address, timeout=2.0)
    try:
        r.flushall()
    finally:
        r.close()


@dataclass
class Run:
    """What one execution of a schedule produced."""

    schedule: Schedule
    history: History
    max_holders: int  # most clients that believed they held the lock at once
    elapsed_s: float
    notes: list[str] = field(default_factory=list)


class _Recorder:
    """Appends events in the order they happen (the nemesis records from timer threads)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def add(self, type_: str, process: Any, f: str, value: Any = None, key: Any = None, error: Any = None) -> None:
        with self._lock:
            self.events.append(Event(len(self.events), type_, process, f, freeze(value), time.monotonic_ns(), key, error))

    def nemesis(self, event: dict) -> None:
        with self._lock:
            self.events.append(Event(len(self.events), "info", "nemesis", event["f"], freeze(event.get("value")), event.get("time")))


def run(env: Environment, schedule: Schedule, *, ttl: float, clients: int, op_timeout: float | None = None) -> Run:
    """Execute `schedule` with `clients` fresh client processes; always heals and cleans up."""
    env.reset()
    started = time.monotonic()
    session = _Session(env, ttl=ttl, clients=clients, op_timeout=op_timeout or max(2.0, 4 * ttl))
    try:
        with Nemesis(record=session.rec.nemesis) as nemesis:
            session.nemesis = nemesis
            for c in range(clients):  # start every client up front, before any fault
                session.client(c)
            for kind, target in schedule:
                if kind in FAULT_STEPS and not session.tokens:
                    # Steps run one at a time, so while nobody believes it holds the lock no
                    # acquire is in flight either: a fault now cannot touch any hold. Skipping
                    # it keeps the search (and the wall clock) on faults that can matter.
                    continue
                session.step(kind, target)
    finally:
        session.close()
    history = History(session.rec.events, source=f"<{env.adapter_cls.name}>")
    return Run(list(map(list, schedule)), history, session.max_holders, time.monotonic() - started)


class _Session:
    """The state of one run: client processes, who believes it holds the lock, and what
    each holder read. One method per step kind; each records the ops it performs."""

    def __init__(self, env: Environment, *, ttl: float, clients: int, op_timeout: float):
        self.env, self.ttl, self.op_timeout = env, ttl, op_timeout
        self.fault_s = FAULT_LEASES * ttl
        self.rec = _Recorder()
        self.nemesis: Nemesis | None = None
        self.procs: dict[int, ClientProcess] = {}
        self.pid_of = {c: c for c in range(clients)}  # client slot -> current Jepsen process id
        self.next_pid = clients
        self.tokens: dict[int, Any] = {}  # slot -> token of the hold it believes it has
        self.seen: dict[int, int] = {}  # slot -> resource value read and not yet written back
        self.max_holders = 0

    def step(self, kind: str, target: int) -> None:
        getattr(self, "step_" + kind.replace("-", "_"))(target)

    # --- client processes -------------------------------------------------------------

    def client(self, c: int) -> ClientProcess:
        if c not in self.procs:
            env = self.env
            self.procs[c] = ClientProcess(env.adapter_cls, env.addresses, self.ttl, c, env.resource_address)
        return self.procs[c]

    def retire(self, c: int) -> None:
        """After an indeterminate op the process is gone for good (Jepsen): new id, new process."""
        self.procs.pop(c).kill()
        self.tokens.pop(c, None)
        self.seen.pop(c, None)
        self.pid_of[c], self.next_pid = self.next_pid, self.next_pid + 1

    def op(self, c: int, f: str, command: str, key: str, arg: Any = None, value: Any = None) -> tuple[str, Any]:
        """One recorded op: invocation before the command is sent, completion after the reply."""
        p = self.pid_of[c]
        self.rec.add("invoke", p, f, value, key)
        status, result, error = self.client(c).call(command, key, arg, timeout=self.op_timeout)
        self.rec.add(status, p, f, result if status == OK and result is not None else value, key, error)
        if status == INFO:
            self.retire(c)
        return status, result

    def close(self) -> None:
        for proc in self.procs.values():
            proc.stop()

    # --- client steps: only what a client acting on its belief would do -------------------

    def step_acquire(self, c: int) -> None:
        if c in self.tokens:  # a holder does not take its own lock again
            return
        status, token = self.op(c, "acquire", "acquire", LOCK_KEY)
        if status == OK:
            self.tokens[c] = token
            self.max_holders = max(self.max_holders, len(self.tokens))

    def step_race(self, c: int) -> None:
        """Two acquires in flight at once: the only overlapping ops a schedule makes."""
        other = (c + 1) % len(self.pid_of)
        racers = [threading.Thread(target=self.step_acquire, args=(x,)) for x in dict.fromkeys((c, other))]
        for t in racers:
            t.start()
        for t in racers:
            t.join()

    def step_release(self, c: int) -> None:
        if c in self.tokens:  # only a client that believes it holds the lock releases
            self.op(c, "release", "release", LOCK_KEY, self.tokens.pop(c))

    def _fence(self, c: int) -> Any:
        return self.tokens.get(c) if self.env.adapter_cls.fenced else None

    def step_read(self, c: int) -> bool:
        if c not in self.tokens:  # the resource is only touched inside a critical section
            return False
        status, value = self.op(c, "read", "read", RESOURCE_KEY, {"token": self._fence(c)})
        if status == OK:
            self.seen[c] = value
        return status == OK

    def step_write(self, c: int) -> None:
        if c not in self.tokens or (c not in self.seen and not self.step_read(c)):
            return  # the write is always "what I read, plus one": read first if needed
        old = self.seen.pop(c)
        arg = {"token": self._fence(c), "value": old + 1}
        self.op(c, "cas", "write", RESOURCE_KEY, arg, value=[old, old + 1])

    # --- fault steps --------------------------------------------------------------------

    def step_slow(self, c: int) -> None:
        if c not in self.tokens:  # only a holder has a critical section to be slow in
            return
        time.sleep(self.fault_s)  # the client process keeps running: renewal threads too

    def step_pause(self, c: int) -> None:
        if c not in self.tokens:  # pausing a client that holds nothing proves nothing
            return
        # named by its Jepsen process id, so the report shades exactly that lane
        victim = ProcessClient(self.client(c).pid, name=self.pid_of[c])
        self.nemesis.pause_client(victim)
        time.sleep(self.fault_s)
        self.nemesis.resume_client(victim)

    def step_node_pause(self, n: int) -> None:
        node = self.env.nodes[n]
        self.nemesis.pause(node)
        time.sleep(self.fault_s)
        self.nemesis.resume(node)

    def step_clock(self, n: int) -> None:
        # No sleep: Redis expires a key lazily when it is next touched, and any wait here
        # would be real time passing under the holder's lease.
        self.nemesis.clock_jump(self.env.nodes[n], self.fault_s)

    def step_kill(self, n: int) -> None:
        node = self.env.nodes[n]
        self.nemesis.kill(node)
        self.nemesis.restart(node, wipe=True)


# Re-exported for callers that build their own ops on the same keys.
__all__ = ["Environment", "Run", "run", "LOCK_KEY", "RESOURCE_KEY", "FAIL", "INFO", "OK"]
