"""The fault registry: every fault taala can put in a schedule, in one record each.

A `Fault` says what it strikes (a lock client or a server node), whether it lasts a
while (its schedule step then carries a duration, in leases), how to read its step in
English, when it can matter, and how to inject it. `FAULTS` (the names `--faults`
accepts), the schedule strategy, `describe` and the runner's steps all derive from
`REGISTRY`, so adding a fault is one record here (Jepsen's `nemesis/combined` keeps each
fault's generator and nemesis together the same way).

`inject(session, target, seconds)` runs in the runner's coordinator thread while the
clients' ops stay in flight, and must leave nothing broken when it returns, except the
faults meant to persist for the rest of the run (a clock jump, added latency): the
nemesis heals those when the run ends. Faults on a client's *connections* (partition,
latency, connection kill) go through TCP proxies the runner puts between each client and
each node, so they need no root and work for every backend.

An injector records what it did through the run's nemesis (`session.nemesis`, which writes
a `nemesis` event into the history at the moment the fault took effect): that event is
what the checker, the classifier and the report see. A fault that only sleeps in the
coordinator (`slow`) leaves no event; the step itself is in the schedule and the reproducer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CLIENT, NODE = "client", "node"


@dataclass(frozen=True)
class Fault:
    name: str
    target: str  # CLIENT or NODE
    timed: bool  # the step carries a duration in leases: [name, target, leases]
    summary: str  # one line for `taala adapters` and `--help`
    wording: str  # the step in English; {target} and {leases} are filled in
    inject: Callable[[Any, int, float], None]
    # "holder": only when the targeted client believes it holds the lock (a pause of a
    # client holding nothing proves nothing); "active": only while somebody holds the lock
    # or has an op in flight (a fault on an idle system cannot touch any hold); "always".
    needs: str = "active"
    # A client fault that waits for the client's op in flight first (so `acquire 0, pause 0`
    # pauses a holder, never an acquire half-way, and replays the same way).
    settles: bool = True
    # Strikes the client's own connections, so clients reach the servers through taala's
    # TCP proxies (one per client and node) when a schedule holds it.
    proxied: bool = False
    # The backends whose servers can inject it (empty: any); see `unsupported`.
    backends: tuple[str, ...] = ()
    # Cuts links between server nodes, so the campaign starts its nodes each in a network
    # namespace of a private network (`taala.servers.network`; root only).
    networked: bool = False
    # What a node of a target (`--target`, servers you run) needs to take it: "container"
    # (a `docker:` node), "clock" (a `docker:` node with a `clock` directory); "" : never.
    on_targets: str = ""
    # Schedules under this fault may also hold plain waits (time passing, nobody faulted):
    # a slow holder's lease can then run out between steps, as it does in production.
    waits: bool = False

    def describe(self, target: int, leases: float | None = None) -> str:
        return self.wording.format(target=target, leases=f"{leases:g}" if leases is not None else "?")


def _slow(session: Any, c: int, seconds: float) -> None:
    time.sleep(seconds)  # the client process keeps running: renewal threads too


def _for(seconds: float, start: Callable[[], None], stop: Callable[[], None]) -> None:
    start()
    try:
        time.sleep(seconds)
    finally:
        stop()


def _pause(session: Any, c: int, seconds: float) -> None:
    victim = session.pausable(c)  # named by its Jepsen process id, so the report shades that lane
    _for(seconds, lambda: session.nemesis.pause_client(victim), lambda: session.nemesis.resume_client(victim))


def _node_pause(session: Any, n: int, seconds: float) -> None:
    node = session.env.nodes[n]
    _for(seconds, lambda: session.nemesis.pause(node), lambda: session.nemesis.resume(node))


def _clock(session: Any, n: int, seconds: float) -> None:
    # No sleep: Redis expires a key lazily when it is next touched, and any wait here
    # would be real time passing under the holder's lease.
    session.nemesis.clock_jump(session.env.nodes[n], seconds)


def _about(session: Any, c: int, proxies: list) -> dict[str, int]:
    """Who slot c's proxies serve now (recorded with their events: see `Nemesis.drop`)."""
    return {"process": session.pid_of[c], "cuts": len(proxies)}


def _partition(session: Any, c: int, seconds: float) -> None:
    proxies = session.env.proxies_of(c)
    about = _about(session, c, proxies)
    _for(seconds, lambda: [session.nemesis.drop(p, **about) for p in proxies],
         lambda: [session.nemesis.heal_proxy(p) for p in proxies])


def _latency(session: Any, c: int, seconds: float) -> None:
    proxies = session.env.proxies_of(c)
    for proxy in proxies:  # half each way: the round trip grows by `seconds`
        session.nemesis.delay(proxy, seconds / 2, **_about(session, c, proxies))


def _connection_kill(session: Any, c: int, seconds: float) -> None:
    proxies = session.env.proxies_of(c)
    for proxy in proxies:
        session.nemesis.reset_connections(proxy, **_about(session, c, proxies))


