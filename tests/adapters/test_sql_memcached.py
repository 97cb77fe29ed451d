"""The MariaDB and memcached adapters against real servers: semantics, the seed's flaws shown
directly, the NULL-as-acquired bug found and shrunk under a statement-kill fault, and 20
back-to-back replays of one violating schedule on MariaDB giving the same verdict.

The statement kill (`query-kill` in `taala.faults`: `KILL QUERY` of whatever a client is
running, again and again until its op returns, as `pt-kill` does with a busy connection) is
the one way a real server hands `GET_LOCK` a NULL: verified on MariaDB 10.11, a killed
`GET_LOCK` returns NULL with no error.
"""

from __future__ import annotations

import threading
import time

import pymysql
import pytest
from taala.adapter import session_user
from taala.adapters import get
from taala.schedule import counts
from taala.vet import REPRODUCER_VERSION, replay, vet

TTL = 1.0  # the shortest lease every adapter here supports (memcached and the IRCTC loop: 1 s)
LONG_TTL = 2.0  # for leases that must outlast a few round trips on a loaded machine by a wide margin
EXCLUSIVE = ["mariadb-get-lock", "seed-irctc-get-lock", "seat-locks-table", "memcached-add-lock"]
SQL = {"mariadb-get-lock", "seed-irctc-get-lock", "seat-locks-table", "seed-seat-locks-table"}


def root(server) -> pymysql.Connection:
    host, _, port = server.address.rpartition(":")
    return pymysql.connect(host=host, port=int(port), user="root", autocommit=True, connect_timeout=5)


# ---- semantics: one holder at a time, release hands over --------------------------------

@pytest.mark.parametrize("name", EXCLUSIVE)
def test_one_client_gets_it_and_release_frees_it(name, make, key):
    ttl = TTL if get(name).blocking else LONG_TTL  # a blocking lock's refused acquire waits max_wait leases
    a, b = make(name, 0, ttl), make(name, 1, ttl)
    ta = a.acquire(key)
    assert ta
    assert b.acquire(key) is None  # blocking locks: the wait times out (bounded by max_wait)
    assert b.release(key, "not-a-token") is False
    assert a.release(key, ta) is True
    tb = b.acquire(key)
    assert tb
    assert b.release(key, tb) is True


def test_the_seeds_seat_locks_table_lets_every_insert_win(make, key):
    """M8: no unique key, so ON DUPLICATE KEY UPDATE never fires and both clients 'hold' the seat."""
    a, b = make("seed-seat-locks-table", 0), make("seed-seat-locks-table", 1)
    ta, tb = a.acquire(key), b.acquire(key)
    assert ta and tb and ta != tb
    assert a.release(key, ta) is True and b.release(key, tb) is True  # each deletes its own row
    assert a.release(key, ta) is False


def test_the_corrected_table_hands_an_expired_lease_over_and_refuses_the_stale_release(make, key):
    a, b = make("seat-locks-table", 0, ttl=LONG_TTL), make("seat-locks-table", 1, ttl=LONG_TTL)
    ta = a.acquire(key)
    assert ta and b.acquire(key) is None
    time.sleep(LONG_TTL + 0.3)  # the lease (server clock) has run out; oversleeping only helps
    tb = b.acquire(key)
    assert tb
    assert a.release(key, ta) is False  # the row is b's now
    assert b.release(key, tb) is True


def test_a_memcached_lease_lasts_at_least_the_ttl_and_then_expires(make, key):
    """expire = ceil(ttl) + 1 on a clock that ticks once a second: alive for more than ttl, gone by ttl + 1 s."""
    a, b = make("memcached-add-lock", 0, LONG_TTL), make("memcached-add-lock", 1, LONG_TTL)
    added = time.monotonic()
    assert a.acquire(key)
    time.sleep(1.0)
    assert time.monotonic() - added < LONG_TTL - 0.5, "the machine stalled: this check would prove nothing"
    assert b.acquire(key) is None  # the item lives more than LONG_TTL s
    time.sleep(max(0.0, added + LONG_TTL + 1.3 - time.monotonic()))  # past ceil(2) + 1 = 3 s
    tb = b.acquire(key)
    assert tb and b.release(key, tb) is True


