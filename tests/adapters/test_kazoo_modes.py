"""The kazoo adapters with several holders, on a real ensemble: what their models promise.

`zookeeper-rw-lock` (readers share, a writer waits for them) and `zookeeper-semaphore-2`
(two holders, a third waits); the verifier cases judge whole histories, these pin the
adapter calls the runner makes (`acquire(key, mode=...)`, `release(key, token, mode=...)`)."""

from __future__ import annotations

import threading
import time

import pytest

pytestmark = pytest.mark.timeout(120)
TTL = 2.0  # the shortest session the ensemble grants; `make` and `key` come from conftest


def in_background(call):
    """Like `tests.support.waiting`, for an acquire that names its mode."""
    got, done = [], threading.Event()

    def run():
        got.append(call())
        got.append(time.monotonic())
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return got, done


def test_readers_share_and_a_writer_waits_for_both(make, key):
    r0, r1, w = make("zookeeper-rw-lock", 0), make("zookeeper-rw-lock", 1), make("zookeeper-rw-lock", 2)
    t0, t1 = r0.acquire(key, mode="read"), r1.acquire(key, mode="read")
    assert t0 and t1  # both readers hold at once
    got, done = in_background(lambda: w.acquire(key, mode="write"))
    assert not done.wait(1.0)  # the writer waits while readers hold
    assert r0.release(key, t0, mode="read")
    assert not done.wait(0.5)  # one reader left
    released = time.monotonic()
    assert r1.release(key, t1, mode="read")
    assert done.wait(3.0) and got[0]
    assert got[1] - released < 2.0
    # and while the writer holds, a reader waits out its max_wait and gets nothing
    assert r0.acquire(key, mode="read") is None
    assert w.release(key, got[0], mode="write")


def test_a_two_lease_semaphore_admits_two_and_the_third_waits(make, key):
    a, b, c = (make("zookeeper-semaphore-2", n) for n in range(3))
    ta, tb = a.acquire(key), b.acquire(key)
    assert ta and tb and ta != tb
    got, done = in_background(lambda: c.acquire(key))
    assert not done.wait(1.0)
    assert a.release(key, ta)
    assert done.wait(3.0) and got[0]
    assert b.release(key, tb) and c.release(key, got[0])
