"""`double-debit`: a UPI debit retried after a timeout (the talk's 2023 incident).

Every client's n-th operation is the *same* request `r{n}`: client 1 is the app retrying
client 0's request after its response timed out. Each debits 30 from an account of 100,
under a per-user lock. The talk's code reads the balance, checks it and writes the new
balance back: a per-user lock stops two debits from interleaving, but not a retry that
arrives after the first request finished, so `double-debit` breaks with no fault at all.
`double-debit-idempotent` records the request id and refuses a second debit for it in the
same atomic step as a guarded decrement (the fix the talk recommends): it holds even when
the lock lapses.
"""

from __future__ import annotations

from collections import Counter

from taala.workloads.base import Broken, Op, Workload, Write, ops_named, who

BALANCE, LEDGER, AMOUNT, INITIAL = "balance", "ledger", 30, 100


class DoubleDebit(Workload):
    name = "double-debit"
    summary = "UPI debit with client retries of the same request id (per-user lock, read-check-write)"
    invariants = ("at most one applied debit per request id", "balance never negative",
                  "balance change = sum of applied debits")
    lists = (LEDGER,)

    def op(self, client: int, n: int) -> Op:
        return Op("debit", ("user:0",), "account:0", {"request": f"r{n}", "amount": AMOUNT})

    def initial(self) -> dict:
        return {BALANCE: INITIAL}

    def reads(self, op: Op) -> list[str]:
        return [BALANCE]

    def write(self, op: Op, seen: dict) -> Write | str:
        balance = seen[BALANCE]
        if balance < AMOUNT:
            return "declined: insufficient balance"
        return Write([("SET", BALANCE, balance - AMOUNT), ("RPUSH", LEDGER, op.args["request"])])

    def violations(self, audit: dict, ops: list) -> list[Broken]:
        debits = ops_named(ops, "debit")
        balance, ledger = audit[BALANCE], list(audit[LEDGER])
        out = []
        for request, times in Counter(ledger).items():
            if times > 1:
                involved = tuple(o for o in debits if o.value["request"] == request and o.status != "fail")
                out.append(Broken("at most one applied debit per request id",
                                  f"request {request} debited {'twice' if times == 2 else f'{times} times'} ({', '.join(who(o) for o in involved)}): "
                                  f"balance {INITIAL} → {balance}", involved))
        if balance < 0:
            out.append(Broken("balance never negative", f"balance went negative: {INITIAL} → {balance}"))
        if INITIAL - balance != AMOUNT * len(ledger):
            out.append(Broken("balance change = sum of applied debits",
                              f"the ledger holds {len(ledger)} debits of {AMOUNT} ({AMOUNT * len(ledger)}) but the "
                              f"balance fell by {INITIAL - balance} ({INITIAL} → {balance}): a debit was lost",
                              tuple(o for o in debits if o.status != "fail")))
        return out


class IdempotentDebit(DoubleDebit):
    name = "double-debit-idempotent"
    summary = "the same debits with an idempotency key and a guarded decrement, applied atomically"
    variant = "idempotent"

    def write(self, op: Op, seen: dict) -> Write | str:
        request = op.args["request"]
        return Write([("DECRBY", BALANCE, AMOUNT), ("RPUSH", LEDGER, request)],
                     guards=[("not-in", LEDGER, request, "duplicate request"),
                             ("at-least", BALANCE, AMOUNT, "declined: insufficient balance")])
