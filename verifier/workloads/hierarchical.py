"""`hierarchical`: railway scopes locked with every ancestor (the talk's hierarchical locks).

Even clients do maintenance on a zone (`western/zone1`), odd clients run a train at a
station inside it (`western/zone1/station1`); both update the zone's state (a
read-modify-write of its work counter). `hierarchical` locks every ancestor of the path,
root first, exclusively, as the talk's code does: overlapping subtrees exclude each other (and so
does every op under `western`: the contention it costs). `hierarchical-leaf` locks only the
path itself, as a per-leaf lock would: the zone's maintenance and the station's train run
at once and one update of the zone is lost, with no fault at all.
"""

from __future__ import annotations

from taala.workloads.base import Broken, Op, Workload, Write, ops_named

ZONE, STATION, LOG = "western/zone1", "western/zone1/station1", "log"
COUNTER = f"work:{ZONE}"


def ancestors(path: str) -> tuple[str, ...]:
    """Every prefix of the path, root first: the order every client takes them."""
    parts = path.split("/")
    return tuple("/".join(parts[: i + 1]) for i in range(len(parts)))


class Hierarchical(Workload):
    name = "hierarchical"
    summary = "zone maintenance and station trains, each locking every ancestor of its path, root first"
    invariants = ("overlapping subtrees never inside at once: no update of the zone lost",)
    lists = (LOG,)
    variant = "ancestors"

    def scope(self, path: str) -> tuple[str, ...]:
        return ancestors(path)

    def op(self, client: int, n: int) -> Op:
        path, kind = (ZONE, "maintenance") if client % 2 == 0 else (STATION, "train")
        return Op(kind, self.scope(path), path, {"path": path, "id": f"{kind}{client}.{n}"})

    def initial(self) -> dict:
        return {COUNTER: 0}

    def reads(self, op: Op) -> list[str]:
        return [COUNTER]

    def write(self, op: Op, seen: dict) -> Write | str:
        return Write([("SET", COUNTER, seen[COUNTER] + 1), ("RPUSH", LOG, op.args["id"])])

    def violations(self, audit: dict, ops: list) -> list[Broken]:
        log, counter = list(audit[LOG]), audit[COUNTER]
        if counter == len(log):
            return []
        done = tuple(o for o in ops_named(ops, "maintenance", "train") if o.status != "fail")
        return [Broken(self.invariants[0],
                       f"{len(log)} operations updated {ZONE} ({', '.join(log)}), but its counter says {counter}: "
                       f"a zone maintenance and a train in the zone were inside at once", done)]


class LeafOnly(Hierarchical):
    name = "hierarchical-leaf"
    summary = "the same operations, each locking only its own path (per-leaf locks)"
    variant = ""

    def scope(self, path: str) -> tuple[str, ...]:
        return (path,)
