"""PostgreSQL session advisory locks, `pg_advisory_lock` (blocking): the blocking control.

`SELECT pg_advisory_lock(k)` waits until the lock is free and then holds it for as long as
the *session* lives: no lease, nothing expires under a slow or paused holder. The wait is
bounded by `SET lock_timeout` (advisory lock waits honour it): past it the server cancels
the wait with SQLSTATE 55P03 and the acquire is a clean "not acquired". Release is
`pg_advisory_unlock(k)`, which returns false when this session does not hold it.

This is taala's **blocking-lock control**: a correct lock whose acquire waits. With no
faults, client pauses or a paused server it must never be reported broken, and a waiter's
acquire must complete right after the holder's release (`tests/vet/test_blocking.py`).

Its one real hazard is the session itself: when the server restarts (or kills the
backend), every advisory lock is gone, and a holder that is not touching the database
does not notice: it still believes it holds the lock while the next client takes it. No
fencing token comes with an advisory lock, so nothing stops the stale holder's writes.

Like a connection pool's health check, `acquire` first makes sure its connection is
alive (`SELECT 1`) and reconnects if the server dropped it: a client whose connection
died takes the lock on a fresh session, as applications do (see `_postgres.py`).
"""

from __future__ import annotations

from taala.adapter import safe, unsafe
from taala.adapters._postgres import BlockingPostgresLock, lock_id


class PostgresAdvisoryLock(BlockingPostgresLock):
    name = "postgres-advisory"
    summary = "PostgreSQL pg_advisory_lock on one session (blocking, bounded by lock_timeout): no lease, no fencing"
    expectations = {
        "none": safe("the lock belongs to the session: only the holder's unlock frees it"),
        "pause": safe("a paused holder's session stays open on the server, so the lock stays held"),
        "node-pause": safe("a stopped server grants nothing; waiters simply wait or time out"),
        "kill": unsafe("a restarted server has forgotten every session's locks; the old holder still believes"),
        "connection-kill": unsafe("the server ends the dropped session and frees its lock; the holder still believes"),
        "partition": safe("the session outlives a cut-off (TCP stays up): the lock stays held, waiters wait"),
        "latency": safe("nothing expires: a slow network only makes acquires and releases slower"),
    }

    def acquire(self, key):
        self.session.healthy()
        if self.take("SELECT pg_advisory_lock(%s)", (lock_id(key),)) is None:
            return None
        return f"session-{self.client}"

    def release(self, key, token):
        row = self.session.execute("SELECT pg_advisory_unlock(%s)", (lock_id(key),)).fetchone()
        return bool(row and row[0])
