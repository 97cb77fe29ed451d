"""PostgreSQL row locks, `SELECT … FOR UPDATE` (blocking): the lock is a row, held until COMMIT.

Each lock name is a row of `taala_lock_rows(id text PRIMARY KEY)`, created on first use
(`INSERT … ON CONFLICT DO NOTHING`, committed on its own). Acquire opens a transaction and
locks the row:

    BEGIN; SELECT id FROM taala_lock_rows WHERE id = k FOR UPDATE

The select waits while another transaction holds the row, bounded by `SET lock_timeout`
(past it: SQLSTATE 55P03, rollback, "not acquired"). Release is `COMMIT`, counted as a
release only when the server answers `COMMIT`. This is the talk's row lock (docs/talk.md:
M10 and M11 take `SELECT … FOR UPDATE` on MySQL) on PostgreSQL, used as a mutex on its own.

No lease: a slow or paused holder's transaction stays open and keeps the row. The hazard is
the session, as with advisory locks: when the server ends it (`pg_terminate_backend`, a
dropped connection, a restart), it rolls the transaction back and the row is free for the
next `FOR UPDATE`, while the holder still believes it holds the lock until its `COMMIT`
fails. The talk's M11 stays correct through that only because its guarded `UPDATE` and the
row lock commit together; a row lock taken to protect *something else* has no such guard.

Like a pool's health check, `acquire` first makes sure its connection is alive and
reconnects if not, recreating the table a wiped server lost (see `_postgres.py`).
"""

from __future__ import annotations

from taala.adapter import safe, unsafe
from taala.adapters._postgres import BlockingPostgresLock

SCHEMA = "CREATE TABLE IF NOT EXISTS taala_lock_rows (id text PRIMARY KEY)"


class PostgresRowLock(BlockingPostgresLock):
    name = "postgres-row-lock"
    summary = "PostgreSQL BEGIN + SELECT … FOR UPDATE on the lock's row, released by COMMIT (blocking, lock_timeout): no fencing"
    schema = (SCHEMA,)
    expectations = {
        "none": safe("the row stays locked by the open transaction: only the holder's COMMIT frees it"),
        "pause": safe("a paused holder's transaction stays open on the server, so the row stays locked"),
        "node-pause": safe("a stopped server grants nothing; waiters simply wait or time out"),
        "kill": unsafe("a server restarted empty has no transaction and no row: the next client locks a new one"),
        "connection-kill": unsafe("the server ends the dropped session and rolls its transaction back; the holder still believes"),
        "partition": safe("the session outlives a cut-off (TCP stays up): the transaction keeps the row, waiters wait"),
        "latency": safe("nothing expires: a slow network only makes acquires and commits slower"),
    }

    def acquire(self, key):
        self.session.healthy()
        self.session.execute("INSERT INTO taala_lock_rows VALUES (%s) ON CONFLICT DO NOTHING", (key,))
        self.session.execute("BEGIN")
        cur = self.take("SELECT id FROM taala_lock_rows WHERE id = %s FOR UPDATE", (key,), in_transaction=True)
        if cur is None:
            return None
        if cur.fetchone() is None:  # the row is gone (a wiped server between the insert and the select)
            self.session.execute("ROLLBACK")
            return None
        return f"row-{self.client}"

    def release(self, key, token):
        return self.session.commit()  # the transaction's end is the lock's end
