"""Shared MariaDB plumbing for adapters: one retry-free pymysql session, checked like a pool.

pymysql never retries a statement on its own. `Session.healthy()` is what a connection
pool's health check does before handing a connection out: `ping` the server and, if the
connection died (the server restarted, a proxy dropped it), open a new one. A new
connection is a new server session: whatever the old one held (`GET_LOCK`) is gone.

`FOUND_ROWS` stays off (pymysql's default), so the affected-row count of an
`INSERT … ON DUPLICATE KEY UPDATE` is 1 for an insert, 2 for an update that changed the
row and 0 when the update left it as it was: the corrected lease table reads it.

Each client slot connects as its own user, `taala_c<N>` (the test server skips grant
tables, so any name is accepted), and every top-level statement carries a comment naming
it (`/* taala client N */`): an operator (or `pt-kill`) finds a client's sessions by
`information_schema.PROCESSLIST.USER` (INFO shows a procedure's current statement, not the
CALL), and so does the `query-kill` fault (`taala.faults`).
"""

from __future__ import annotations

from taala.adapter import session_user

DATABASE = "taala"
CONNECT_TIMEOUT = 5


class Session:
    def __init__(self, address: str, client: int, *, database: bool = False, schema: tuple[str, ...] = ()):
        import pymysql

        self.pymysql = pymysql
        self.address, self.client = address, client
        self.database, self.schema = database or bool(schema), schema
        self.marker = f" /* taala client {client} */"
        # the server runs with --skip-grant-tables (any user name is accepted): one name per
        # client slot, so an operator can tell the clients' sessions apart (PROCESSLIST.USER)
        self.user = session_user(client)
        self.conn = self._connect()

    def _connect(self):
        host, _, port = self.address.rpartition(":")
        conn = self.pymysql.connect(host=host, port=int(port), user=self.user, autocommit=True,
                                    connect_timeout=CONNECT_TIMEOUT)
        if self.database:
            with conn.cursor() as cur:
                # idempotent under concurrent clients; rows a previous run left do not matter:
                # every run locks a key name of its own
                cur.execute(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
                cur.execute(f"USE {DATABASE}")
                for statement in self.schema:
                    cur.execute(statement)
        return conn

    def healthy(self) -> None:
        try:
            self.conn.ping(reconnect=False)
        except self.pymysql.err.Error:
            try:
                self.conn.close()
            except self.pymysql.err.Error:
                pass
            self.conn = self._connect()  # a new session: whatever the old one held is gone

    def execute(self, sql: str, args: tuple = ()) -> int:
        """Run one statement; the affected-row count."""
        with self.conn.cursor() as cur:
            return cur.execute(sql + self.marker, args)

    def scalar(self, sql: str, args: tuple = ()):
        with self.conn.cursor() as cur:
            cur.execute(sql + self.marker, args)
            row = cur.fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:
            pass
