"""Nemesis events, in Jepsen's shape, so faults sit in the same history as client operations.

A fault is recorded *after* it took effect (a pause once SIGSTOP was delivered, a heal
once the rules are gone): an operation that overlaps the event's time may or may not
have seen the fault, one that starts after it certainly did.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

Recorder = Callable[[dict[str, Any]], None]
Clock = Callable[[], int]


def nemesis_event(f: str, value: dict[str, Any], clock: Clock = time.monotonic_ns) -> dict[str, Any]:
    """``{"type": "info", "process": "nemesis", "f": f, "value": value, "time": ns}``."""
    return {"type": "info", "process": "nemesis", "f": f, "value": value, "time": clock()}


def discard(event: dict[str, Any]) -> None:
    """The default recorder, for ad-hoc use outside a test run."""
