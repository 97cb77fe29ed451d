"""ionelmc's python-redis-lock (`redis_lock.Lock`, version 4.0.1), with and without its
auto-renewal thread.

What the pinned source does (redis_lock/__init__.py):

- `acquire(blocking=False)` first `GET`s the key (raising `AlreadyAcquired` if this very
  object holds it), then `SET lock:<key> <random id> NX EX expire`; release is a Lua
  compare-and-delete that also pushes a wake-up signal list and raises `NotAcquired` if the
  key is gone or not ours (mapped to False here). No fencing token.
- `expire` is WHOLE SECONDS: `__init__` does `expire = int(expire)` and treats 0 as "never
  expires". A 0.3 s TTL would silently become a lock that never expires, and with
  `auto_renewal=True` a crash (`float(None)`). The adapters therefore refuse a TTL below
  `min_ttl` = 1 s and round longer ones up to whole seconds (`self.lease`).
- `auto_renewal=True` starts a daemon thread that calls `extend()` every `expire * 2/3`
  seconds. The thread's loop catches nothing: the first error (a timeout while the node
  is stopped, or `NotAcquired` once the key has expired or been taken) kills it, and the
  holder is never told (python-redis-lock #85, open). The thread lives in the client's
  process, so a SIGSTOP of the client freezes it too: renewal cannot cover a pause, a
  stopped server or a server that lost the key.

The renewal variant is safe with no faults even if a holder lingers past `expire`; every
fault still produces two holders.
"""

from __future__ import annotations

import math
from dataclasses import replace

from taala import redis_client
from taala.adapter import Adapter, keepalive_promise, safe, unsafe
from taala.adapters._redis import key_lease


class PythonRedisLock(Adapter):
    name = "python-redis-lock"
    summary = "python-redis-lock 4.0.1: SET NX EX (whole seconds) + Lua unlock, no renewal, no fencing"
    backend = "redis"
    server_options = {"clock": True}
    requires = ("redis_lock",)
    min_ttl = 1.0  # the library's expire is whole seconds; see the module docstring
    auto_renewal = False
    expectations = {
        "none": safe("clients finish well inside the TTL, so the key never expires under a holder"),
        "slow": unsafe("no renewal: a holder working past its expire loses the lock without knowing"),
        "pause": unsafe("TTL lock without fencing: a holder paused past its expire still believes it holds the lock"),
        "node-pause": unsafe("the server's clock keeps running while it is stopped: the lease expires under the holder"),
        "clock": unsafe("Redis expires keys by wall clock: a forward jump ends the lease early"),
        "kill": unsafe("a Redis restarted without persistence has forgotten the lock"),
    }

    # SET NX EX ceil(ttl), whole seconds (redis_lock/__init__.py:147, :232); the renewal thread extends it
    # every 2/3 of it (:168, :278), less often than every half lease: renewed, with no interval promised
    @classmethod
    def lease_terms(cls, ttl):
        seconds = math.ceil(ttl)
        every = keepalive_promise(seconds * 2 / 3, seconds) if cls.auto_renewal else None
        return replace(key_lease(seconds), renews=cls.auto_renewal, renew_every=every)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        if ttl < self.min_ttl:
            raise ValueError(
                f"{self.name}: expire is whole seconds in python-redis-lock; a TTL of {ttl} s would "
                f"become {int(ttl)} (0 = never expires); use ttl >= {self.min_ttl:g}"
            )
        import redis_lock

        self._redis_lock = redis_lock
        self.lease = math.ceil(ttl)  # the lease the server really applies, in seconds
        self.redis = redis_client(addresses[0])
        self._held: dict[str, object] = {}  # token -> the Lock object that took it

    def acquire(self, key):
        lock = self._redis_lock.Lock(self.redis, key, expire=self.lease, auto_renewal=self.auto_renewal)
        if not lock.acquire(blocking=False):
            return None
        self._held[lock.id] = lock
        return lock.id

    def release(self, key, token):
        lock = self._held.pop(token, None)
        if lock is None:
            return False
        try:
            lock.release()  # stops (and joins) the renewal thread first
        except self._redis_lock.NotAcquired:
            return False
        return True

    def close(self):
        for lock in self._held.values():
            lock._stop_lock_renewer()  # don't leave renewal threads behind a closed client
        self._held.clear()
        self.redis.close()


class PythonRedisLockRenewal(PythonRedisLock):
    name = "python-redis-lock-renewal"
    summary = "python-redis-lock 4.0.1 with auto_renewal=True: a daemon thread extends the key every expire*2/3"
    auto_renewal = True
    timing = {"lease": 1.0, "renewal interval": 2 / 3}
    expectations = {
        "none": safe("the renewal thread keeps the key alive for as long as the holder runs"),
        "slow": safe("the renewal thread keeps extending the key while the holder works"),
        "pause": unsafe("SIGSTOP freezes the renewal thread too: the key expires, the next client takes it, "
                        "and on resume the thread dies on NotAcquired without telling the holder"),
        "node-pause": unsafe("renewals cannot reach a stopped server (the timeout kills the thread) and the key "
                             "expires by wall clock meanwhile"),
        "clock": unsafe("a forward jump expires the key at once; the next extend() raises NotAcquired and the "
                        "thread dies silently"),
        "kill": unsafe("a restarted node has forgotten the key; renewal fails with NotAcquired, silently"),
    }