# ---- GET_LOCK returning NULL --------------------------------------------------------------

def _acquire_while_killed(adapter, key, server, client, seconds):
    """Acquire on a thread while another connection kills the client's statements for `seconds`."""
    got = {}
    thread = threading.Thread(target=lambda: got.setdefault("token", adapter.acquire(key)))
    thread.start()
    time.sleep(0.2)  # the waiter is inside GET_LOCK now
    killed, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline and thread.is_alive():
        killed += server.kill_statements(session_user(client))
        time.sleep(0.02)
    thread.join(10)
    assert killed, "no statement was killed: the test tested nothing"
    return got.get("token")


def test_a_killed_get_lock_is_success_to_the_seeds_procedure_while_another_session_holds(make, key, mariadb):
    a, b = make("seed-irctc-get-lock", 0), make("seed-irctc-get-lock", 1)
    assert a.acquire(key)
    # kill b's statements for longer than its whole loop (ceil(2 s) + the last 1 s attempt)
    assert _acquire_while_killed(b, key, mariadb, 1, 4.0), "the NULL from the killed GET_LOCK was taken as success"
    with root(mariadb).cursor() as cur:
        cur.execute("SELECT IS_USED_LOCK(CONCAT('seat_', %s, '_', 'S1-25'))",
                    (__import__("taala.adapters.seed_seat_locks", fromlist=["train_id"]).train_id(key),))
        holder = cur.fetchone()[0]
    assert holder == a.session.conn.thread_id()  # the server says a holds it: b holds nothing


def test_a_killed_get_lock_is_not_acquired_for_the_plain_adapter(make, key, mariadb):
    a, b = make("mariadb-get-lock", 0), make("mariadb-get-lock", 1)
    assert a.acquire(key)
    assert _acquire_while_killed(b, key, mariadb, 1, 1.0) is None


# ---- the statement-kill fault and the campaign the acceptance asks for -----------------

@pytest.mark.timeout(600)
def test_get_lock_null_taken_as_acquired_is_found_and_shrunk(tmp_path):
    campaign = vet(get("seed-irctc-get-lock"), ["query-kill"], budget=180, shrink_budget=150, store=tmp_path)
    assert campaign.violation, f"{campaign.examples} schedules found nothing: {campaign.reasons}"
    size = counts(campaign.schedule, campaign.clients)
    assert size["clients"] <= 2 and size["operations"] <= 6 and size["faults"] <= 1, campaign.schedule
    assert any(step[0] == "query-kill" for step in campaign.schedule)
    print(f"query-kill: {campaign.examples} schedules, {campaign.elapsed_s:.1f} s, minimal {campaign.schedule}")


# ---- replays ----------------------------------------------------------------------------

RUNS = 20


@pytest.mark.timeout(600)
@pytest.mark.parametrize("adapter, schedule, violation", [
    # the holder's connection is dropped: the server frees its GET_LOCK, client 1 takes it
    ("mariadb-get-lock", [["acquire", 0], ["connection-kill", 0], ["acquire", 1]], True),
    # a waiter blocked on a holder that releases: handed over, never shared
    ("mariadb-get-lock", [["acquire", 0], ["acquire", 1], ["release", 0]], False),
    # the seed's seat_locks: every INSERT wins, no fault needed
    ("seed-seat-locks-table", [["acquire", 0], ["acquire", 1]], True),
])
def test_twenty_replays_on_mariadb_give_the_same_verdict(adapter, schedule, violation):
    reproducer = {"taala_reproducer": REPRODUCER_VERSION, "adapter": adapter, "ttl": 0.25, "clients": 2,
                  "schedule": schedule}
    result = replay(get(adapter), reproducer, runs=RUNS)
    assert result.verdicts == [violation] * RUNS, result.verdicts
