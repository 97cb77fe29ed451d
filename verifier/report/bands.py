"""Nemesis faults read off a history, as time spans ("bands") a person can see.

Nemesis events are instants, but a fault is a span: from the event that starts it to the one
that ends it. Recorders name the pair differently, so we accept every convention we meet:
taala's `start-X`/`stop-X`, Jepsen's `:start`/`:stop`, `kill`/`restart`, `partition`/`heal`,
`pause`/`resume`. Jepsen logs each nemesis op twice (invocation and completion, both `info`),
so a repeated start while the same fault is open is the same fault, not a new one. A fault
that is never stopped lasts to the end of the history: that is what the system lived with.
Any other nemesis event (a clock bump, say) is an instant and becomes a zero-width band.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from taala.history import Event

_STOPS = {"stop": "start", "restart": "kill", "heal": "partition", "resume": "pause", "stop-partition": "start-partition"}
_STARTS = set(_STOPS.values())


@dataclass(slots=True)
class FaultBand:
    """One fault: event positions `start`..`end` (end None: still active when the history ends)."""

    name: str  # what the band is labelled with: the start event's f
    start: int
    end: int | None
    value: object
    targets: tuple[Hashable, ...]  # client processes the fault is aimed at; () means everyone

    @property
    def label(self) -> str:
        """'client-pause' for start-client-pause; Jepsen's bare :start says what in its value."""
        if self.name.startswith("start-"):
            return self.name[6:]
        if self.name == "start" and self.value is not None:
            parts = self.value if isinstance(self.value, list | tuple) else [self.value]
            return " ".join(map(str, parts))
        return self.name

    @property
    def instant(self) -> bool:
        return self.end == self.start


def _start_of(f: str) -> str | None:
    """The start f that `f` ends, or None when `f` does not end a fault."""
    if f in _STOPS:
        return _STOPS[f]
    if f.startswith("stop-"):
        return "start-" + f[5:]
    return None


def _is_start(f: str) -> bool:
    return f in _STARTS or f.startswith("start-")


def _targets(value: object) -> tuple[Hashable, ...]:
    """A fault aimed at clients says so in its value ({"client": 0} / {"process": [1, 2]})."""
    if not isinstance(value, dict):
        return ()
    for field in ("client", "clients", "process", "processes"):
        if field in value:
            found = value[field]
            found = found if isinstance(found, list | tuple) else [found]
            return tuple(t for t in found if isinstance(t, Hashable))
    return ()


def fault_bands(events: Sequence[Event]) -> list[FaultBand]:
    """Pair nemesis events into bands, ordered by start."""
    bands: list[FaultBand] = []
    open_bands: dict[str, FaultBand] = {}
    for pos, e in enumerate(events):
        if not e.is_nemesis:
            continue
        f = str(e.f)
        began = _start_of(f)
        if began is not None:
            band = open_bands.pop(began, None)
            if band is not None:
                band.end = pos
            continue  # a stop with nothing open is the completion of a stop already seen
        if _is_start(f):
            if f not in open_bands:
                open_bands[f] = FaultBand(f, pos, None, e.value, _targets(e.value))
                bands.append(open_bands[f])
            continue
        bands.append(FaultBand(f, pos, pos, e.value, _targets(e.value)))
    return bands
