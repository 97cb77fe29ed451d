"""redis-py's own `redis.lock.Lock` (the `Redis.lock()` helper), used as a try-lock.

`r.lock(key, timeout=ttl, blocking=False, thread_local=False).acquire()` is
`SET key <uuid1 hex> NX PX ttl` (redis/lock.py `do_acquire`); `release()` is a Lua
compare-and-delete that raises `LockNotOwnedError` when the key is gone or holds another
token (mapped to False here). It is the talk's M2 lock (docs/talk.md) packaged in a library: no renewal
(only an explicit `extend()`/`reacquire()`), no fencing token, so the same failure modes.

`thread_local=False` is how tooz and most multi-threaded users run it; with one shared
`Lock` object that reintroduces redis-py #416 (a second acquire overwrites the token the
first holder's `release()` will send). The adapter avoids that trap on purpose, by creating
one `Lock` object per acquisition and keeping it by token, so what is vetted is the lock
itself, not a misuse of the object.
"""

from __future__ import annotations

from taala import redis_client
from taala.adapter import Adapter, safe, unsafe
from taala.adapters._held import HeldLocks
from taala.adapters._redis import KeyLease


class RedisPyLock(KeyLease, HeldLocks, Adapter):
    name = "redis-py-lock"
    summary = "redis-py redis.lock.Lock: SET NX PX + Lua compare-and-delete, no renewal, no fencing"
    backend = "redis"
    server_options = {"clock": True}
    requires = ("redis",)
    expectations = {
        "none": safe("clients finish well inside the TTL, so the key never expires under a holder"),
        "slow": unsafe("no renewal: a holder working past the TTL loses the lock without knowing"),
        "pause": unsafe("TTL lock without fencing: a holder paused past its timeout still believes it holds the lock"),
        "node-pause": unsafe("the server's clock keeps running while it is stopped: the lease expires under the holder"),
        "clock": unsafe("Redis expires keys by wall clock: a forward jump ends the lease early"),
        "kill": unsafe("a Redis restarted without persistence has forgotten the lock"),
    }


    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        from redis.exceptions import LockNotOwnedError

        self.not_ours = (LockNotOwnedError,)
        self.redis = redis_client(addresses[0])

    def acquire(self, key):
        lock = self.redis.lock(key, timeout=self.ttl, blocking=False, thread_local=False)
        if not lock.acquire():
            return None
        return self.hold(lock.local.token.decode(), lock)  # redis-py keeps the uuid1 hex as bytes

    def close(self):
        self.redis.close()
