"""The talk's PhonePe `payment_lock`, one of its single-instance Redis locks (docs/talk.md,
M2): a timestamp token and a release that also runs when the acquire failed.

The talk's context manager builds its token from the clock, `phonepe_<ms>`, tries
`SET key token NX EX 30`, and releases in `finally` with the Lua compare-and-delete,
whether or not the `SET` succeeded. Each flaw alone is harmless: a
failed contender's release with a unique token deletes nothing, and a colliding token is
never used by anybody else's release. Together, a contender whose token equals the
holder's deletes the holder's key on its way out, and the next client walks in while the
holder is still inside.

Tokens collide when two requests of the same user (the key is per user; the two requests
of the talk's UPI double debit, M1) mint their token in the same clock unit. With
milliseconds that takes two requests within one millisecond: common for real retries, rare
between taala's clients, which take turns through the runner. So this adapter uses the
seconds unit that the talk's other timestamp tokens use (BookMyShow's `userID:<unix-seconds>`,
the Mumbai local's `passenger_<id>_<s>`) and keeps PhonePe's failed-path release: two turns
within one second collide, which a schedule does almost always.

The runner calls `acquire` and `release` separately, so the talk's `finally` is split: a
successful acquire returns the token and the runner's `release` runs the compare-and-delete;
a failed acquire runs it at once with the contender's own token (that is the talk's
`finally` on the `raise Exception("PAYMENT_IN_PROGRESS")` path), then returns None. A `SET`
that raises still runs the release, as the talk's `finally` does, and the exception
propagates (unknown outcome).
"""

from __future__ import annotations

import time

from taala import redis_client
from taala.adapter import Adapter, unsafe
from taala.adapters._redis import RELEASE_IF_OWNER, KeyLease

# Every client is a request of the same user: one lock key, one token namespace.
USER_ID = "user"


class SeedRedisTimestampLock(KeyLease, Adapter):
    name = "seed-redis-phonepe"
    summary = "PhonePe payment_lock: timestamp token + release on the failed-acquire path (seed M2c, F2+F3)"
    backend = "redis"
    server_options = {"clock": True}
    expectations = {
        "none": unsafe("a contender minting the holder's token in the same second deletes the holder's key (F2+F3)",
                       classes=("bug", "foreign-release")),
        "pause": unsafe("token collisions need no fault; a holder paused past its TTL also loses its lease (F1)"),
        "node-pause": unsafe("token collisions need no fault; the lease also runs out while the node is stopped"),
        "clock": unsafe("token collisions need no fault; a forward jump also ends the lease early"),
        "kill": unsafe("token collisions need no fault; a restarted node has also forgotten the lock"),
    }


    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        self.redis = redis_client(addresses[0])
        self._release = self.redis.register_script(RELEASE_IF_OWNER)

    @staticmethod
    def token() -> str:
        # BookMyShow's format in the talk; PhonePe's own is f"phonepe_{int(time.time() * 1000)}".
        return f"{USER_ID}:{int(time.time())}"

    def acquire(self, key):
        lock_value = self.token()
        acquired = False
        try:
            acquired = bool(self.redis.set(key, lock_value, nx=True, px=int(self.ttl * 1000)))
        finally:
            if not acquired:
                # The talk's `finally` on the failed path: compare-and-delete with
                # a token that equals the holder's whenever both were minted in the same second.
                self._release(keys=[key], args=[lock_value])
        return lock_value if acquired else None

    def release(self, key, token):
        return bool(self._release(keys=[key], args=[token]))

    def close(self):
        self.redis.close()
