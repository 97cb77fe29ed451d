"""The report's time axis: where on screen an event sits, and how a time reads in a sentence.

Histories carry `time` (monotonic ns) for display; when every event has one the axis is real
seconds since the first event, so a 12 s client pause looks 12 s long. When any event lacks
a time, stretching some events and not others would lie, so the axis falls back to event
positions (file order is the real-time order either way).
"""

from __future__ import annotations

from collections.abc import Sequence

from taala.history import Event


class TimeAxis:
    """Maps history positions to axis values (seconds, or event positions)."""

    def __init__(self, events: Sequence[Event]):
        self._events = events
        self.real = bool(events) and all(e.time is not None for e in events)
        self._origin = events[0].time if self.real else 0
        self.unit = "s" if self.real else "event"

    def at(self, pos: int) -> float:
        if self.real:
            return (self._events[pos].time - self._origin) / 1e9
        return float(pos)

    @property
    def end(self) -> float:
        return self.at(len(self._events) - 1) if self._events else 0.0

    def describe(self, value: float) -> str:
        """'12.4 s' or 'event 12': how a moment is named in the explanation."""
        if not self.real:
            return f"event {int(value)}"
        return f"{value:.3f}".rstrip("0").rstrip(".") + " s"
