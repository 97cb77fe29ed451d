"""`seat`: seat booking (IRCTC, BookMyShow): at most one passenger per seat.

Each client's n-th booking asks for seat n mod 2, so first bookings fight over seat 0. The
talk's code reads the seat's owner and writes the passenger if it was free, inside the
seat's lock: if the lock lapses, two passengers are told the seat is theirs.
`seat-guarded` writes the owner only if the seat is still unset, in one atomic step (a
unique key, or `SET NX`): it stays correct when the lock lapses.
"""

from __future__ import annotations

from collections import defaultdict

from taala.workloads.base import Broken, Op, Workload, Write, ops_named, who

SEATS, BOOKINGS = 2, "bookings"


def seat_key(seat: int) -> str:
    return f"seat:{seat}"


class Seat(Workload):
    name = "seat"
    summary = "seat booking: read the seat, write the passenger if free (per-seat lock)"
    invariants = ("at most one confirmed passenger per seat", "a passenger told success holds the seat at the end")
    lists = (BOOKINGS,)

    def op(self, client: int, n: int) -> Op:
        seat = n % SEATS
        return Op("book", (seat_key(seat),), seat_key(seat), {"seat": seat, "passenger": f"P{client}.{n}"})

    def audit_keys(self) -> list[str]:
        return [seat_key(s) for s in range(SEATS)] + [BOOKINGS]

    def reads(self, op: Op) -> list[str]:
        return [op.subject]

    def write(self, op: Op, seen: dict) -> Write | str:
        if seen[op.subject] is not None:
            return "seat taken"
        passenger = op.args["passenger"]
        return Write([("SET", op.subject, passenger), ("RPUSH", BOOKINGS, f"{op.args['seat']}:{passenger}")])

    def violations(self, audit: dict, ops: list) -> list[Broken]:
        confirmed = defaultdict(list)
        for o in ops_named(ops, "book"):
            if o.status == "ok":
                confirmed[o.value["seat"]].append(o)
        out = []
        for seat, told in sorted(confirmed.items()):
            holder = audit[seat_key(seat)]
            if len(told) > 1:
                names = " and ".join(f"{o.value['passenger']} ({who(o)})" for o in told)
                out.append(Broken("at most one confirmed passenger per seat",
                                  f"seat {seat} confirmed to {len(told)} passengers: {names}; it holds {holder}",
                                  tuple(told)))
            for o in told:
                if o.value["passenger"] != holder and len(told) == 1:
                    out.append(Broken("a passenger told success holds the seat at the end",
                                      f"{o.value['passenger']} was told seat {seat} is theirs ({who(o)}), "
                                      f"but it holds {holder}", (o,)))
        return out


class GuardedSeat(Seat):
    name = "seat-guarded"
    summary = "the same booking written only if the seat is still unset, atomically (unique key / SET NX)"
    variant = "guarded"

    def write(self, op: Op, seen: dict) -> Write | str:
        passenger = op.args["passenger"]
        return Write([("SET", op.subject, passenger), ("RPUSH", BOOKINGS, f"{op.args['seat']}:{passenger}")],
                     guards=[("unset", op.subject, "", "seat taken")])
