"""`reentrant-mutex`: the holder may acquire again; it is free after as many releases.

`limit` (default unlimited) caps the hold count, like Hazelcast's reentrancy limit.
"""

from taala.model import INCONSISTENT, LockSemantics, Model, int_param


class ReentrantMutex(Model):
    name = "reentrant-mutex"
    summary = "mutex the holder may re-acquire; free again after the matching number of releases"
    indeterminate = "An acquire or release with unknown outcome may have changed the hold count once, or not at all."
    fs = frozenset({"acquire", "release"})
    lock = LockSemantics(reentrant=True)

    def __init__(self, limit: int | None = None):
        self.limit = int_param("limit", limit, minimum=1, optional=True)

    def params(self):
        return {"limit": self.limit}

    def init(self):
        return (None, 0)

    def step(self, state, op):
        holder, count = state
        if op.f == "acquire":
            if holder is not None and holder != op.process:
                return INCONSISTENT
            if self.limit is not None and count >= self.limit:
                return INCONSISTENT
            return (op.process, count + 1)
        if holder != op.process or count == 0:
            return INCONSISTENT
        return (None, 0) if count == 1 else (holder, count - 1)

    def explain(self, state, op):
        holder, count = state
        if op.f == "acquire":
            if holder is not None and holder != op.process:
                return f"p{op.process} acquired while p{holder} held the lock ({count}x)"
            return f"p{op.process} exceeded the reentrancy limit {self.limit}"
        return f"p{op.process} released a lock it did not hold ({self.describe_state(state)})"

    def describe_state(self, state):
        holder, count = state
        return "free" if holder is None else f"held by p{holder} x{count}"
