"""A blocking acquire in a thread, for tests of a waiter's hand-over and its timeout."""

from __future__ import annotations

import threading
import time


def waiting(adapter, key):
    """Start a blocking acquire in a thread: (results, done); results = [token, time granted]."""
    got, done = [], threading.Event()

    def run():
        got.append(adapter.acquire(key))
        got.append(time.monotonic())
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return got, done
