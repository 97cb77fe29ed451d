"""The workloads `taala vet --workload` can run: the talk's business stories (docs/talk.md), one file each.

Each file holds the talk's version and the variant that keeps its invariant (idempotent,
guarded, ordered). `counter` (no workload object) is the default: one lock, one counter.
"""

from __future__ import annotations

from taala.workloads.base import Workload
from taala.workloads.double_debit import DoubleDebit, IdempotentDebit
from taala.workloads.driver import Driver, OrderedDriver
from taala.workloads.hierarchical import Hierarchical, LeafOnly
from taala.workloads.oversell import GuardedOversell, Oversell
from taala.workloads.seat import GuardedSeat, Seat
from taala.workloads.transfer import OrderedTransfer, Transfer

DEFAULT = "counter"
WORKLOADS: dict[str, type[Workload]] = {w.name: w for w in (
    DoubleDebit, IdempotentDebit, Oversell, GuardedOversell, Seat, GuardedSeat,
    Transfer, OrderedTransfer, Driver, OrderedDriver, Hierarchical, LeafOnly)}


def get(name: str) -> Workload | None:
    """The workload called `name` (None for the default counter); KeyError if unknown."""
    if name == DEFAULT:
        return None
    if name not in WORKLOADS:
        raise KeyError(f"unknown workload {name!r}; known: {', '.join([DEFAULT, *WORKLOADS])}")
    return WORKLOADS[name]()