def _kill(session: Any, n: int, seconds: float) -> None:
    node = session.env.nodes[n]
    session.nemesis.kill(node)
    session.nemesis.restart(node, wipe=True)


def _node_partition(session: Any, n: int, seconds: float) -> None:
    node = session.env.nodes[n]
    peers = [other for other in session.env.nodes if other is not node]
    _for(seconds, lambda: session.nemesis.isolate(node, peers=peers, clients=False), session.nemesis.heal_network)


def session_user(client: int) -> str:
    """The database user client slot `client` connects as: one name per client, so the
    server-side faults (`query-kill`) can find that client's sessions and nobody else's.
    Adapters connect under this name (`taala.adapter` re-exports it for them)."""
    return f"taala_c{client}"


def _query_kill(session: Any, c: int, seconds: float) -> None:
    # Again and again until the op in flight returns, as pt-kill does with a busy
    # connection (a stored procedure carries on after each killed statement); with nothing
    # in flight, one sweep. Bounded by the op timeout, after which the op is `info` anyway.
    op = session.inflight.get(c)
    deadline = time.monotonic() + session.op_timeout
    while True:
        session.nemesis.kill_statements(session.env.nodes[0], session_user(c))
        if op is None or not op.is_alive() or time.monotonic() >= deadline:
            return
        time.sleep(0.02)


REGISTRY: dict[str, Fault] = {f.name: f for f in (
    Fault("slow", CLIENT, True,
          "a holder works for a while inside its critical section (a slow bank call)",
          "client {target} works inside its critical section for {leases} leases", _slow, needs="holder",
          waits=True),
    Fault("pause", CLIENT, True,
          "pause a lock client (SIGSTOP), then resume it: the GC pause",
          "client {target} is paused (SIGSTOP) for {leases} leases", _pause, needs="holder"),
    Fault("node-pause", NODE, True,
          "pause a server node (SIGSTOP) for a while, then resume it",
          "server node {target} is paused (SIGSTOP) for {leases} leases", _node_pause, on_targets="container"),
    Fault("clock", NODE, True,
          "jump a server node's wall clock forward (for the rest of the run)",
          "server node {target}'s clock jumps {leases} leases forward", _clock, on_targets="clock"),
    Fault("kill", NODE, False,
          "kill a server node and restart it empty (no persistence)",
          "server node {target} is killed and restarted empty", _kill, on_targets="container"),
    Fault("partition", CLIENT, True,
          "cut a lock client off from every server node for a while (what it sends and receives is lost)",
          "client {target} is cut off from the servers for {leases} leases", _partition, proxied=True),
    Fault("latency", CLIENT, True,
          "slow a lock client's network: its round trip to the servers grows (for the rest of the run)",
          "client {target}'s round trip to the servers grows by {leases} leases", _latency,
          needs="always", settles=False, proxied=True),
    Fault("connection-kill", CLIENT, False,
          "the servers drop a lock client's connections (CLIENT KILL, pg_terminate_backend): its sessions end",
          "client {target}'s connections to the servers are dropped", _connection_kill,
          needs="holder", proxied=True),
    Fault("node-partition", NODE, True,
          "cut a server node off from the other nodes for a while (clients still reach it)",
          "server node {target} is cut off from the other nodes for {leases} leases", _node_partition,
          backends=("zookeeper", "etcd"), networked=True),
    Fault("query-kill", CLIENT, False,
          "the server kills a client's statements until its op returns (KILL QUERY, as pt-kill does)",
          "client {target}'s statements are killed on the server until its op returns", _query_kill,
          settles=False, backends=("mariadb",)),
)}


def unsupported(faults: list[str], adapter_cls: Any) -> list[str]:
    """Why some of `faults` cannot strike this adapter (one line each; empty when all can)."""
    problems = []
    for name in faults:
        fault = REGISTRY.get(name)
        if fault is None:
            continue
        if fault.target == NODE and adapter_cls.backend is None:
            problems.append(f"{name}: {adapter_cls.name} has no servers, so it cannot take server faults")
        elif fault.backends and adapter_cls.backend not in fault.backends:
            problems.append(f"{name}: needs a {' or '.join(fault.backends)} backend; "
                            f"{adapter_cls.name} uses {adapter_cls.backend or 'no server'}")
        elif fault.networked and os.geteuid() != 0:
            problems.append(f"{name}: cutting links between nodes needs network namespaces, so root")
    return problems


def networked(faults: list[str]) -> bool:
    """Whether a campaign with these faults (or a schedule's step names) needs its nodes
    in a private network."""
    return any(REGISTRY[name].networked for name in faults if name in REGISTRY)

# What `--faults` accepts: "none" (clients only take turns) and every registered fault.
FAULTS: dict[str, str] = {"none": "no faults: clients only take turns, well inside their leases"}
FAULTS.update({name: fault.summary for name, fault in REGISTRY.items()})
