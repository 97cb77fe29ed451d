"""`cas-register`: read / write / compare-and-set with value `[old new]` (Knossos semantics).

Parameter `initial` (default nil). As in Knossos, a nil read is always legal, and a `fail`
cas is dropped (it certainly did not take effect).
"""

from taala.model import INCONSISTENT, Model, value_param


class CasRegister(Model):
    name = "cas-register"
    summary = "read / write / cas [old new] register, Knossos semantics"
    indeterminate = "A write or cas with unknown outcome may have happened at any point after its invocation (a cas only if the register held `old`), or not at all; an indeterminate read is ignored."
    fs = frozenset({"read", "write", "cas"})

    def __init__(self, initial=None):
        self.initial = value_param("initial", initial)

    def params(self):
        return {"initial": self.initial}

    def init(self):
        return self.initial

    def check_op(self, op):
        problem = super().check_op(op)
        if problem is None and op.f == "cas" and not (isinstance(op.value, tuple) and len(op.value) == 2):
            return f"a cas value must be [old new], got {op.value!r}"
        return problem

    def droppable(self, op):
        return op.f == "read" and not op.known

    def step(self, value, op):
        f = op.f
        if f == "write":
            return op.value
        if f == "cas":
            old, new = op.value
            return new if value == old else INCONSISTENT
        if op.value is None or op.value == value:
            return value
        return INCONSISTENT

    def explain(self, value, op):
        if op.f == "cas":
            return f"cas from {op.value[0]!r} to {op.value[1]!r} succeeded but the register held {value!r}"
        return f"read {op.value!r} but the register held {value!r}"
