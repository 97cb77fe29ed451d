"""`driver`: ride assignment (Ola, Zomato, Swiggy): one driver per ride, one ride per driver.

Assigning takes two locks: the ride's and the driver's. The rider's app (even clients)
takes the ride's lock first; the driver's app (odd clients, accepting the ride) takes the
driver's first: both first operations are about ride 0 and driver 0, so opposite orders
can deadlock, and a lapsed lock lets both assign. Each reads the ride and the driver and
writes the assignment if both are free. `driver-ordered` takes the locks in one global
order (by name) and cannot deadlock; it is as exposed to lapsed locks as the talk's code.
"""

from __future__ import annotations

from collections import defaultdict

from taala.workloads.base import Broken, Op, Workload, Write, ops_named, who

ASSIGNMENTS, RIDES, DRIVER = "assignments", 2, 0


class Driver(Workload):
    name = "driver"
    summary = "assign driver 0 to a ride under the ride's and the driver's locks (rider app ride-first, driver app driver-first)"
    invariants = ("no deadlock", "each ride assigned at most once", "each driver has at most one active ride")
    lists = (ASSIGNMENTS,)

    def lock_order(self, client: int, ride: str, driver: str) -> tuple[str, ...]:
        return (ride, driver) if client % 2 == 0 else (driver, ride)

    def op(self, client: int, n: int) -> Op:
        ride, driver = f"ride:{n % RIDES}", f"driver:{DRIVER}"
        return Op("assign", self.lock_order(client, ride, driver), ride, {"ride": n % RIDES, "driver": DRIVER})

    def audit_keys(self) -> list[str]:
        return [f"ride:{r}" for r in range(RIDES)] + [f"driver:{DRIVER}", ASSIGNMENTS]

    def reads(self, op: Op) -> list[str]:
        return [f"ride:{op.args['ride']}", f"driver:{op.args['driver']}"]

    def write(self, op: Op, seen: dict) -> Write | str:
        ride, driver = self.reads(op)
        if seen[ride] is not None:
            return "ride already assigned"
        if seen[driver] is not None:
            return "driver busy"
        return Write([("SET", ride, driver), ("SET", driver, ride),
                      ("RPUSH", ASSIGNMENTS, f"ride {op.args['ride']} -> driver {op.args['driver']}")])

    def violations(self, audit: dict, ops: list) -> list[Broken]:
        by_ride, by_driver = defaultdict(list), defaultdict(list)
        for o in ops_named(ops, "assign"):
            if o.status == "ok":
                by_ride[o.value["ride"]].append(o)
                by_driver[o.value["driver"]].append(o)
        out = []
        for ride, told in sorted(by_ride.items()):
            if len(told) > 1:
                out.append(Broken("each ride assigned at most once",
                                  f"ride {ride} assigned {len(told)} times ({', '.join(who(o) for o in told)})",
                                  tuple(told)))
        for driver, told in sorted(by_driver.items()):
            rides = sorted({o.value["ride"] for o in told})
            if len(rides) > 1:
                out.append(Broken("each driver has at most one active ride",
                                  f"driver {driver} given {len(rides)} rides at once: {rides}", tuple(told)))
        return out


class OrderedDriver(Driver):
    name = "driver-ordered"
    summary = "the same assignment, both apps taking the two locks in one global order"
    variant = "ordered"

    def lock_order(self, client: int, ride: str, driver: str) -> tuple[str, ...]:
        return tuple(sorted((ride, driver)))
