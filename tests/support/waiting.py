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


def assert_gives_up_after_max_wait(a, b, key, ttl: float) -> None:
    """`a` holds `key`; `b`'s blocking acquire is refused (None) after its `max_wait` leases,
    not sooner (10 % for timer slack) and not 2 s later (a refusal must not hang)."""
    assert a.acquire(key)
    started = time.monotonic()
    assert b.acquire(key) is None
    waited = time.monotonic() - started
    assert b.max_wait * ttl * 0.9 <= waited < b.max_wait * ttl + 2.0, waited
