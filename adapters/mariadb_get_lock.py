"""MariaDB named locks, `GET_LOCK(name, timeout)` / `RELEASE_LOCK(name)`, through pymysql.

`SELECT GET_LOCK(name, t)` waits up to t seconds (fractions allowed) and returns 1 when this
session now holds the lock, 0 when the wait timed out, and NULL when the wait was cut short
by an error: the statement killed (`KILL QUERY`, `max_statement_time`), a deadlock, an empty
name (verified on MariaDB 10.11: a `KILL QUERY` of a waiting `GET_LOCK` returns NULL with
no error at all). NULL is "not acquired" here. `RELEASE_LOCK(name)` returns 1 when released,
0 when another session holds it, NULL when nobody does.

The lock belongs to the server *session* (like a PostgreSQL advisory lock): no lease,
nothing expires under a slow or paused holder, and the server frees it the moment the
session ends. That is the hazard: when the connection is dropped (`KILL <id>`, a proxy or
load balancer closing it, `wait_timeout`) or the server restarts, the lock is gone while
the holder, not touching the database, still believes it holds it; nothing fences its
writes. Verified here: a waiter blocked in `GET_LOCK` is granted the lock 0.3 s after the
holder's socket closes.

Like a pool's health check, `acquire` first pings its connection and reconnects if the
server dropped it (see `_mysql.py`).
"""

from __future__ import annotations

from taala.adapter import Adapter, LeaseTerms, safe, unsafe
from taala.adapters._mysql import Session


class MariaDBGetLock(Adapter):
    name = "mariadb-get-lock"
    summary = "MariaDB GET_LOCK/RELEASE_LOCK on one session (blocking, bounded by its timeout): no lease, no fencing"
    backend = "mariadb"
    requires = ("pymysql",)
    blocking = True
    max_wait = 2.0  # GET_LOCK's timeout, in leases
    timing = {"lease": 1.0, "wait": max_wait}
    expectations = {
        "none": safe("the lock belongs to the session: only the holder's RELEASE_LOCK frees it"),
        "pause": safe("a paused holder's session stays open on the server, so the lock stays held"),
        "node-pause": safe("a stopped server grants nothing; waiters wait or time out"),
        "kill": unsafe("a restarted server has forgotten every session's locks; the old holder still believes"),
        "connection-kill": unsafe("the server ends the dropped session and frees its lock; the holder still believes"),
        "query-kill": safe("a killed GET_LOCK returns NULL, read as not acquired: nobody believes in a lock it lacks"),
        "partition": safe("the session outlives a cut-off (TCP stays up): the lock stays held, waiters wait"),
        "latency": safe("nothing expires: a slow network only makes acquires and releases slower"),
    }

    # GET_LOCK belongs to the server session: no lease; freed when the session ends
    @classmethod
    def lease_terms(cls, ttl):
        return LeaseTerms.unleased(session_bound=True)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        self.session = Session(addresses[0], client)

    def acquire(self, key):
        self.session.healthy()
        got = self.session.scalar("SELECT GET_LOCK(%s, %s)", (key, self.max_wait * self.ttl))
        if got != 1:
            return None  # 0: timed out; NULL: the wait was killed or failed; either way not held
        return f"session-{self.client}-{self.session.conn.thread_id()}"

    def release(self, key, token):
        return self.session.scalar("SELECT RELEASE_LOCK(%s)", (key,)) == 1

    def close(self):
        self.session.close()
