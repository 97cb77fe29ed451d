"""kazoo's WriteLock and Semaphore(max_leases=1), and etcd's own lock API, against real
3-node clusters: a waiter is granted the lock right after the holder's release and gives
up at max_wait; etcd's kept-alive lease outlives a long hold; and the hazard each one is
vetted for, shown directly: the holder's session (ZooKeeper) or lease (etcd) ends under
it, the next client takes the lock, and the old holder's client still believes."""

from __future__ import annotations

import time

import pytest
from taala.adapters import get

from tests.support.waiting import waiting

TTL = 2.0  # the adapters' min_ttl: the shortest session/lease our servers really grant
KAZOO = ["zookeeper-write-lock", "zookeeper-semaphore"]
ETCD = ["etcd-lock", "etcd-lock-fenced"]


@pytest.mark.parametrize("name", KAZOO + ETCD)
def test_a_waiter_gets_the_lock_right_after_the_holders_release(make, key, name):
    a, b = make(name, 0), make(name, 1)
    token = a.acquire(key)
    assert token
    got, done = waiting(b, key)
    time.sleep(0.5 * TTL)
    assert not done.is_set(), "a second client got a held lock"
    released = time.monotonic()
    assert a.release(key, token) is True
    assert done.wait(TTL), "the waiter was not granted the freed lock"
    assert got[0] and got[1] - released < 0.5 * TTL
    if get(name).fenced:
        assert isinstance(token, int) and got[0] > token >= 1, (token, got[0])
    assert b.release(key, got[0]) is True


@pytest.mark.parametrize("name", KAZOO + ["etcd-lock"])
def test_a_waiter_gives_up_after_max_wait_and_leaves_nothing_behind(make, key, name):
    a, b = make(name, 0), make(name, 1)
    token = a.acquire(key)
    assert token
    started = time.monotonic()
    assert b.acquire(key) is None
    waited = time.monotonic() - started
    assert get(name).max_wait * TTL * 0.9 <= waited < get(name).max_wait * TTL + 2.0
    assert a.release(key, token) is True
    again = b.acquire(key)  # granted at once: the timed-out waiter left no node or key in the queue
    assert again
    assert b.release(key, again) is True


def test_etcd_the_kept_alive_lease_outlives_a_long_hold(make, key):
    a, b = make("etcd-lock", 0), make("etcd-lock", 1)
    token = a.acquire(key)
    assert token
    time.sleep(1.5 * TTL)  # past the lease: only the keep-alive thread keeps the key
    assert b.acquire(key) is None  # waited max_wait more leases: the key never expired
    assert a.release(key, token) is True


def test_etcd_a_holder_whose_keepalives_stop_loses_the_lock_and_still_believes(make, key, etcd):
    a, b = make("etcd-lock", 0), make("etcd-lock", 1)
    token = a.acquire(key)
    assert token
    a.stopped.set()  # what a pause does to the keep-alive thread
    got, done = waiting(b, key)
    assert done.wait(2.5 * TTL), "the lease did not expire"  # the lease, the 0.5 s sweep, margin
    assert got[0]
    assert key in a.mine  # a's client still has its key: nothing told it
    assert a.release(key, token) is True  # Unlock answers OK for a key long gone
    assert b.release(key, got[0]) is True


@pytest.mark.parametrize("name", KAZOO)
def test_zookeeper_an_expired_holder_loses_the_lock_and_still_believes(make, key, name, zookeeper):
    from kazoo.client import KazooClient

    a, b = make(name, 0), make(name, 1)
    token = a.acquire(key)
    assert token
    got, done = waiting(b, key)
    time.sleep(0.3)
    assert not done.is_set()
    # expire a's session from outside, as kazoo's own tests do: a second client on the same
    # session id closes it (what the ensemble does when a paused holder's session times out)
    twin = KazooClient(hosts=",".join(zookeeper.addresses), client_id=a.zk.client_id, timeout=TTL)
    twin.start(timeout=10)
    twin.stop()
    twin.close()
    assert done.wait(2 * TTL), "the waiter was not granted the lock of the expired session"
    assert got[0]
    assert a.locks[key].is_acquired  # the recipe's flag: the old holder cannot tell
    assert a.release(key, token) is True  # deletes nothing, still answers True
    assert b.release(key, got[0]) is True
