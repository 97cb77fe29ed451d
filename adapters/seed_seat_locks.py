"""A faithful port of the talk's IRCTC `seat_locks` lease table (docs/talk.md, M8).

The table exactly as the talk creates it: five columns and two *non-unique* indexes,
`idx_train_seat (train_id, seat_number)` and `idx_expiry`; no PRIMARY KEY, no UNIQUE key.
Acquire is the talk's upsert:

    INSERT INTO seat_locks (train_id, seat_number, user_session_id, lock_acquired_at, lock_expires_at)
    VALUES (…, NOW(), DATE_ADD(NOW(), INTERVAL 5 MINUTE))
    ON DUPLICATE KEY UPDATE user_session_id = CASE WHEN lock_expires_at < NOW()
                                                   THEN VALUES(user_session_id) ELSE user_session_id END;

With no unique key there is never a duplicate key, so the `ON DUPLICATE KEY UPDATE` can
never fire: every contender's INSERT adds a row of its own and succeeds. The talk never
reads the affected-row count nor re-reads the table, so every caller believes it holds the
seat: two holders with **no fault at all**. (Had the update fired, it would move only
`user_session_id` and leave the expired `lock_expires_at` behind, so the next contender
could take it at once; and `VALUES()` in ODKU is deprecated in MySQL 8.0.20+.)

What the port adds, none of it logic: the talk locks train 12951 seat 'S1-25' for
'user_mumbai_123'; here the train number is a stable hash of the runner's key name (each run
locks a key of its own), the seat is the talk's, and the session id is unique per acquire.
The 5-minute expiry becomes the runner's lease (whole seconds, rounded up: the talk's
columns are `TIMESTAMP`, second precision). The talk shows no release; the port deletes the
caller's own row, the natural counterpart.
"""

from __future__ import annotations

import math
import uuid
import zlib

from taala.adapter import Adapter, LeaseTerms, unsafe
from taala.adapters._mysql import Session

SEAT = "S1-25"  # the talk's seat

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS seat_locks (
    train_id INT,
    seat_number VARCHAR(10),
    user_session_id VARCHAR(50),
    lock_acquired_at TIMESTAMP,
    lock_expires_at TIMESTAMP,
    INDEX idx_train_seat (train_id, seat_number),
    INDEX idx_expiry (lock_expires_at)
)"""  # the talk's, verbatim

ACQUIRE = """
INSERT INTO seat_locks
(train_id, seat_number, user_session_id, lock_acquired_at, lock_expires_at)
VALUES
(%s, %s, %s, NOW(), DATE_ADD(NOW(), INTERVAL %s SECOND))
ON DUPLICATE KEY UPDATE
user_session_id = CASE
    WHEN lock_expires_at < NOW() THEN VALUES(user_session_id)
    ELSE user_session_id
END"""  # the talk's, with INTERVAL 5 MINUTE -> the runner's lease


def train_id(key: str) -> int:
    return zlib.crc32(key.encode()) & 0x7FFFFFFF  # a stable INT per key name


class SeedSeatLocks(Adapter):
    name = "seed-seat-locks-table"
    summary = "the seed's IRCTC seat_locks table: INSERT … ON DUPLICATE KEY UPDATE with no unique key (seed M8)"
    backend = "mariadb"
    requires = ("pymysql",)
    expectations = {
        "none": unsafe("no unique key: ON DUPLICATE KEY UPDATE never fires, every INSERT 'wins' and nobody checks",
                       classes=("bug",)),
    }

    # expires at the second-truncated NOW() + L (L = ceil(ttl)) and a takeover needs a later second's
    # NOW() past it: (L, L + 1] s after the INSERT, had the ODKU ever fired (it never does: no unique key)
    @classmethod
    def lease_terms(cls, ttl):
        seconds = float(max(1, math.ceil(ttl)))
        return LeaseTerms(seconds, seconds + 1, session_bound=False, failover_extends=False)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        self.session = Session(addresses[0], client, schema=(CREATE_TABLE,))
        self.lease_s = max(1, math.ceil(ttl))

    def acquire(self, key):
        self.session.healthy()
        user_session_id = f"user_{self.client}_{uuid.uuid4().hex[:16]}"
        self.session.execute(ACQUIRE, (train_id(key), SEAT, user_session_id, self.lease_s))
        return user_session_id  # the talk never looks at the outcome

    def release(self, key, token):
        return self.session.execute(
            "DELETE FROM seat_locks WHERE train_id = %s AND seat_number = %s AND user_session_id = %s",
            (train_id(key), SEAT, token)) > 0

    def close(self):
        self.session.close()
