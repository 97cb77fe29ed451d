"""Shared PostgreSQL plumbing for adapters: one psycopg session, checked like a pool.

psycopg never retries a statement on its own. `Session.healthy()` is what a connection
pool's health check does before handing a connection out: run `SELECT 1` and, if the
connection died (the server restarted, a proxy dropped it, `pg_terminate_backend`), open
a new one. A new connection is a new server session: whatever the old one held (advisory
locks, an open transaction and its row locks) is gone.

Connections are autocommit: an adapter that needs a transaction says `BEGIN` and `COMMIT`
itself, so what each lock call sends is exactly what the adapter's docstring says. Each
client slot names itself in `application_name` (`taala client N`), so an operator tells the
clients' sessions apart in `pg_stat_activity`. `schema` statements run on every (re)connect,
so a table a wiped server lost comes back.

`PostgresLock` is what the lock adapters share: one session (a blocking one's lock waits
bounded by `lock_timeout`, `max_wait` leases) and `take` to run the statement that takes
the lock, answering "not acquired" when the server refuses it (SQLSTATE 55P03: the wait
hit `lock_timeout`, or `NOWAIT` found the lock held).
"""

from __future__ import annotations

import zlib
from typing import Any, ClassVar

from taala.adapter import Adapter, LeaseTerms

CONNECT_TIMEOUT = 5


class Session:
    def __init__(self, address: str, client: int, *, lock_timeout: float | None = None,
                 schema: tuple[str, ...] = ()):
        import psycopg

        self.psycopg = psycopg
        self.address, self.client = address, client
        self.lock_timeout, self.schema = lock_timeout, schema
        self.conn = self._connect()

    def _connect(self):
        host, _, port = self.address.rpartition(":")
        conn = self.psycopg.connect(host=host, port=int(port), user="postgres", dbname="postgres",
                                    autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                                    application_name=f"taala client {self.client}")
        if self.lock_timeout is not None:  # bounds lock waits (advisory and row locks alike): SQLSTATE 55P03
            conn.execute(f"SET lock_timeout = {max(1, int(self.lock_timeout * 1000))}")
        for statement in self.schema:
            try:
                conn.execute(statement)
            except (self.psycopg.errors.UniqueViolation, self.psycopg.errors.DuplicateObject,
                    self.psycopg.errors.DuplicateTable):
                pass  # two clients created the table at once: CREATE … IF NOT EXISTS races in the
                # catalog (on the table's name, DuplicateTable; on its row type's, DuplicateObject;
                # on an index, UniqueViolation), and the table exists once the other commits
        return conn

    def healthy(self) -> None:
        try:
            self.conn.execute("SELECT 1")
        except self.psycopg.OperationalError:
            self.conn.close()
            self.conn = self._connect()  # a new session: whatever the old one held is gone

    def execute(self, sql: str, args: tuple = ()):
        return self.conn.execute(sql, args)

    def commit(self) -> bool:
        """End the open transaction: True only if it committed (one that is not open, or
        that the server already aborted, released nothing: PostgreSQL answers a COMMIT of
        an aborted transaction with ROLLBACK)."""
        if self.conn.info.transaction_status != self.psycopg.pq.TransactionStatus.INTRANS:
            if self.conn.info.transaction_status == self.psycopg.pq.TransactionStatus.INERROR:
                self.conn.execute("ROLLBACK")
            return False
        return self.conn.execute("COMMIT").statusmessage == "COMMIT"

    def close(self) -> None:
        self.conn.close()


def lock_id(key: str) -> int:
    """A stable 32-bit id per key name, for the advisory lock functions."""
    return zlib.crc32(key.encode())


class PostgresLock(Adapter):
    """A lock taken by one statement on one session; a `blocking` one waits on the server,
    bounded by `SET lock_timeout` (`max_wait` leases)."""

    backend = "postgres"
    requires = ("psycopg",)
    schema: ClassVar[tuple[str, ...]] = ()  # statements run on every (re)connect

    # advisory and row locks belong to the session (or its open transaction): no lease; the server
    # frees them when the session ends (connection dropped, backend killed, client dead)
    @classmethod
    def lease_terms(cls, ttl):
        return LeaseTerms.unleased(session_bound=True)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        timeout = self.max_wait * ttl if self.blocking else None
        self.session = Session(addresses[0], client, lock_timeout=timeout, schema=self.schema)

    def take(self, sql: str, args: tuple = (), *, in_transaction: bool = False) -> Any:
        """Run the statement that takes the lock: its cursor, or None when the server refused
        (55P03; the transaction, if any, rolled back: certainly not acquired)."""
        try:
            return self.session.execute(sql, args)
        except self.session.psycopg.errors.LockNotAvailable:
            if in_transaction:
                self.session.execute("ROLLBACK")
            return None

    def close(self):
        self.session.close()


class BlockingPostgresLock(PostgresLock):
    blocking = True
    max_wait = 2.0  # lock_timeout, in leases
    timing: ClassVar[dict[str, float]] = {"lease": 1.0, "wait": max_wait}
