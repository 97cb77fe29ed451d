"""`transfer`: concurrent A→B and B→A transfers (SBI, M10), two locks per operation.

Even clients move 30 from account 0 to account 1, odd clients the other way, each locking
the account it debits first and then the one it credits, as the talk's code does. Two
opposite transfers that each got their first lock wait for each other for ever: a
deadlock, found from the history's recorded waits (the `deadlock` check of the lock part)
and reported as the cycle with its ops. `transfer-ordered` takes the lower account first,
whatever the direction, and cannot deadlock. Both write absolute balances, so money is
conserved only while the locks hold.
"""

from __future__ import annotations

from taala.workloads.base import Broken, Op, Workload, Write, ops_named

LEDGER, AMOUNT, INITIAL, ACCOUNTS = "ledger", 30, 100, 2


def account(a: int) -> str:
    return f"account:{a}"


def entry(op: Op) -> str:
    """A ledger line: "t0.0:0>1" (transfer id, from account, to account)."""
    return f"{op.args['id']}:{op.args['from']}>{op.args['to']}"


class Transfer(Workload):
    name = "transfer"
    summary = "A→B and B→A transfers, each locking its debit account first (the seed's order)"
    invariants = ("no deadlock", "money conserved across all accounts", "every balance matches the ledger",
                  "no balance negative")
    lists = (LEDGER,)

    def lock_order(self, source: str, target: str) -> tuple[str, ...]:
        return (source, target)

    def op(self, client: int, n: int) -> Op:
        source, target = client % ACCOUNTS, (client + 1) % ACCOUNTS
        keys = self.lock_order(account(source), account(target))
        return Op("transfer", keys, f"{account(source)}->{account(target)}",
                  {"from": source, "to": target, "amount": AMOUNT, "id": f"t{client}.{n}"})

    def initial(self) -> dict:
        return {account(a): INITIAL for a in range(ACCOUNTS)}

    def reads(self, op: Op) -> list[str]:
        return [account(op.args["from"]), account(op.args["to"])]

    def write(self, op: Op, seen: dict) -> Write | str:
        source, target = account(op.args["from"]), account(op.args["to"])
        if seen[source] < AMOUNT:
            return "declined: insufficient funds"
        return Write([("SET", source, seen[source] - AMOUNT), ("SET", target, seen[target] + AMOUNT),
                      ("RPUSH", LEDGER, entry(op))])

    def violations(self, audit: dict, ops: list) -> list[Broken]:
        balances = {a: audit[account(a)] for a in range(ACCOUNTS)}
        applied = tuple(o for o in ops_named(ops, "transfer") if o.status != "fail")
        out = []
        if sum(balances.values()) != INITIAL * ACCOUNTS:
            shown = " + ".join(str(b) for b in balances.values())
            out.append(Broken("money conserved across all accounts",
                              f"money not conserved: the accounts hold {shown} = {sum(balances.values())}, "
                              f"not {INITIAL * ACCOUNTS}, after {len(list(audit[LEDGER]))} transfers of {AMOUNT}",
                              applied))
        expected = {a: INITIAL for a in range(ACCOUNTS)}
        for item in audit[LEDGER]:
            source, target = (int(x) for x in item.split(":")[1].split(">"))
            expected[source] -= AMOUNT
            expected[target] += AMOUNT
        wrong = [a for a in range(ACCOUNTS) if balances[a] != expected[a]]
        if wrong:
            shown = ", ".join(f"account {a} holds {balances[a]}, its ledger says {expected[a]}" for a in wrong)
            out.append(Broken("every balance matches the ledger",
                              f"lost update: {shown} (after {len(list(audit[LEDGER]))} transfers of {AMOUNT})", applied))
        for a, b in balances.items():
            if b < 0:
                out.append(Broken("no balance negative", f"account {a} went negative: {b}", applied))
        return out


class OrderedTransfer(Transfer):
    name = "transfer-ordered"
    summary = "the same transfers, locking the lower account id first (ordered acquisition)"
    variant = "ordered"

    def lock_order(self, source: str, target: str) -> tuple[str, ...]:
        return tuple(sorted((source, target)))
