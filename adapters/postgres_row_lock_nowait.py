"""PostgreSQL row locks taken with `SELECT … FOR UPDATE NOWAIT` (non-blocking), held until COMMIT.

The try-lock twin of `postgres-row-lock`: the same table of lock rows, but the select does
not wait for a row another transaction holds; the server refuses at once with SQLSTATE
55P03 (`could not obtain lock on row`), and the adapter rolls back and answers "not
acquired". Release is `COMMIT`, counted only when the server answers `COMMIT`.

Same hazard as the blocking row lock: when the server ends the holder's session, it rolls
the transaction back and the row is free, while the holder still believes it holds it
until its `COMMIT` fails.
"""

from __future__ import annotations

from taala.adapter import safe, unsafe
from taala.adapters._postgres import PostgresLock
from taala.adapters.postgres_row_lock import SCHEMA


class PostgresRowLockNowait(PostgresLock):
    name = "postgres-row-lock-nowait"
    summary = "PostgreSQL BEGIN + SELECT … FOR UPDATE NOWAIT on the lock's row, released by COMMIT (non-blocking): no fencing"
    tier = "full"  # the non-blocking twin of a lock the quick tier vets, with the same verdicts
    schema = (SCHEMA,)
    expectations = {
        "none": safe("the row stays locked by the open transaction: only the holder's COMMIT frees it"),
        "pause": safe("a paused holder's transaction stays open on the server, so the row stays locked"),
        "kill": unsafe("a server restarted empty has no transaction and no row: the next client locks a new one"),
        "connection-kill": unsafe("the server ends the dropped session and rolls its transaction back; the holder still believes"),
        "partition": safe("the session outlives a cut-off (TCP stays up): the transaction keeps the row"),
    }

    def acquire(self, key):
        self.session.healthy()
        self.session.execute("INSERT INTO taala_lock_rows VALUES (%s) ON CONFLICT DO NOTHING", (key,))
        self.session.execute("BEGIN")
        cur = self.take("SELECT id FROM taala_lock_rows WHERE id = %s FOR UPDATE NOWAIT", (key,), in_transaction=True)
        if cur is None:
            return None  # another transaction holds the row
        if cur.fetchone() is None:  # the row is gone (a wiped server between the insert and the select)
            self.session.execute("ROLLBACK")
            return None
        return f"row-{self.client}"

    def release(self, key, token):
        return self.session.commit()
