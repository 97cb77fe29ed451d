"""PostgreSQL session advisory try-locks, `pg_try_advisory_lock` (non-blocking).

`SELECT pg_try_advisory_lock(k)` answers at once: true if this session now holds the lock,
false if another session holds it. Like `pg_advisory_lock` (`postgres-advisory`) the lock
belongs to the session, with no lease: nothing expires under a slow or paused holder, and
release is `pg_advisory_unlock(k)` (false when this session does not hold it). This is
what tooz's PostgreSQL driver and most job schedulers' "only one runner" guards call.

The hazard is the same as the blocking lock's: when the server ends the session (a restart,
`pg_terminate_backend`, a pooler or proxy dropping the connection), the lock is gone while
the holder, not touching the database in its critical section, still believes it holds it;
nothing fences its writes. Like a pool's health check, `acquire` first makes sure its
connection is alive and reconnects if not (see `_postgres.py`).
"""

from __future__ import annotations

from taala.adapter import safe, unsafe
from taala.adapters._postgres import PostgresLock, lock_id


class PostgresTryAdvisoryLock(PostgresLock):
    name = "postgres-try-advisory"
    summary = "PostgreSQL pg_try_advisory_lock on one session (non-blocking): no lease, no fencing"
    tier = "full"  # the non-blocking twin of a lock the quick tier vets, with the same verdicts
    expectations = {
        "none": safe("the lock belongs to the session: only the holder's unlock frees it"),
        "pause": safe("a paused holder's session stays open on the server, so the lock stays held"),
        "kill": unsafe("a restarted server has forgotten every session's locks; the old holder still believes"),
        "connection-kill": unsafe("the server ends the dropped session and frees its lock; the holder still believes"),
        "partition": safe("the session outlives a cut-off (TCP stays up): the lock stays held"),
    }

    def acquire(self, key):
        self.session.healthy()
        row = self.session.execute("SELECT pg_try_advisory_lock(%s)", (lock_id(key),)).fetchone()
        return f"session-{self.client}" if row and row[0] else None

    def release(self, key, token):
        row = self.session.execute("SELECT pg_advisory_unlock(%s)", (lock_id(key),)).fetchone()
        return bool(row and row[0])
