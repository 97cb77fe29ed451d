"""The talk's `seat_locks` lease table corrected (compare `seed_seat_locks.py`; docs/talk.md, M8).

Three fixes, nothing else:

- `PRIMARY KEY (train_id, seat_number)`, so a second INSERT for a held seat is a
  duplicate and the `ON DUPLICATE KEY UPDATE` really runs;
- the takeover moves the whole lease (holder, acquired-at and expiry), and only when the
  old lease has expired on the server's clock (`NOW(6)`, microseconds); the expiry is
  assigned last because ODKU assignments see the ones before them;
- the caller reads the affected-row count (pymysql leaves `FOUND_ROWS` off): 1 = inserted,
  2 = an expired lease taken over, 0 = somebody else's lease still runs (not acquired).

Release deletes the row only if it is still the caller's. It is still a **TTL lock without
fencing**: a holder that stops (paused, slow, cut off, or its server stopped) past its
lease is overtaken by the next contender while it still believes it holds the seat, and a
server restarted empty has forgotten the row. Nothing belongs to a connection, so dropping
one changes nothing.
"""

from __future__ import annotations

import uuid

from taala.adapter import Adapter, LeaseTerms, safe, unsafe
from taala.adapters._mysql import Session
from taala.adapters.seed_seat_locks import SEAT, train_id

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS seat_locks_pk (
    train_id INT NOT NULL,
    seat_number VARCHAR(10) NOT NULL,
    user_session_id VARCHAR(50) NOT NULL,
    lock_acquired_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    lock_expires_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (train_id, seat_number),
    INDEX idx_expiry (lock_expires_at)
)"""

ACQUIRE = """
INSERT INTO seat_locks_pk
(train_id, seat_number, user_session_id, lock_acquired_at, lock_expires_at)
VALUES
(%s, %s, %s, NOW(6), NOW(6) + INTERVAL %s MICROSECOND)
ON DUPLICATE KEY UPDATE
user_session_id = IF(lock_expires_at < NOW(6), VALUES(user_session_id), user_session_id),
lock_acquired_at = IF(lock_expires_at < NOW(6), VALUES(lock_acquired_at), lock_acquired_at),
lock_expires_at = IF(lock_expires_at < NOW(6), VALUES(lock_expires_at), lock_expires_at)"""

INSERTED, TAKEN_OVER = 1, 2


class SeatLocks(Adapter):
    name = "seat-locks-table"
    summary = "seat_locks corrected: primary key, expiry checked on takeover, affected rows read (a TTL lock, no fencing)"
    backend = "mariadb"
    requires = ("pymysql",)
    expectations = {
        "none": safe("the primary key makes the upsert conflict; a live lease is never taken over"),
        "slow": unsafe("no renewal: a holder working past its lease is overtaken by the next contender"),
        "pause": unsafe("TTL lock without fencing: a holder paused past its lease still believes it holds the seat"),
        "node-pause": unsafe("the server's clock runs while it is stopped: the lease expires under the holder"),
        "kill": unsafe("a server restarted empty has forgotten the row"),
        "connection-kill": safe("the row outlives the connection: dropping it changes nothing"),
        "partition": unsafe("a holder cut off past its lease cannot know it was overtaken"),
        "latency": unsafe("the lease starts on the server half a round trip before the holder hears of it: "
                          "a slow link can deliver the grant after the lease has already been taken over"),
    }

    # expires at NOW(6) + ttl (microseconds, the server's clock), taken over only once NOW(6) is past it;
    # the row outlives sessions
    @classmethod
    def lease_terms(cls, ttl):
        return LeaseTerms(ttl, ttl, session_bound=False, failover_extends=False)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        self.session = Session(addresses[0], client, schema=(CREATE_TABLE,))
        self.lease_us = max(1, round(ttl * 1_000_000))

    def acquire(self, key):
        self.session.healthy()
        user_session_id = f"user_{self.client}_{uuid.uuid4().hex[:16]}"
        changed = self.session.execute(ACQUIRE, (train_id(key), SEAT, user_session_id, self.lease_us))
        return user_session_id if changed in (INSERTED, TAKEN_OVER) else None

    def release(self, key, token):
        return self.session.execute(
            "DELETE FROM seat_locks_pk WHERE train_id = %s AND seat_number = %s AND user_session_id = %s",
            (train_id(key), SEAT, token)) == 1

    def close(self):
        self.session.close()
