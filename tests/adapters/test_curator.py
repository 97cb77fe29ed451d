"""Apache Curator's locks (adapters/curator/, Java, a process adapter) against a real 3-node
ZooKeeper ensemble: the same semantics as kazoo's twins (test_zookeeper_etcd.py) through the
protocol: a waiter is granted right after the holder's release, gives up after `max_wait`,
readers share, and a session the server would not grant is refused at hello."""

from __future__ import annotations

import time

import pytest
from taala.adapters import get
from taala.process.adapter import ClientError

from tests.support.waiting import assert_gives_up_after_max_wait, waiting

TTL = 2.0  # the adapters' min_ttl, as kazoo's
NAMES = ["curator-mutex", "curator-semaphore-mutex", "curator-rw-lock"]


@pytest.fixture(autouse=True)
def _java():
    reason = get("curator-mutex").unavailable()
    if reason:
        pytest.skip(reason)


class Moded:
    """An adapter with modes, held to one mode: `waiting` calls acquire(key)."""

    def __init__(self, adapter, mode):
        self.adapter, self.mode = adapter, mode

    def acquire(self, key):
        return self.adapter.acquire(key, mode=self.mode)

    def release(self, key, token):
        return self.adapter.release(key, token, mode=self.mode)


def _make(make, name, client):
    adapter = make(name, client)
    return Moded(adapter, "write") if get(name).modes else adapter


@pytest.mark.parametrize("name", NAMES)
def test_a_waiter_gets_the_lock_right_after_the_holders_release(make, key, name):
    a, b = _make(make, name, 0), _make(make, name, 1)
    token = a.acquire(key)
    assert isinstance(token, str) and token.startswith(f"/taala/{key}/"), token  # the holder's znode
    got, done = waiting(b, key)
    time.sleep(0.5 * TTL)
    assert not done.is_set(), "a second client got a held lock"
    released = time.monotonic()
    assert a.release(key, token) is True
    assert done.wait(TTL), "the waiter was not granted the freed lock"
    assert got[0] and got[0] != token and got[1] - released < 0.5 * TTL
    assert b.release(key, got[0]) is True
    assert a.release(key, token) is False  # no longer held by a: "You do not own the lock"


def test_a_waiter_gives_up_after_max_wait(make, key):
    assert_gives_up_after_max_wait(make("curator-mutex", 0), make("curator-mutex", 1), key, TTL)


def test_readers_share_and_a_writer_waits_for_them(make, key):
    a, b, c = (make("curator-rw-lock", i) for i in range(3))
    ra, rb = a.acquire(key, mode="read"), b.acquire(key, mode="read")
    assert ra and rb and ra != rb
    got, done = waiting(Moded(c, "write"), key)
    time.sleep(0.5 * TTL)
    assert not done.is_set(), "a writer got the lock while readers held it"
    assert a.release(key, ra, mode="read") is True
    time.sleep(0.25 * TTL)
    assert not done.is_set(), "a writer got the lock while a reader still held it"
    assert b.release(key, rb, mode="read") is True
    assert done.wait(TTL) and got[0]
    assert c.release(key, got[0], mode="write") is True


def test_refuses_a_session_the_server_would_not_grant(make, key):
    with pytest.raises(ClientError, match="ZooKeeper grants a 1 s session, not the 0.5 s lease"):
        make("curator-mutex", 0, ttl=0.5)
