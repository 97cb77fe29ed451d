"""The runner's steps when the clients run a workload: several locks per operation.

Each client works through its workload's operations one at a time (`Workload.op(c, n)`).
`acquire c` takes the *next* lock of c's operation, in the order that client's code takes
them, so a schedule can interleave two clients' first locks and then their second ones (a
deadlock with blocking locks). A client believes it holds whatever it acquired; only with
every lock of its operation does it read and write (`read c`, `write c`: the operation's
business step, recorded under its own name, e.g. `debit`); `release c` gives back every
lock it holds, last taken first, and ends the operation, written or not. A failed acquire
leaves the operation current: the next `acquire c` tries again, as an app retries.

Lock ops are recorded on each lock key ("user:0", "account:1"), so the lock part of the
verdict is checked per key, and a cycle of waits across keys is the deadlock check's.
When the run has drained, the coordinator reads the store once and records it (`audit`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from taala.runner.client import OK
from taala.runner.session import Session
from taala.workloads.base import AUDIT, Op, read


class WorkloadSession(Session):
    def __init__(self, env: Any, **kwargs: Any):
        super().__init__(env, **kwargs)
        self.workload = env.workload
        self.begun: Counter = Counter()  # slot -> operations begun
        self.current: dict[int, Op] = {}  # slot -> its operation in progress
        self.written: set[int] = set()  # slots whose current operation has written
        # self.tokens: slot -> {lock key: token} of the locks it believes it holds (never empty)

    def wire(self, key: str) -> str:
        """A lock key's name on the backend: the run's own prefix, in characters every
        backend accepts in a lock name (ZooKeeper paths, MariaDB's 64-character names)."""
        return f"{self.env.lock_key}_{key}".replace("/", ".").replace(":", "_")

    def _operation(self, c: int) -> Op:
        if c not in self.current:
            self.current[c] = self.workload.op(c, self.begun[c])
            self.begun[c] += 1
        return self.current[c]

    def _ready(self, c: int) -> Op | None:
        """c's operation if c holds every one of its locks and has not written yet."""
        op = self.current.get(c)
        if op is None or c in self.written or set(op.keys) - set(self.tokens.get(c, {})):
            return None
        return op

    def retire(self, c: int, proc: Any) -> None:
        super().retire(c, proc)
        self.current.pop(c, None)  # the new process starts a new operation
        self.written.discard(c)

    def step_acquire(self, c: int, patient: bool = True) -> bool:
        self.settle(c)
        with self.mu:
            op = self._operation(c)
            held = self.tokens.get(c, {})
            todo = [k for k in op.keys if k not in held]
            if not todo:
                return False
            key = todo[0]
            self.contended |= any(key in t for x, t in self.tokens.items() if x != c) or any(
                x != c and t.is_alive() for x, t in self.inflight.items())

        def took(status: str, token: Any) -> None:
            if status == OK:
                self.tokens.setdefault(c, {})[key] = token
                self.max_holders = max(self.max_holders, sum(1 for t in self.tokens.values() if key in t))

        self.dispatch(c, "acquire", "acquire", key, then=took, patient=patient)
        return True

    def step_release(self, c: int) -> bool:
        self.settle(c)
        with self.mu:
            held = self.tokens.pop(c, {})
            self.current.pop(c, None)
            self.written.discard(c)
            self.seen.pop(c, None)
        for key, token in reversed(list(held.items())):
            self.dispatch(c, "release", "release", key, token)
        return bool(held)

    def step_read(self, c: int) -> bool:
        self.settle(c)
        with self.mu:
            op = self._ready(c)
            if op is None:
                return False

        def remember(status: str, value: Any) -> None:
            if status == OK and self._ready(c) is op:
                self.seen[c] = dict(value)

        self.dispatch(c, "read", "wread", op.subject, {"op": op}, then=remember)
        return True

    def step_write(self, c: int) -> bool:
        self.settle(c)
        read = self._ready(c) is not None and c not in self.seen and self.step_read(c)
        self.settle(c)
        with self.mu:
            op = self._ready(c)
            if op is None or c not in self.seen:
                return read
            seen = self.seen.pop(c)
            tokens = dict(self.tokens[c]) if self.env.adapter_cls.fenced else None
            self.written.add(c)
        self.dispatch(c, op.name, "wwrite", op.subject, {"op": op, "seen": seen, "tokens": tokens},
                      value=dict(op.args))
        return True

    def audit(self) -> None:
        """Read the whole store once, after every op has ended, and record it as an op."""
        p, self.next_pid = self.next_pid, self.next_pid + 1
        self.rec.add("invoke", p, AUDIT, None, AUDIT)
        self.rec.add("ok", p, AUDIT, read(self.env.store, self.workload, self.workload.audit_keys()), AUDIT)
