"""Critical sections ("holds") read off a lock history.

A client is in its critical section from the moment its acquire returned `ok` until it
*invokes* its release: that is the span in which it believes it owns the lock and touches
the protected resource. Whether the release then succeeds does not shorten or extend what
the client did. A hold that is never released stays open to the end of the history.

Acquires whose outcome is unknown (`info`, no completion) produce no hold: the client was
retired and never used the lock. They are counted as `uncertain` so the report can say so.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from taala.history import FAIL, OK, Operation, key_name
from taala.model import LockSemantics

OPEN = float("inf")


class Hold:
    """One critical section. `start`/`end` are history positions (end may be OPEN)."""

    __slots__ = ("key", "process", "acquire", "release", "shared", "start", "end")

    def __init__(self, key: Hashable, process: Hashable, acquire: Operation, release: Operation | None, shared: bool):
        self.key, self.process, self.acquire, self.release, self.shared = key, process, acquire, release, shared
        self.start = acquire.ret
        self.end = OPEN if release is None else release.call

    def describe(self) -> str:
        until = "never released" if self.release is None else f"release invoked at index {self.release.index}"
        kind = "read-held" if self.shared else "held"
        acq = self.acquire.completion.index if self.acquire.completion else self.acquire.index
        return f"p{self.process} {kind} {key_name(self.key)} from index {acq} (acquire ok) until {until}"


def holds(ops: Sequence[Operation], lock: LockSemantics) -> tuple[list[Hold], int]:
    """All holds in the history (ordered by start), and the number of uncertain acquires."""
    # f -> (is an acquire, is shared)
    kinds = {f: (True, False) for f in lock.acquire}
    kinds.update({f: (False, False) for f in lock.release})
    kinds.update({f: (True, True) for f in lock.shared_acquire})
    kinds.update({f: (False, True) for f in lock.shared_release})
    reentrant = lock.reentrant
    open_holds: dict[tuple, list] = {}  # (key, process, shared) -> [first acquire, depth]
    done: list[Hold] = []
    uncertain = 0
    for op in ops:  # invocation order; a process's ops never overlap each other
        kind = kinds.get(op.f)
        if kind is None:
            continue
        is_acquire, shared = kind
        slot = (op.key, op.process, shared)
        if is_acquire:
            status = op.status
            if status == OK:
                held = open_holds.get(slot)
                if held is None:
                    open_holds[slot] = [op, 1]
                else:
                    held[1] += 1
            elif status != FAIL:
                uncertain += 1
        else:
            held = open_holds.get(slot)
            if held is None:
                continue
            if reentrant and held[1] > 1:
                held[1] -= 1
            else:
                del open_holds[slot]
                done.append(Hold(op.key, op.process, held[0], op, shared))
    for (key, process, shared), (first, _) in open_holds.items():
        done.append(Hold(key, process, first, None, shared))
    done.sort(key=_start)
    return done, uncertain


def _start(h: Hold) -> int:
    return h.start
