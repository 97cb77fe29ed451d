"""PostgreSQL transaction advisory locks, `pg_advisory_xact_lock` (blocking): held until COMMIT.

Acquire opens a transaction and takes the lock inside it:

    BEGIN; SELECT pg_advisory_xact_lock(k)

The call waits until the lock is free, bounded by `SET lock_timeout` (past it the server
cancels the wait with SQLSTATE 55P03: the adapter rolls back and answers "not acquired").
There is no unlock function for a transaction lock: it lasts until the transaction ends,
so release is `COMMIT`, and it counts as released only when the server answers `COMMIT`
(a transaction the server already aborted answers `ROLLBACK`).

Like the session lock (`postgres-advisory`) there is no lease: a slow or paused holder's
transaction stays open on the server (no `idle_in_transaction_session_timeout` is set, the
default), and so does its lock. The hazard is the session again: when the server ends it
(`pg_terminate_backend`, a proxy or pooler dropping the connection, a restart), it rolls
the transaction back and frees the lock, while the holder, not touching the database in
its critical section, still believes it holds it until its `COMMIT` fails. Nothing fences
its writes. A transaction scope does not help here: it only bounds how long a healthy
holder can keep the lock.

Like a pool's health check, `acquire` first makes sure its connection is alive and
reconnects if not (see `_postgres.py`).
"""

from __future__ import annotations

from taala.adapter import safe, unsafe
from taala.adapters._postgres import BlockingPostgresLock, lock_id


class PostgresAdvisoryXactLock(BlockingPostgresLock):
    name = "postgres-advisory-xact"
    summary = "PostgreSQL BEGIN + pg_advisory_xact_lock, released by COMMIT (blocking, bounded by lock_timeout): no fencing"
    expectations = {
        "none": safe("the lock belongs to the open transaction: only the holder's COMMIT frees it"),
        "pause": safe("a paused holder's transaction stays open on the server, so the lock stays held"),
        "node-pause": safe("a stopped server grants nothing; waiters simply wait or time out"),
        "kill": unsafe("a restarted server has forgotten every transaction's locks; the old holder still believes"),
        "connection-kill": unsafe("the server ends the dropped session and rolls its transaction back; the holder still believes"),
        "partition": safe("the session outlives a cut-off (TCP stays up): the transaction and its lock stay, waiters wait"),
        "latency": safe("nothing expires: a slow network only makes acquires and commits slower"),
    }

    def acquire(self, key):
        self.session.healthy()
        self.session.execute("BEGIN")
        if self.take("SELECT pg_advisory_xact_lock(%s)", (lock_id(key),), in_transaction=True) is None:
            return None
        return f"xact-{self.client}"

    def release(self, key, token):
        return self.session.commit()  # the transaction's end is the lock's end
