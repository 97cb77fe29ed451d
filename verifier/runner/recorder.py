"""The history as it happens: events appended in the order they occur."""

from __future__ import annotations

import threading
import time
from typing import Any

from taala.formats.event_fields import freeze
from taala.history import Event


class Recorder:
    """Appends events in the order they happen (ops complete and the nemesis records from
    other threads, hence the lock)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def add(self, type_: str, process: Any, f: str, value: Any = None, key: Any = None, error: Any = None) -> None:
        with self._lock:
            self.events.append(Event(len(self.events), type_, process, f, freeze(value), time.monotonic_ns(), key, error))

    def nemesis(self, event: dict) -> None:
        with self._lock:
            self.events.append(Event(len(self.events), "info", "nemesis", event["f"], freeze(event.get("value")), event.get("time")))
