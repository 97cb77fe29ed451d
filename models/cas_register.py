"""`cas-register`: read / write / compare-and-set with value `[old new]` (Knossos semantics).

Parameters: `initial` (default nil); `nil-reads`: `any` (default, Knossos: an `ok` read of
nil is always legal) or `value` (nil is a real value, the initial one unless `initial` says
otherwise, as in Elle and Porcupine's etcd model: a read of nil after a write is a
violation, which catches a write lost when a server restarted empty). A `fail` cas is
dropped (it certainly did not take effect).
"""

from taala.model import INCONSISTENT, Model, nil_reads_param, value_param


class CasRegister(Model):
    name = "cas-register"
    summary = "read / write / cas [old new] register, Knossos semantics (nil-reads=value: nil is a real value)"
    indeterminate = "A write or cas with unknown outcome may have happened at any point after its invocation (a cas only if the register held `old`), or not at all; an indeterminate read is ignored."
    fs = frozenset({"read", "write", "cas"})

    def __init__(self, initial=None, nil_reads="any"):
        self.initial = value_param("initial", initial)
        self.nil_reads = nil_reads_param(nil_reads)
        self.nil_always = nil_reads == "any"

    def params(self):
        return {"initial": self.initial} | ({"nil_reads": self.nil_reads} if not self.nil_always else {})

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
        if op.value == value or (op.value is None and self.nil_always):
            return value
        return INCONSISTENT

    def explain(self, value, op):
        if op.f == "cas":
            return f"cas from {op.value[0]!r} to {op.value[1]!r} succeeded but the register held {value!r}"
        return f"read {op.value!r} but the register held {value!r}"
