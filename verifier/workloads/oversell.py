"""`oversell`: a flash sale (Flipkart, BigBasket): two buyers of 2 items each, 3 in stock.

The talk's code reads `available` and `sold`, checks, and writes both back as absolute
values inside the item's lock: if the lock lapses, both buyers read 3, both are told
"success", and 4 items are sold from a stock of 3. `oversell-guarded` is the talk's own
positive control (M11): `UPDATE … SET available = available - q WHERE available >= q` with
the row count checked, here one atomic guarded decrement: it stays correct when the lock
lapses.
"""

from __future__ import annotations

from taala.workloads.base import Broken, Op, Workload, Write, ops_named, who

AVAILABLE, SOLD, ORDERS, STOCK, QUANTITY = "available", "sold", "orders", 3, 2


class Oversell(Workload):
    name = "oversell"
    summary = "flash-sale purchase: read stock, check, write absolute values (per-item lock)"
    invariants = ("items sold to buyers told success <= stock", "available + sold = stock",
                  "sold = quantity of recorded orders")
    lists = (ORDERS,)

    def op(self, client: int, n: int) -> Op:
        return Op("buy", ("item:0",), "item:0", {"order": f"o{client}.{n}", "quantity": QUANTITY})

    def initial(self) -> dict:
        return {AVAILABLE: STOCK, SOLD: 0}

    def reads(self, op: Op) -> list[str]:
        return [AVAILABLE, SOLD]

    def write(self, op: Op, seen: dict) -> Write | str:
        available, sold = seen[AVAILABLE], seen[SOLD]
        if available < QUANTITY:
            return "out of stock"
        return Write([("SET", AVAILABLE, available - QUANTITY), ("SET", SOLD, sold + QUANTITY),
                      ("RPUSH", ORDERS, op.args["order"])])

    def violations(self, audit: dict, ops: list) -> list[Broken]:
        told = [o for o in ops_named(ops, "buy") if o.status == "ok"]
        available, sold, orders = audit[AVAILABLE], audit[SOLD], list(audit[ORDERS])
        out = []
        if QUANTITY * len(told) > STOCK:
            out.append(Broken("items sold to buyers told success <= stock",
                              f"oversold: {len(told)} buyers were told success for {QUANTITY * len(told)} items "
                              f"({', '.join(who(o) for o in told)}), but only {STOCK} were in stock", tuple(told)))
        if available + sold != STOCK or available < 0:
            out.append(Broken("available + sold = stock", f"stock not conserved: available {available} + sold {sold} "
                                                          f"≠ {STOCK}", tuple(told)))
        if sold != QUANTITY * len(orders):
            out.append(Broken("sold = quantity of recorded orders",
                              f"lost update: {len(orders)} orders of {QUANTITY} recorded, but sold says {sold}",
                              tuple(told)))
        return out


class GuardedOversell(Oversell):
    name = "oversell-guarded"
    summary = "the same purchase as one guarded decrement (UPDATE … WHERE available >= q, row count checked)"
    variant = "guarded"

    def write(self, op: Op, seen: dict) -> Write | str:
        return Write([("DECRBY", AVAILABLE, QUANTITY), ("INCRBY", SOLD, QUANTITY), ("RPUSH", ORDERS, op.args["order"])],
                     guards=[("at-least", AVAILABLE, QUANTITY, "out of stock")])
