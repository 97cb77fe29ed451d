"""Optimistic concurrency on PostgreSQL: `UPDATE … WHERE version = %s` with the row count read.

The record is a row `taala_cabs(id, holder, version)` (the talk's Ola cab, docs/talk.md,
M14, with the CAS "done at database level" as the talk says it would be). Acquire reads the row
(created unassigned at version 0 if absent, `INSERT … ON CONFLICT DO NOTHING`), refuses if
it is assigned, then runs

    UPDATE taala_cabs SET holder = me, version = version + 1 WHERE id = k AND version = v

and reads the row count: 1 = this ride now holds the cab (token `me|v+1`), 0 = somebody
wrote the row since the read. Release is the same CAS back to unassigned on the version we
wrote. Each statement autocommits; a row-level write lock makes the `WHERE version = v`
test and the write one atomic step, so one CAS per version wins. How this fits the lock
contract: see `occ-redis-watch`.

No lease and no session state: the row outlives connections, pauses and slow holders. Its
hazard is the store forgetting the row: taala's `kill` restarts the server empty (data
directory wiped), the table comes back empty and version 0 is free again. Like a pool's
health check, `acquire` first makes sure its connection is alive and reconnects if not.
"""

from __future__ import annotations

import uuid

from taala.adapter import Adapter, LeaseTerms, safe, unsafe
from taala.adapters._postgres import Session

SCHEMA = "CREATE TABLE IF NOT EXISTS taala_cabs (id text PRIMARY KEY, holder text, version bigint NOT NULL)"


class PostgresVersionCas(Adapter):
    name = "occ-postgres-version"
    summary = "optimistic version CAS on PostgreSQL: UPDATE … WHERE version = v, row count read"
    backend = "postgres"
    requires = ("psycopg",)
    expectations = {
        "none": safe("the conditional UPDATE is atomic and its row count says who won"),
        "pause": safe("no lease: the assignment stays until its holder hands it back"),
        "connection-kill": safe("the row outlives the connection; an UPDATE cut off mid-way is unknown, never doubled"),
        "kill": unsafe("a server restarted empty has forgotten the row: version 0 is free again"),
    }

    # the row is held until handed back: no lease, and it outlives every connection
    @classmethod
    def lease_terms(cls, ttl):
        return LeaseTerms.unleased(session_bound=False)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        self.me = f"c{client}-{uuid.uuid4().hex[:8]}"
        self.session = Session(addresses[0], client, schema=(SCHEMA,))  # recreates the table a wiped server lost

    def acquire(self, key):
        self.session.healthy()
        self.session.execute("INSERT INTO taala_cabs VALUES (%s, NULL, 0) ON CONFLICT DO NOTHING", (key,))
        holder, version = self.session.execute("SELECT holder, version FROM taala_cabs WHERE id = %s", (key,)).fetchone()
        if holder:
            return None  # assigned to another ride
        cur = self.session.execute("UPDATE taala_cabs SET holder = %s, version = version + 1 WHERE id = %s AND version = %s",
                                   (self.me, key, version))
        return f"{self.me}|{version + 1}" if cur.rowcount == 1 else None

    def release(self, key, token):
        holder, _, version = token.rpartition("|")
        cur = self.session.execute(
            "UPDATE taala_cabs SET holder = NULL, version = version + 1 WHERE id = %s AND holder = %s AND version = %s",
            (key, holder, int(version)))
        return cur.rowcount == 1

    def close(self):
        self.session.close()
