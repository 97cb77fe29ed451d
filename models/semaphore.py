"""`semaphore`: at most `permits` (default 1) units held at once.

`acquire`/`release` take an optional integer value: how many permits (default 1).
"""

from taala.model import INCONSISTENT, LockSemantics, Model, int_param


def _units(op) -> int:
    return 1 if op.value is None else op.value


class Semaphore(Model):
    name = "semaphore"
    summary = "counting semaphore with `permits` permits (default 1)"
    indeterminate = "An acquire or release with unknown outcome may have moved its permits once, or not at all."
    fs = frozenset({"acquire", "release"})

    def __init__(self, permits: int = 1):
        self.permits = int_param("permits", permits, minimum=1)
        self.lock = LockSemantics(capacity=permits)

    def params(self):
        return {"permits": self.permits}

    def check_op(self, op):
        problem = super().check_op(op)
        if problem is None and op.value is not None and (isinstance(op.value, bool) or not isinstance(op.value, int) or op.value < 1):
            return f"a semaphore {op.f} takes a positive permit count (or nil), got {op.value!r}"
        return problem

    def init(self):
        return 0

    def step(self, used, op):
        n = _units(op)
        if op.f == "acquire":
            return used + n if used + n <= self.permits else INCONSISTENT
        return used - n if used >= n else INCONSISTENT

    def explain(self, used, op):
        if op.f == "acquire":
            return f"acquire of {_units(op)} permit(s) succeeded with {used} of {self.permits} already taken"
        return f"release of {_units(op)} permit(s) with only {used} taken"

    def describe_state(self, used):
        return f"{used}/{self.permits} taken"
