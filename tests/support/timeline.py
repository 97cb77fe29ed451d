"""Timed histories written as a timeline: ops as [invoke, complete] intervals in seconds,
nemesis events at a moment, events put in real-time order, as the runner records them.

    t = Timeline()
    a = t.op(0, "acquire", 0.0, 0.01, value="tok0")
    t.fault("start-client-pause", 0.02, client=0)
    b = t.op(1, "acquire", 1.5, 1.51)
    h = t.history()
    earlier, later = t.operation(a), t.operation(b)

The file order is the time order (ties: the order written), times are monotonic ns as the
recorder stamps them, and a nemesis event carries the shape `taala.nemesis` records.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from taala.formats.event_fields import freeze
from taala.history import Event, History, Operation

LOCK = "lock"


class Timeline:
    def __init__(self) -> None:
        self._events: list[tuple[float, int, Event]] = []
        self._history: History | None = None

    def _add(self, at: float | None, type_: str, process: Hashable, f: str, value: Any, key: Hashable) -> Event:
        event = Event(0, type_, process, f, freeze(value), None if at is None else round(at * 1e9), key)
        self._events.append((0.0 if at is None else at, len(self._events), event))
        self._history = None
        return event

    def op(self, process: int, f: str, start: float, end: float | None = None, status: str = "ok",
           key: Hashable = LOCK, value: Any = None) -> Event:
        """An op invoked at `start` and completed at `end` with `status` (no `end`: pending).
        Returns its invocation event, the handle `operation` takes."""
        invoke = self._add(start, "invoke", process, f, None, key)
        if end is not None:
            self._add(end, status, process, f, value, key)
        return invoke

    def fault(self, f: str, at: float, **value: Any) -> Event:
        return self._add(at, "info", "nemesis", f, value, None)

    def history(self) -> History:
        if self._history is None:
            events = [event for _, _, event in sorted(self._events, key=lambda x: (x[0], x[1]))]
            for n, event in enumerate(events):
                event.index = n
            self._history = History(events, source="<timeline>")
        return self._history

    def operation(self, handle: Event) -> Operation:
        return next(op for op in self.history().operations() if op.invoke is handle)

    def untimed(self) -> History:
        """The same history with every time removed (a recorder that kept none)."""
        events = [Event(e.index, e.type, e.process, e.f, e.value, None, e.key) for e in self.history().events]
        return History(events, source="<timeline, untimed>")
