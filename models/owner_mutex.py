"""`owner-mutex`: a mutex that only its holder may release (Hazelcast's OwnerAwareMutex).

The owner is the op's `process`. Catches the seed's "release without ownership check":
a client whose lease expired deleting the *next* holder's lock.
"""

from taala.model import INCONSISTENT, LockSemantics, Model


class OwnerMutex(Model):
    name = "owner-mutex"
    summary = "mutex where only the holding process may release"
    indeterminate = "An acquire or release with unknown outcome may have taken effect (with its process as owner) or not at all."
    fs = frozenset({"acquire", "release"})
    lock = LockSemantics()

    def init(self):
        return None

    def step(self, holder, op):
        if op.f == "acquire":
            return INCONSISTENT if holder is not None else op.process
        return None if holder == op.process and holder is not None else INCONSISTENT

    def explain(self, holder, op):
        if op.f == "acquire":
            return f"p{op.process} acquired while p{holder} held the lock"
        if holder is None:
            return f"p{op.process} released a lock nobody held"
        return f"p{op.process} released the lock held by p{holder}"

    def describe_state(self, holder):
        return "free" if holder is None else f"held by p{holder}"
