"""The session: the state of one run, and one method per kind of step.

Each op goes to its client and the session waits for its reply for a short *patience*
window: an op still running after that (a blocking acquire waiting for the lock, an op
stuck on a paused node) stays in flight while later steps run, so a waiter can block while
the holder works and releases. A step for a busy client, faults on that client included,
first waits for its op to complete. Fast ops thus keep the order of the schedule, which
makes a minimal schedule replay the same way; `race` puts two acquires in flight at the
same moment on purpose.

When the steps are done the faults are healed and the run *drains*: every holder releases
and every waiter finishes, so a blocked acquire never outlives its run. Then a *liveness
probe*: a fresh client must get the lock within the adapter's declared number of leases
(its ops are not part of the history: liveness is reported apart from safety). The history
holds lock ops on key "lock", resource ops (`read`, `cas`) on key "resource", and nemesis
events, each with its real invocation and completion time.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import psutil
from taala.faults import REGISTRY
from taala.nemesis import Nemesis, ProcessClient
from taala.runner.client import INFO, OK, ClientProcess
from taala.runner.environment import LOCK_KEY, RESOURCE_KEY, Environment
from taala.runner.recorder import Recorder
from taala.schedule import WAIT

PATIENCE_LEASES, PATIENCE_MAX_S = 0.1, 0.2  # how long a step waits for its op before moving on


# How long the drain lets a blocking lock's ops in flight land before holders release.
DRAIN_GRACE_S = 0.5


class Session:
    """The state of one run: client processes, their ops in flight, who believes it holds
    the lock and what each holder read. One method per step kind; each returns whether it
    acted, and records the ops it performs."""

    def __init__(self, env: Environment, *, ttl: float, clients: int, op_timeout: float):
        self.env, self.ttl, self.op_timeout = env, ttl, op_timeout
        self.patience = min(PATIENCE_MAX_S, PATIENCE_LEASES * ttl)
        self.rec = Recorder()
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
            # a process adapter's child has `start_timeout` to answer hello (taala.process_adapter)
            startup = max(10.0, getattr(env.adapter_cls, "start_timeout", 0.0) + 5.0)
            self.procs[c] = ClientProcess(env.adapter_cls, env.addresses_for(c), self.ttl, c, env.resource_address,
                                          startup_timeout=startup, log_path=env.client_log, wait=False,
                                          workload=env.workload)
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
