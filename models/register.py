"""`register`: a read/write register (Knossos semantics: a nil read is always legal).

Parameters: `initial` (default nil); `nil-reads`: `any` (default, Knossos: an `ok` read of
nil is always legal, because Jepsen clients report "not found" as nil) or `value` (nil is a
value like any other, the initial one unless `initial` says otherwise, as in Elle and
Porcupine: a read of nil after a write is then a violation, e.g. a lost write after a
server restarted empty). Reads that time out say nothing and are dropped.
"""

from taala.model import INCONSISTENT, Model, nil_reads_param, value_param


class Register(Model):
    name = "register"
    summary = "read/write register; a nil read is always legal (Knossos) unless nil-reads=value"
    indeterminate = "A write with unknown outcome may have happened at any point after its invocation, or not at all; an indeterminate read is ignored."
    fs = frozenset({"read", "write"})

    def __init__(self, initial=None, nil_reads="any"):
        self.initial = value_param("initial", initial)
        self.nil_reads = nil_reads_param(nil_reads)
        self.nil_always = nil_reads == "any"

    def params(self):
        return {"initial": self.initial} | ({"nil_reads": self.nil_reads} if not self.nil_always else {})

    def init(self):
        return self.initial

    def droppable(self, op):
        return op.f == "read" and not op.known

    def step(self, value, op):
        if op.f == "write":
            return op.value
        if op.value == value or (op.value is None and self.nil_always):
            return value
        return INCONSISTENT

    def explain(self, value, op):
        return f"read {op.value!r} but the register held {value!r}"
