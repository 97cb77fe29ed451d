"""`rw-lock`: many readers or one writer.

Ops: `acquire-read`, `release-read`, `acquire-write`, `release-write` (plain `acquire` and
`release` mean the write lock). Owners are not tracked.
"""

from taala.model import INCONSISTENT, LockSemantics, Model

_WRITE_ACQ = {"acquire-write", "acquire"}
_WRITE_REL = {"release-write", "release"}


class RWLock(Model):
    name = "rw-lock"
    summary = "readers-writer lock: any number of readers or a single writer"
    indeterminate = "An acquire or release with unknown outcome may have taken effect once, or not at all."
    fs = frozenset({"acquire-read", "release-read", "acquire-write", "release-write", "acquire", "release"})
    lock = LockSemantics(
        acquire=frozenset(_WRITE_ACQ),
        release=frozenset(_WRITE_REL),
        shared_acquire=frozenset({"acquire-read"}),
        shared_release=frozenset({"release-read"}),
    )

    def init(self):
        return (False, 0)  # (writer holds, number of readers)

    def step(self, state, op):
        writer, readers = state
        f = op.f
        if f == "acquire-read":
            return INCONSISTENT if writer else (False, readers + 1)
        if f == "release-read":
            return (False, readers - 1) if readers else INCONSISTENT
        if f in _WRITE_ACQ:
            return INCONSISTENT if writer or readers else (True, 0)
        return (False, 0) if writer else INCONSISTENT

    def explain(self, state, op):
        return f"{op.f} is impossible while {self.describe_state(state)}"

    def describe_state(self, state):
        writer, readers = state
        if writer:
            return "write-locked"
        return f"{readers} reader(s)" if readers else "free"
