"""`counter`: `add` (value: the increment, default 1) and `read` (value: the count seen).

Parameter `initial` (default 0). Reads must see exactly the linearized sum.
"""

from taala.model import INCONSISTENT, Model, int_param


class Counter(Model):
    name = "counter"
    summary = "counter with add n / read v"
    indeterminate = "An add with unknown outcome may have been applied once at any point after its invocation, or not at all; an indeterminate read is ignored."
    fs = frozenset({"add", "read"})

    def __init__(self, initial: int = 0):
        self.initial = int_param("initial", initial)

    def params(self):
        return {"initial": self.initial}

    def check_op(self, op):
        problem = super().check_op(op)
        if problem is None and op.f == "add" and op.value is not None and (isinstance(op.value, bool) or not isinstance(op.value, int)):
            return f"add takes an integer, got {op.value!r}"
        return problem

    def init(self):
        return self.initial

    def droppable(self, op):
        return op.f == "read" and not op.known

    def step(self, count, op):
        if op.f == "add":
            return count + (1 if op.value is None else op.value)
        return count if op.value == count else INCONSISTENT

    def explain(self, count, op):
        return f"read {op.value!r} but the counter was {count!r}"
