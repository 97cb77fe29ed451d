"""File locks (fcntl.flock, portalocker and its RedisLock) and the optimistic-concurrency
adapters against real kernels and servers: one holder at a time, the kernel's release of a
dead holder's flock, a paused holder keeping it (and a paused RedisLock holder killed and
overtaken), and the seed's non-atomic Ola "CAS" letting two rides assign the
same cab where the atomic CASes (Redis WATCH/MULTI, PostgreSQL UPDATE … WHERE version) refuse."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

import pytest
from taala.adapters import get

FILES = ["fcntl-flock", "portalocker-lock"]
OCC = ["occ-redis-watch", "occ-postgres-version", "seed-ola-cas"]
TTL = 0.5


@pytest.mark.parametrize("name", FILES + OCC + ["portalocker-redis-lock", "portalocker-redis-lock-fenced"])
def test_one_holder_at_a_time_and_release_hands_over(name, make, key):
    a, b = make(name, 0), make(name, 1)
    ta = a.acquire(key)
    assert ta
    assert b.acquire(key) is None  # portalocker waits max_wait leases first
    assert a.acquire(key) is None  # not granted twice to its holder either
    assert b.release(key, "c9-nobody|1") is False  # not a token of the current assignment
    assert a.release(key, ta) is True
    tb = b.acquire(key)
    assert tb
    assert a.release(key, ta) is False  # stale token
    assert b.release(key, tb) is True


def _hold(name: str, key: str, ready, ttl: float = TTL) -> None:
    adapter = get(name)([], ttl=ttl, client=5)
    assert adapter.acquire(key)
    ready.set()
    time.sleep(60)


@pytest.mark.parametrize("name", FILES)
def test_the_kernel_releases_a_killed_holders_flock_and_a_paused_holder_keeps_it(name, make, key):
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold, args=(name, key, ready), daemon=True)
    holder.start()
    try:
        assert ready.wait(10)
        other = make(name, 1)
        os.kill(holder.pid, signal.SIGSTOP)  # paused: no lease, so it keeps the lock
        time.sleep(3 * TTL)
        assert other.acquire(key) is None
        os.kill(holder.pid, signal.SIGKILL)  # died: the kernel closes its descriptor
        holder.join(5)
        assert other.acquire(key)
    finally:
        if holder.is_alive():
            holder.kill()


def test_portalocker_waiter_gets_the_lock_right_after_the_release(make, key):
    a, b = make("portalocker-lock", 0, ttl=2.0), make("portalocker-lock", 1, ttl=2.0)
    ta = a.acquire(key)
    got = []
    waiter = threading.Thread(target=lambda: got.append((b.acquire(key), time.monotonic())))
    waiter.start()
    time.sleep(0.5)
    released = time.monotonic()
    assert a.release(key, ta)
    waiter.join(10)
    assert got and got[0][0]
    assert got[0][1] - released < 1.0  # check_interval is 0.25 s


def test_the_seeds_compare_then_write_lets_two_rides_assign_the_cab(make, key):
    a, b = make("seed-ola-cas", 0), make("seed-ola-cas", 1)
    # both rides read the cab (unassigned, version 0), then both run the seed's "CAS":
    assert a._compare_then_set(key, "", 0, a.me)
    assert b._compare_then_set(key, "", 0, b.me) is None  # in sequence its compare does catch it
    # ... but interleaved (read, read, compare+write, compare+write) both pass:
    key2 = key + "-2"
    reads = [a.redis.get(key2), b.redis.get(key2)]
    assert reads == [None, None]
    for ride in (a, b):
        ride.redis.set(key2, f"{ride.me}|1")  # each passed its compare on the version it read
    assert a.redis.get(key2) == f"{b.me}|1"  # a's assignment silently overwritten: a still believes


@pytest.mark.parametrize("name", ["occ-redis-watch", "occ-postgres-version"])
def test_an_atomic_cas_on_a_version_read_by_both_lets_exactly_one_win(name, make, key):
    a, b = make(name, 0), make(name, 1)
    barrier = threading.Barrier(2)
    won = []

    def ride(adapter):
        barrier.wait()
        for _ in range(50):
            token = adapter.acquire(key)
            if token:
                won.append(token)
                return

    threads = [threading.Thread(target=ride, args=(x,)) for x in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(won) == 1  # nobody releases: the second ride never gets the cab


def test_a_wiped_postgres_forgets_the_row_and_version_0_is_free_again(make, key, postgres):
    a, b = make("occ-postgres-version", 0), make("occ-postgres-version", 1)
    assert a.acquire(key)
    postgres.restart(wipe=True)
    assert b.acquire(key)  # reconnects, recreates the table: a still believes it holds the cab


def _hold_redis(name: str, address: str, key: str, ready, tokens) -> None:
    adapter = get(name)([address], ttl=1.0, client=5)
    tokens.put(adapter.acquire(key))
    ready.set()
    time.sleep(60)


@pytest.mark.parametrize("name", ["portalocker-redis-lock", "portalocker-redis-lock-fenced"])
def test_portalocker_redis_lock_a_paused_holder_is_killed_and_overtaken(name, make, key, redis):
    ctx = multiprocessing.get_context("fork")
    ready, tokens = ctx.Event(), ctx.Queue()
    holder = ctx.Process(target=_hold_redis, args=(name, redis[0].address, key, ready, tokens), daemon=True)
    holder.start()
    try:
        assert ready.wait(10)
        first = tokens.get(timeout=5)
        assert first
        other = make(name, 1, ttl=1.0)
        assert other.acquire(key) is None  # the live holder answers every probe for max_wait leases
        os.kill(holder.pid, signal.SIGSTOP)  # it cannot answer now: presumed dead after unavailable_timeout
        second = other.acquire(key)
        assert second
        if get(name).fenced:
            assert second > first  # the resource will refuse the stale holder's token
    finally:
        holder.kill()
