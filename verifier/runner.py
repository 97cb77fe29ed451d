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
    adapter_cls = env.adapter_cls
    op_timeout = op_timeout if op_timeout is not None else max(2.0, 4 * ttl)
    fault_s = FAULT_LEASES * ttl
    env.reset()
    rec = _Recorder()
    started = time.monotonic()
    procs: dict[int, ClientProcess] = {}
    pid_of = {c: c for c in range(clients)}  # client slot -> current Jepsen process id
    tokens: dict[int, Any] = {}  # slot -> token of the hold it believes it has
    seen: dict[int, int] = {}  # slot -> resource value it read and has not written back yet
    next_pid = clients
    max_holders = 0

    def client(c: int) -> ClientProcess:
        if c not in procs:
            procs[c] = ClientProcess(adapter_cls, env.addresses, ttl, c, env.resource_address)
        return procs[c]

    def retire(c: int) -> None:
        nonlocal next_pid
        procs.pop(c).kill()
        tokens.pop(c, None)
        seen.pop(c, None)
        pid_of[c], next_pid = next_pid, next_pid + 1

    def op(c: int, f: str, command: str, key: str, arg: Any = None, value: Any = None) -> tuple[str, Any]:
        p = pid_of[c]
        rec.add("invoke", p, f, value, key)
        status, result, error = client(c).call(command, key, arg, timeout=op_timeout)
        out = result if status == OK and result is not None else value
        rec.add(status, p, f, out, key, error)
        if status == INFO:
            retire(c)
        return status, result

    try:
        with Nemesis(record=rec.nemesis) as nemesis:
            for c in range(clients):  # start every client up front, before any fault
                client(c)
            for kind, target in schedule:
                if kind in FAULT_STEPS and not tokens:
                    # Steps run one at a time, so while nobody believes it holds the lock no
                    # acquire is in flight either: a fault now cannot touch any hold. Skipping
                    # it keeps the search (and the wall clock) on faults that can matter.
                    continue
                if kind == "acquire":
                    if target in tokens:  # a holder does not take its own lock again
                        continue
                    status, token = op(target, "acquire", "acquire", LOCK_KEY, value=None)
                    if status == OK:
                        tokens[target] = token
                        max_holders = max(max_holders, len(tokens))
                elif kind == "release":
                    if target in tokens:  # only a client that believes it holds the lock releases
                        op(target, "release", "release", LOCK_KEY, tokens.pop(target))
                elif kind in ("read", "write") and target not in tokens:
                    continue  # the resource is only touched inside a (believed) critical section
                elif kind == "read":
                    fence = tokens.get(target) if adapter_cls.fenced else None
                    status, value = op(target, "read", "read", RESOURCE_KEY, {"token": fence})
                    if status == OK:
                        seen[target] = value
                elif kind == "write":
                    fence = tokens.get(target) if adapter_cls.fenced else None
                    if target not in seen:  # read first: the write is always "what I read, plus one"
                        status, value = op(target, "read", "read", RESOURCE_KEY, {"token": fence})
                        if status != OK:
                            continue
                        seen[target] = value
                    old = seen.pop(target)
                    op(target, "cas", "write", RESOURCE_KEY, {"token": fence, "value": old + 1}, value=[old, old + 1])
                elif kind == "pause":
                    if target not in tokens:  # pausing a client that holds nothing proves nothing
                        continue
                    victim = ProcessClient(client(target).pid, name=f"client {pid_of[target]}")
                    nemesis.pause_client(victim)
                    time.sleep(fault_s)
                    nemesis.resume_client(victim)
                elif kind == "node-pause":
                    node = env.nodes[target]
                    nemesis.pause(node)
                    time.sleep(fault_s)
                    nemesis.resume(node)
                elif kind == "clock":
                    # No sleep: Redis expires a key lazily when it is next touched, and any
                    # wait here would be real time passing under the holder's lease.
                    nemesis.clock_jump(env.nodes[target], fault_s)
                elif kind == "kill":
                    node = env.nodes[target]
                    nemesis.kill(node)
                    nemesis.restart(node, wipe=True)
                else:
                    raise ValueError(f"unknown step {kind!r}")
    finally:
        for proc in procs.values():
            proc.stop()
    history = History(rec.events, source=f"<{adapter_cls.name}>")
    return Run(list(map(list, schedule)), history, max_holders, time.monotonic() - started)


# Re-exported for callers that build their own ops on the same keys.
__all__ = ["Environment", "Run", "run", "LOCK_KEY", "RESOURCE_KEY", "FAIL", "INFO", "OK"]
