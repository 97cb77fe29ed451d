"""Critical sections ("holds") read off a lock history.

A client is in its critical section from the moment its acquire returned `ok` until it
*invokes* its release: that is the span in which it believes it owns the lock and touches
the protected resource. Whether the release then succeeds does not shorten or extend what
the client did. A hold that is never released stays open to the end of the history.

Acquires whose outcome is unknown (`info`, no completion) produce no hold: the client was
retired and never used the lock. They are counted as `uncertain` so the report can say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Sequence

from taala.history import OK, Operation, key_name
from taala.model import LockSemantics

OPEN = float("inf")


@dataclass(slots=True)
class Hold:
    key: Hashable
    process: Hashable
    acquire: Operation
    release: Operation | None  # None: never released in this history
    shared: bool  # a reader's hold (rw-lock); conflicts only with exclusive holds

    @property
    def start(self) -> int:
        return self.acquire.ret  # type: ignore[return-value]

    @property
    def end(self) -> float:
        return OPEN if self.release is None else self.release.call

    def describe(self) -> str:
        until = "never released" if self.release is None else f"release invoked at index {self.release.index}"
        kind = "read-held" if self.shared else "held"
        acq = self.acquire.completion.index if self.acquire.completion else self.acquire.index
        return f"p{self.process} {kind} {key_name(self.key)} from index {acq} (acquire ok) until {until}"


def holds(ops: Sequence[Operation], lock: LockSemantics) -> tuple[list[Hold], int]:
    """All holds in the history (ordered by start), and the number of uncertain acquires."""
    acquire_fs = lock.acquire | lock.shared_acquire
    release_fs = lock.release | lock.shared_release
    open_holds: dict[tuple[Hashable, Hashable, bool], tuple[Operation, int]] = {}  # -> (acquire, depth)
    done: list[Hold] = []
    uncertain = 0
    for op in ops:  # invocation order; a process's ops never overlap each other
        shared = op.f in lock.shared_acquire or op.f in lock.shared_release
        slot = (op.key, op.process, shared)
        if op.f in acquire_fs:
            if op.status == OK:
                if slot in open_holds:
                    first, depth = open_holds[slot]
                    open_holds[slot] = (first, depth + 1)
                else:
                    open_holds[slot] = (op, 1)
            elif op.status != "fail":
                uncertain += 1
        elif op.f in release_fs and slot in open_holds:
            first, depth = open_holds[slot]
            if depth > 1 and lock.reentrant:
                open_holds[slot] = (first, depth - 1)
            else:
                del open_holds[slot]
                done.append(Hold(op.key, op.process, first, op, shared))
    for (key, process, shared), (first, _) in open_holds.items():
        done.append(Hold(key, process, first, None, shared))
    done.sort(key=lambda h: h.start)
    return done, uncertain
