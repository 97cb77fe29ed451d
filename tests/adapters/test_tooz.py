"""tooz locks against real servers, one class per driver (and heartbeat): one holder at a
time, release hands over, and what each driver's lock does when its holder's session or
lease goes (the driver's own `acquired` flag keeps saying "held")."""

from __future__ import annotations

import time

import pytest
from taala.adapters import available, get

pytest.importorskip("tooz")

TOOZ = sorted(n for n in available() if n.startswith("tooz-"))


def test_every_driver_has_a_class_and_the_beating_ones_a_heartbeat_twin():
    assert {get(n).driver for n in TOOZ} >= {"redis", "memcached", "postgresql", "mysql", "zookeeper",
                                               "etcd3+http", "file"}
    assert {n for n in TOOZ if get(n).heartbeat} == {"tooz-redis-heartbeat", "tooz-memcached-heartbeat",
                                                      "tooz-etcd3-heartbeat"}


@pytest.mark.parametrize("name", TOOZ)
def test_one_holder_at_a_time_and_release_hands_over(name, make, key):
    a, b = make(name, 0), make(name, 1)
    ta = a.acquire(key)
    assert ta
    assert b.acquire(key) is None
    assert a.acquire(key) is None
    assert b.release(key, "not-a-token") is False
    assert a.release(key, ta) is True
    tb = b.acquire(key)
    assert tb
    assert b.release(key, tb) is True


# memcached counts whole seconds: expire=4 lasts (3, 4] s against a beat every 2 s, a margin
# a busy machine's scheduler cannot eat (at 2 s the lease lapsed once under load)
@pytest.mark.parametrize("name,ttl", [("tooz-redis-heartbeat", 1.0), ("tooz-memcached-heartbeat", 4.0)])
def test_the_heart_keeps_a_working_holders_lease(name, ttl, make, key):
    a, b = make(name, 0, ttl), make(name, 1, ttl)
    assert a.acquire(key)
    time.sleep(3 * ttl + 0.2)  # past three leases: renewed every half lease
    assert b.acquire(key) is None


def test_a_one_second_memcached_lock_can_expire_before_the_hearts_second_beat(make, key):
    a, b = make("tooz-memcached-heartbeat", 0, 1.0), make("tooz-memcached", 1, 1.0)
    assert a.acquire(key)
    started = time.monotonic()
    while not b.acquire(key):  # memcached's whole-second clock: expire=1 lasts (0, 1] s
        assert time.monotonic() - started < 5.0, "the heart kept a 1 s memcached lock for 5 s"
        time.sleep(0.05)


@pytest.mark.parametrize("name", ["tooz-redis", "tooz-memcached"])
def test_without_the_heart_the_lease_runs_out_under_the_holder(name, make, key):
    a, b = make(name, 0), make(name, 1)
    assert a.acquire(key)
    time.sleep(2.2)
    assert b.acquire(key)  # a still believes: its lock object says acquired
    assert a.locks[key].acquired


def test_postgresql_driver_keeps_believing_after_its_session_is_terminated(make, key, postgres):
    import psycopg

    a, b = make("tooz-postgresql", 0), make("tooz-postgresql", 1)
    assert a.acquire(key)
    pid = a.locks[key]._conn.get_backend_pid()
    host, _, port = postgres.address.rpartition(":")
    with psycopg.connect(host=host, port=int(port), user="postgres", dbname="postgres", autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    time.sleep(0.2)
    assert b.acquire(key)
    assert a.locks[key].acquired  # tooz's flag: the stale holder cannot tell
