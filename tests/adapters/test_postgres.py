"""The PostgreSQL lock adapters against a real server: a waiter is granted the lock right
after the holder's unlock or COMMIT and gives up at lock_timeout; a transaction lock is
released by nothing but its own transaction's COMMIT; and the hazard each one is vetted
for, shown directly: the server terminates the holder's session, the next client takes the
lock, and the holder's client still has its transaction open. Then replays of one violating
and one safe schedule per transaction-scoped adapter giving the same verdict every time."""

from __future__ import annotations

import time

import psycopg
import pytest
from taala.adapters import get
from taala.vet import REPRODUCER_VERSION, replay

from tests.support.waiting import waiting

TTL = 1.0  # lock_timeout is max_wait (2) leases: 2 s
LOCKS = ["postgres-advisory", "postgres-advisory-xact", "postgres-row-lock"]
XACT = ["postgres-advisory-xact", "postgres-row-lock"]
TRY = ["postgres-try-advisory", "postgres-row-lock-nowait"]  # answer at once, never wait
RUNS = 20


@pytest.mark.parametrize("name", LOCKS)
def test_a_waiter_gets_the_lock_right_after_the_holders_release(name, make, key):
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
    assert b.release(key, got[0]) is True
    assert a.release(key, token) is False  # nothing left to release


@pytest.mark.parametrize("name", LOCKS)
def test_a_waiter_gives_up_at_lock_timeout_and_can_try_again(name, make, key):
    a, b = make(name, 0), make(name, 1)
    token = a.acquire(key)
    assert token
    started = time.monotonic()
    assert b.acquire(key) is None
    waited = time.monotonic() - started
    wait = get(name).max_wait * TTL
    assert 0.9 * wait <= waited < wait + 2.0
    assert a.release(key, token) is True
    again = b.acquire(key)  # the timed-out wait left no transaction half-open
    assert again
    assert b.release(key, again) is True


@pytest.mark.parametrize("name", XACT)
def test_the_transaction_lock_lasts_until_commit_and_commit_alone_releases_it(name, make, key):
    a, b = make(name, 0), make(name, 1)
    assert b.release(key, "x") is False  # no transaction open: releases nothing
    token = a.acquire(key)
    assert a.session.conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    assert b.release(key, token) is False  # b's COMMIT ends nothing of a's
    assert b.acquire(key) is None  # still a's (after lock_timeout)
    assert a.release(key, token) is True
    assert a.session.conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


@pytest.mark.parametrize("name", LOCKS)
def test_a_terminated_holder_loses_the_lock_and_its_client_cannot_tell(name, make, key, postgres):
    a, b = make(name, 0), make(name, 1)
    token = a.acquire(key)
    assert token
    got, done = waiting(b, key)
    time.sleep(0.3)
    assert not done.is_set()
    with psycopg.connect(postgres.dsn, autocommit=True) as admin:
        ended = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name = 'taala client 0'").fetchall()
    assert ended == [(True,)]
    assert done.wait(TTL), "the waiter was not granted the lock the server freed"
    assert got[0]  # b holds the lock now ...
    # ... while a's connection, idle in its critical section, has not noticed anything
    assert not a.session.conn.closed
    if name in XACT:
        assert a.session.conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    with pytest.raises(psycopg.OperationalError):  # only a's release finds out
        a.release(key, token)
    assert b.release(key, got[0]) is True


@pytest.mark.parametrize("name", TRY)
def test_a_try_lock_refuses_at_once_and_is_lost_with_its_session(name, make, key, postgres):
    a, b = make(name, 0), make(name, 1)
    token = a.acquire(key)
    assert token
    started = time.monotonic()
    assert b.acquire(key) is None  # held: refused, not waited for (no lock_timeout is set:
    assert time.monotonic() - started < 5.0  # a wait would last until the test's timeout)
    assert b.release(key, "x") is False  # b holds nothing
    with psycopg.connect(postgres.dsn, autocommit=True) as admin:
        ended = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name = 'taala client 0'").fetchall()
    assert ended == [(True,)]
    deadline = time.monotonic() + 10
    while (got := b.acquire(key)) is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the server frees the lock once it has ended the session
    assert got, "the lock the server freed was never granted"
    with pytest.raises(psycopg.OperationalError):  # only a's release finds out it held nothing
        a.release(key, token)
    assert b.release(key, got) is True
    assert a.acquire(key) == token  # a reconnects (a new session) and takes the free lock


def _reproducer(adapter: str, schedule: list) -> dict:
    # a 1 s lease: lock_timeout is 2 leases, and under load PostgreSQL once took longer than
    # 0.5 s to end a killed session, so the waiter timed out instead of getting the lock
    return {"taala_reproducer": REPRODUCER_VERSION, "adapter": adapter, "ttl": 1.0, "clients": 2,
            "schedule": schedule}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("adapter", XACT)
@pytest.mark.parametrize("schedule, violation", [
    ([["acquire", 0], ["connection-kill", 0], ["acquire", 1]], True),
    # a waiter blocks while the holder is paused, then the holder commits and the waiter gets it
    ([["acquire", 0], ["acquire", 1], ["pause", 0, 1.5], ["release", 0], ["release", 1]], False),
])
def test_replays_give_the_same_verdict(adapter, schedule, violation):
    result = replay(get(adapter), _reproducer(adapter, schedule), runs=RUNS)
    assert result.verdicts == [violation] * RUNS, result.verdicts


def test_clients_connecting_at_once_all_find_the_lock_table(postgres):
    """`CREATE TABLE IF NOT EXISTS` from several sessions at once races in the catalog (one
    may fail with DuplicateTable, DuplicateObject or UniqueViolation although the table then
    exists): every client must still connect. A verifier case once failed on it."""
    import threading

    from taala.adapters._postgres import Session
    from taala.adapters.postgres_row_lock import SCHEMA

    admin = psycopg.connect(postgres.dsn, autocommit=True)
    errors: list[BaseException] = []
    for _ in range(30):
        admin.execute("DROP TABLE IF EXISTS taala_lock_rows")
        barrier, sessions = threading.Barrier(6), []

        def connect(client, barrier=barrier, sessions=sessions):
            barrier.wait()
            try:
                sessions.append(Session(postgres.address, client, schema=(SCHEMA,)))
            except Exception as e:  # noqa: BLE001 - collected and asserted on below
                errors.append(e)

        threads = [threading.Thread(target=connect, args=(c,)) for c in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        for s in sessions:
            s.conn.close()
    admin.close()
    assert not errors, f"{len(errors)} of 180 clients failed to connect: {errors[0]!r}"
