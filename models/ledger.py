"""`ledger`: one account per key with `credit n`, `debit n` and `read balance`.

The invariant a payment system lives by: the balance never goes negative. A `debit` that
would overdraw must `fail`; an `ok` one that overdraws is a violation (the double-spend a
broken lock around "check balance, then debit" lets through). Parameter `initial`
(default 0) is every account's opening balance.
"""

from taala.model import INCONSISTENT, Model, int_param


class Ledger(Model):
    name = "ledger"
    summary = "account balances (one per key): credit, debit, read; never negative"
    indeterminate = "A credit or debit with unknown outcome may have been applied once (a debit only if funds allowed), or not at all; an indeterminate read is ignored."
    fs = frozenset({"credit", "debit", "read"})

    def __init__(self, initial: int = 0):
        self.initial = int_param("initial", initial, minimum=0)

    def params(self):
        return {"initial": self.initial}

    def check_op(self, op):
        problem = super().check_op(op)
        if problem is None and op.f != "read" and (isinstance(op.value, bool) or not isinstance(op.value, int) or op.value < 0):
            return f"{op.f} takes a non-negative integer amount, got {op.value!r}"
        return problem

    def init(self):
        return self.initial

    def droppable(self, op):
        return op.f == "read" and not op.known

    def step(self, balance, op):
        f = op.f
        if f == "credit":
            return balance + op.value
        if f == "debit":
            return balance - op.value if balance >= op.value else INCONSISTENT
        return balance if op.value == balance else INCONSISTENT

    def explain(self, balance, op):
        if op.f == "debit":
            return f"debit of {op.value} succeeded with a balance of {balance}: the account would go negative"
        return f"read balance {op.value!r} but it was {balance!r}"
