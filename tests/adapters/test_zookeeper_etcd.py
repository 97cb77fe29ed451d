"""The ZooKeeper (kazoo) and etcd (etcd3gw) adapters against real 3-node clusters: lock
semantics per adapter, and 20 back-to-back replays of one violating and one safe schedule
per backend giving the same verdict every time."""

from __future__ import annotations

import time

import pytest
from taala.adapters import get
from taala.vet import REPRODUCER_VERSION, replay

from tests.support.waiting import assert_gives_up_after_max_wait, waiting

TTL = 2.0  # both adapters' min_ttl: the shortest session/lease our servers really grant
RUNS = 20


# --- semantics -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["zookeeper-lock", "zookeeper-lock-fenced"])
def test_zookeeper_a_waiter_gets_the_lock_right_after_the_holders_release(make, key, name):
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
    assert a.release(key, token) is False  # no longer held by a


def test_zookeeper_a_waiter_gives_up_after_max_wait(make, key):
    assert_gives_up_after_max_wait(make("zookeeper-lock", 0), make("zookeeper-lock", 1), key, TTL)


def test_zookeeper_refuses_a_session_the_server_would_not_grant(make, key):
    with pytest.raises(ValueError, match="grants sessions of 1..10 s"):
        make("zookeeper-lock", 0, ttl=0.5)


@pytest.mark.parametrize("name", ["etcd-lease-lock", "etcd-lease-lock-fenced"])
def test_etcd_one_holder_and_release_frees_it(make, key, name):
    a, b = make(name, 0), make(name, 1)  # on two different members of the cluster
    assert a.addresses and a.etcd.port != b.etcd.port
    token = a.acquire(key)
    assert token
    assert b.acquire(key) is None
    assert a.release(key, token) is True
    other = b.acquire(key)
    assert other
    if get(name).fenced:
        assert isinstance(token, int) and other > token, (token, other)
    assert a.release(key, token) is False  # a does not hold it
    assert b.release(key, other) is True


def test_etcd_the_lease_expires_under_a_holder_that_does_nothing(make, key):
    a, b = make("etcd-lease-lock", 0), make("etcd-lease-lock", 1)
    token = a.acquire(key)
    assert token
    assert b.acquire(key) is None
    time.sleep(2.5 * TTL)  # the lease plus the lessor's 0.5 s expiry sweep, with margin
    other = b.acquire(key)
    assert other, "the lease did not expire"
    assert a.release(key, token) is False  # the key is b's now: a's compare-and-delete refuses
    assert b.release(key, other) is True


# --- replays -------------------------------------------------------------------------------

def _reproducer(adapter: str, schedule: list) -> dict:
    return {"taala_reproducer": REPRODUCER_VERSION, "adapter": adapter, "ttl": TTL, "clients": 2,
            "schedule": schedule}


@pytest.mark.timeout(900)
@pytest.mark.parametrize("adapter, schedule, violation", [
    # the holder is paused for 3 sessions (ZooKeeper expires it after 1 to 1.25) and never
    # releases inside the schedule; the next client takes the lock when it resumes
    ("zookeeper-lock", [["acquire", 0], ["pause", 0, 3.0], ["acquire", 1]], True),
    # a waiter blocks while the holder is paused for a quarter of its session, then releases
    ("zookeeper-lock", [["acquire", 0], ["acquire", 1], ["pause", 0, 0.25], ["release", 0]], False),
    # the lease (2 s, swept every 0.5 s) expires under a holder paused for 3 leases
    ("etcd-lease-lock", [["acquire", 0], ["pause", 0, 3.0], ["acquire", 1]], True),
    ("etcd-lease-lock", [["acquire", 0], ["acquire", 1], ["pause", 0, 0.25], ["release", 0], ["acquire", 1]], False),
])
def test_twenty_replays_give_the_same_verdict(adapter, schedule, violation):
    result = replay(get(adapter), _reproducer(adapter, schedule), runs=RUNS)
    assert result.verdicts == [violation] * RUNS, result.verdicts
