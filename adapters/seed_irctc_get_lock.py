"""A faithful port of the talk's IRCTC Tatkal named-lock retry loop (docs/talk.md, M9), with
the NULL test it shares with the talk's SBI procedure (M10).

The talk's `BookTatkalSeat` is a stored procedure; the port creates it on the server (as
`irctc_get_seat_lock`) and calls it, so the retry loop, its timing and SQL's three-valued
logic are the server's, as in the talk:

- `v_lock_acquired BOOLEAN DEFAULT FALSE`, `v_start_time TIMESTAMP DEFAULT NOW()`;
- `WHILE TIMESTAMPDIFF(SECOND, v_start_time, NOW()) < p_timeout_seconds`: whole
  seconds, so the loop ends at the p-th second boundary after the start, not p s after it;
- each attempt is `SELECT GET_LOCK(CONCAT('seat_', p_train_id, '_', p_seat_id), 1) INTO
  v_lock_acquired`, then `IF v_lock_acquired THEN …`, else `SELECT SLEEP(0.01)` and loop;
- after the loop, `IF NOT v_lock_acquired THEN SELECT 'TIMEOUT' …`.

`GET_LOCK` returns 1 (acquired), 0 (timed out) or **NULL** when the wait was cut short:
the statement killed (`KILL QUERY`, `pt-kill`, `max_statement_time`), a deadlock, an error
(verified on MariaDB 10.11: a killed `GET_LOCK` returns NULL with no error, and the
procedure carries on). In SQL, `NOT NULL` is NULL and `IF NULL` takes the ELSE branch:
the test `IF NOT v_lock_acquired` lets a NULL through as if the lock were held. The SBI
procedure does exactly that right after its `GET_LOCK` (M10: it "continues without the
lock"); in IRCTC's loop a NULL attempt is retried (`IF v_lock_acquired` is false), but
when the *last* attempt returns NULL the loop ends with v_lock_acquired = NULL and the tail
`IF NOT v_lock_acquired` does not report a timeout. The port keeps IRCTC's loop and gives
its tail M10's meaning, which is what both procedures do after that test: the caller
proceeds as the holder. `seed-irctc-get-lock` therefore answers 'SUCCESS' when its last
`GET_LOCK` was killed, while another session holds the lock.

What the port changes, none of it logic: the booking (check-then-INSERT into `bookings`)
is the runner's critical section, so on acquiring the procedure returns holding the lock
instead of booking and releasing inside; the release is the talk's
`RELEASE_LOCK(CONCAT('seat_', …))`, called by the runner. The train number is a stable hash
of the runner's key name, the seat the talk's 'S1-25'. `p_timeout_seconds` (an INT in the
talk) is 2 leases rounded up to whole seconds; each attempt's 1 s `GET_LOCK` timeout is the
talk's, so the lease is at least 1 s (`min_ttl`).

The named lock is connection-scoped, like `mariadb-get-lock`: lost with the session
(connection dropped, server restarted) while the holder still believes.
"""

from __future__ import annotations

import math

from taala.adapter import Adapter, LeaseTerms, safe, unsafe
from taala.adapters._mysql import Session
from taala.adapters.seed_seat_locks import SEAT, train_id

CREATE_PROCEDURE = """
CREATE PROCEDURE IF NOT EXISTS irctc_get_seat_lock(
    IN p_train_id INT,
    IN p_seat_id VARCHAR(10),
    IN p_timeout_seconds INT
)
BEGIN
    DECLARE v_lock_acquired BOOLEAN DEFAULT FALSE;
    DECLARE v_start_time TIMESTAMP DEFAULT NOW();

    lock_attempt_loop: WHILE TIMESTAMPDIFF(SECOND, v_start_time, NOW()) < p_timeout_seconds DO

        -- Try to acquire seat lock
        SELECT GET_LOCK(CONCAT('seat_', p_train_id, '_', p_seat_id), 1) INTO v_lock_acquired;

        IF v_lock_acquired THEN
            -- the talk books the seat here; the runner's critical section does
            LEAVE lock_attempt_loop;
        END IF;

        -- Wait 10ms before retry
        SELECT SLEEP(0.01);

    END WHILE lock_attempt_loop;

    -- Timeout reached
    IF NOT v_lock_acquired THEN
        SELECT 'TIMEOUT' as result, 'Could not acquire lock within timeout' as message;
    ELSE
        -- as the talk's SBI procedure (M10): past `IF NOT v_lock_acquired` it proceeds as the holder
        SELECT 'SUCCESS' as result, 'Seat lock acquired' as message;
    END IF;

END"""  # the talk's IRCTC loop (M9), its tail as the SBI procedure's (M10)


class SeedIrctcGetLock(Adapter):
    name = "seed-irctc-get-lock"
    summary = "the seed's IRCTC GET_LOCK retry loop (M9), a NULL GET_LOCK taken as acquired (M10)"
    backend = "mariadb"
    requires = ("pymysql",)
    min_ttl = 1.0  # each attempt is the talk's GET_LOCK(…, 1): one second
    blocking = True
    max_wait = 3.5  # the loop ends at the p-th whole-second boundary, plus a last 1 s attempt (p = ceil(2 ttl))
    # its longest wait at the 1 s lease: p = 2 s to the second boundary, then a last 1 s attempt
    timing = {"lease": 1.0, "wait": 3.0}
    expectations = {
        "none": safe("no statement is ever killed: GET_LOCK answers 1 or 0, and the lock belongs to the session"),
        "pause": safe("a paused holder's session stays open on the server, so the lock stays held"),
        "kill": unsafe("a restarted server has forgotten every session's locks; the old holder still believes"),
        "connection-kill": unsafe("the server ends the dropped session and frees its lock; the holder still believes"),
        "query-kill": unsafe("a killed GET_LOCK returns NULL, which the seed's procedure takes for success (M10)",
                             classes=("bug",)),
    }

    # GET_LOCK(name, 1) in a loop: the named lock belongs to the server session, no lease
    @classmethod
    def lease_terms(cls, ttl):
        return LeaseTerms.unleased(session_bound=True)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        if ttl < self.min_ttl:
            raise ValueError(f"{self.name}: each GET_LOCK attempt waits 1 s (the talk's GET_LOCK(…, 1)); "
                             f"use ttl >= {self.min_ttl:g}")
        self.session = Session(addresses[0], client, schema=(CREATE_PROCEDURE,))
        self.timeout_s = math.ceil(2 * ttl)

    def acquire(self, key):
        self.session.healthy()
        result = None
        with self.session.conn.cursor() as cur:
            cur.execute("CALL irctc_get_seat_lock(%s, %s, %s)" + self.session.marker,
                        (train_id(key), SEAT, self.timeout_s))
            while True:  # one result set per SELECT SLEEP(0.01), then the procedure's answer
                for row in cur.fetchall() or ():
                    if row and row[0] in ("SUCCESS", "TIMEOUT"):
                        result = row[0]
                if not cur.nextset():
                    break
        return f"seat-{self.client}-{self.session.conn.thread_id()}" if result == "SUCCESS" else None

    def release(self, key, token):
        return self.session.scalar("SELECT RELEASE_LOCK(CONCAT('seat_', %s, '_', %s))", (train_id(key), SEAT)) == 1

    def close(self):
        self.session.close()
