"""The nemesis: injects faults into running servers, records them, and heals them all.

Every fault method acts, records one Jepsen-style ``info`` event through `record`, and
remembers how to undo itself. Faults compose freely (pause node 2 while node 4's clock is
ahead and the network is split), and `heal()` — called by ``with Nemesis(...)`` on exit,
whatever happened inside — undoes everything still active, newest first, recording a
stop event for each, and tries every undo even when one of them fails.

Event ``f`` names: start-pause / stop-pause, kill / restart, clock-jump / clock-reset,
partition / heal, start-delay / stop-delay (proxy), start-client-pause / stop-client-pause.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from taala.nemesis import partition as net
from taala.nemesis.client_pause import PauseGate, ProcessClient
from taala.nemesis.events import Clock, Recorder, discard, nemesis_event
from taala.nemesis.proxy import Direction, TcpProxy
from taala.servers.base import Server

PausableClient = PauseGate | ProcessClient


def _node(node: Server) -> dict[str, Any]:
    return {"node": node.name, "address": node.address}


class Nemesis:
    """Fault injector for one run. Use as a context manager so everything is healed."""

    def __init__(self, record: Recorder = discard, *, clock: Clock = time.monotonic_ns):
        self._record = record
        self._clock = clock
        self._lock = threading.RLock()
        self._active: dict[tuple, Callable[[], None]] = {}  # insertion order = start order
        self._timers: list[threading.Timer] = []
        self._partitioned: set[Server] = set()

    # ---- bookkeeping ------------------------------------------------------------------------
    def _emit(self, f: str, value: dict[str, Any]) -> None:
        self._record(nemesis_event(f, value, self._clock))

    def _later(self, seconds: float, action: Callable[[], None]) -> None:
        timer = threading.Timer(seconds, action)
        timer.daemon = True
        with self._lock:
            self._timers.append(timer)
        timer.start()

    @property
    def active(self) -> list[tuple]:
        """Keys of the faults in force now, e.g. ``("pause", "redis2")``."""
        return [(kind, getattr(target, "name", target)) for kind, target in self._active]

    # ---- process faults ---------------------------------------------------------------------
    def pause(self, node: Server, duration: float | None = None) -> None:
        """SIGSTOP the node's process group; with `duration`, resume it by itself after that."""
        with self._lock:
            node.pause()
            self._active[("pause", node)] = lambda: self.resume(node)
            self._emit("start-pause", _node(node))
        if duration is not None:
            self._later(duration, lambda: self.resume(node))

    def resume(self, node: Server) -> None:
        with self._lock:
            if self._active.pop(("pause", node), None) is None:
                return
            node.resume()
            self._emit("stop-pause", _node(node))

    def kill(self, node: Server) -> None:
        """SIGKILL the node (a crash). Healing restarts it with its data."""
        with self._lock:
            self._active.pop(("pause", node), None)  # a killed node is no longer paused
            node.kill()
            self._active[("kill", node)] = lambda: self.restart(node)
            self._emit("kill", _node(node))

    def restart(self, node: Server, *, wipe: bool = False) -> None:
        """Start a killed node again on its ports; `wipe` deletes what it had persisted first."""
        with self._lock:
            self._active.pop(("kill", node), None)
            self._active.pop(("pause", node), None)
            node.restart(wipe=wipe)
            self._emit("restart", {**_node(node), "wipe": wipe})

    # ---- clock faults -----------------------------------------------------------------------
    def clock_jump(self, node: Server, seconds: float) -> None:
        """Jump the node's wall clock by `seconds` (negative: back), on top of earlier jumps.

        For servers started without a fake clock whose timers run on the monotonic clock
        (ZooKeeper, etcd), a wall-clock jump has no effect; what a forward jump does to a
        lease holder there — time passes without the node acting — is modelled as a pause
        of that many seconds. A backward jump is recorded with ``"effect": "none"``.
        """
        clock = getattr(node, "clock", None)
        if clock is not None:
            with self._lock:
                clock.jump(seconds)
                self._active[("clock", node)] = lambda: self.reset_clock(node)
                self._emit("clock-jump", {**_node(node), "delta": seconds, "offset": clock.offset})
            return
        if node.wall_clock_timers:
            raise ValueError(f"{node.name} was started without a fake clock (clock=True)")
        if seconds > 0:
            self._emit("clock-jump", {**_node(node), "delta": seconds, "modelled-as": "pause"})
            self.pause(node, duration=seconds)
        else:
            self._emit("clock-jump", {**_node(node), "delta": seconds, "effect": "none"})

    def reset_clock(self, node: Server) -> None:
        with self._lock:
            if self._active.pop(("clock", node), None) is None:
                return
            node.clock.reset()  # type: ignore[attr-defined]
            self._emit("clock-reset", {**_node(node), "offset": 0.0})

    # ---- network faults (private network namespaces) ----------------------------------------
    def partition(self, groups: Sequence[Sequence[Server]]) -> None:
        """Cut every link between nodes of different groups (clients still reach all)."""
        with self._lock:
            net.partition(groups)
            self._partitioned.update(n for g in groups for n in g)
            self._active[("network", "partition")] = self.heal_network
            self._emit("partition", {"groups": [[n.name for n in g] for g in groups]})

    def isolate(self, node: Server, *, peers: Sequence[Server] = (), clients: bool = True,
                direction: Direction = "both", loss: float = 1.0) -> None:
        """Drop `node`'s traffic with `peers` and (if `clients`) with the test process.

        `direction` "in" loses what they send to the node, "out" what it sends back;
        `loss` < 1 drops that fraction of packets at random instead of all of them.
        """
        gateway = _gateway_of(node)
        addresses = [p.host for p in peers] + ([gateway] if clients else [])
        with self._lock:
            net.cut(node, addresses, direction, loss)
            self._partitioned.add(node)
            self._active[("network", "partition")] = self.heal_network
            self._emit("partition", {**_node(node), "peers": [p.name for p in peers],
                                     "clients": clients, "direction": direction, "loss": loss})

    def heal_network(self) -> None:
        with self._lock:
            if self._active.pop(("network", "partition"), None) is None:
                return
            net.heal(self._partitioned)
            self._partitioned.clear()
            self._emit("heal", {})

    # ---- proxy faults (any user, any backend; the only way to add latency here) -------------
    # `about`: who the proxy serves, recorded with the event: the runner names the Jepsen
    # `process` in the proxy's client slot at that moment and `cuts`, how many proxies that
    # client has (all struck by the same step), so the violation classifier can tell a holder
    # certainly cut off from every node (`taala.checker.lease`) from one that may not be.
    def delay(self, proxy: TcpProxy, seconds: float, **about: Any) -> None:
        with self._lock:
            proxy.set_delay(seconds)
            self._active[("proxy", proxy)] = lambda: self.heal_proxy(proxy)
            self._emit("start-delay", {"proxy": proxy.name, "delay": seconds, **about})

    def drop(self, proxy: TcpProxy, direction: Direction = "both", **about: Any) -> None:
        """Lose every byte through `proxy` in `direction` (a partition or one-way loss)."""
        with self._lock:
            proxy.drop(direction)
            self._active[("proxy", proxy)] = lambda: self.heal_proxy(proxy)
            self._emit("partition", {"proxy": proxy.name, "direction": direction, **about})

    def reset_connections(self, proxy: TcpProxy, **about: Any) -> None:
        """Drop every connection through `proxy` at once (the server-side CLIENT KILL /
        pg_terminate_backend, for any backend): instantaneous, nothing to heal."""
        proxy.reset_connections()
        self._emit("connection-kill", {"proxy": proxy.name, **about})

    def kill_statements(self, node: Server, user: str) -> int:
        """Kill the statements `user` runs on `node` (servers with `kill_statements`: SQL)."""
        killed = node.kill_statements(user)  # type: ignore[attr-defined]
        if killed:
            self._emit("query-kill", {**_node(node), "user": user, "killed": killed})
        return killed

    def heal_proxy(self, proxy: TcpProxy) -> None:
        with self._lock:
            if self._active.pop(("proxy", proxy), None) is None:
                return
            proxy.heal()
            self._emit("heal", {"proxy": proxy.name})

    # ---- client pauses ------------------------------------------------------------------------
    def pause_client(self, client: PausableClient, duration: float | None = None) -> None:
        """Stop a lock client (process: SIGSTOP; thread: its PauseGate) without touching its
        clock; with `duration` it resumes by itself."""
        with self._lock:
            client.pause()
            self._active[("client", client)] = lambda: self.resume_client(client)
            self._emit("start-client-pause", {"client": client.name})
        if duration is not None:
            self._later(duration, lambda: self.resume_client(client))

    def resume_client(self, client: PausableClient) -> None:
        with self._lock:
            if self._active.pop(("client", client), None) is None:
                return
            client.resume()
            self._emit("stop-client-pause", {"client": client.name})

    # ---- healing --------------------------------------------------------------------------
    def heal(self) -> None:
        """Undo every active fault, newest first; try them all, then raise the first error."""
        with self._lock:
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()
            errors: list[BaseException] = []
            for key in reversed(list(self._active)):
                undo = self._active.get(key)
                if undo is None:
                    continue
                try:
                    undo()
                except Exception as error:
                    self._active.pop(key, None)
                    errors.append(error)
        if errors:
            raise errors[0]

    def __enter__(self) -> Nemesis:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.heal()


def _gateway_of(node: Server) -> str:
    """The root namespace's address on the node's private network (x.y.z.1)."""
    return node.host.rsplit(".", 1)[0] + ".1"
