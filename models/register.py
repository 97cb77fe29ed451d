"""`register`: a read/write register (Knossos semantics: a nil read is always legal).

Parameter `initial` (default nil). Reads that time out say nothing and are dropped.
"""

from taala.model import INCONSISTENT, Model, value_param


class Register(Model):
    name = "register"
    summary = "read/write register; a nil read is always legal (Knossos)"
    indeterminate = "A write with unknown outcome may have happened at any point after its invocation, or not at all; an indeterminate read is ignored."
    fs = frozenset({"read", "write"})

    def __init__(self, initial=None):
        self.initial = value_param("initial", initial)

    def params(self):
        return {"initial": self.initial}

    def init(self):
        return self.initial

    def droppable(self, op):
        return op.f == "read" and not op.known

    def step(self, value, op):
        if op.f == "write":
            return op.value
        if op.value is None or op.value == value:
            return value
        return INCONSISTENT

    def explain(self, value, op):
        return f"read {op.value!r} but the register held {value!r}"
