"""`mutex`: Knossos's mutex. `acquire` needs the lock free, `release` needs it held.

Owners are not tracked (see `owner-mutex`), so the state is one bit and the search
memoizes extremely well. Indeterminate acquire/release may each have happened or not.
"""

from taala.model import INCONSISTENT, LockSemantics, Model


class Mutex(Model):
    name = "mutex"
    summary = "Knossos mutex: acquire requires free, release requires held (owner not tracked)"
    indeterminate = "An acquire or release with unknown outcome may have taken effect at any point after its invocation, or not at all."
    fs = frozenset({"acquire", "release"})
    lock = LockSemantics()

    def init(self):
        return False

    def step(self, held, op):
        if op.f == "acquire":
            return INCONSISTENT if held else True
        return False if held else INCONSISTENT

    def explain(self, held, op):
        if op.f == "acquire":
            return "acquire succeeded while the lock was already held"
        return "release succeeded while the lock was not held"

    def describe_state(self, held):
        return "held" if held else "free"
