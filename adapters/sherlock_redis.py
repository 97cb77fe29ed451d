"""py-sherlock's Redis lock (`sherlock.RedisLock`, version 0.4.1), with a lease and without.

What the pinned source does (sherlock/lock.py, `RedisLock`):

- acquire runs one Lua script: `SETNX key owner`, then, when it set the key and
  `ARGV[2] ~= -1`, `EXPIRE key ARGV[2]`; release is a Lua compare-and-delete. No fencing.
- **A lease that is not whole seconds leaks the key for ever** (ecosystem notes: "new,
  verified here", not reported upstream). `expire` is documented as a float, but `EXPIRE`
  takes whole seconds: with `expire=0.25` (or `1.5`, or even `10.0`, which redis-py sends
  as "10.0") the script's `EXPIRE` fails *after* its `SETNX` wrote the key (a Redis script
  is not rolled back), the caller gets a `ResponseError` and believes it does not hold the
  lock, and the key stays with no TTL: never granted again. This adapter gives sherlock
  the lease as a user would write it: whole seconds as an int (sherlock's own default is
  `expire=60`), anything else as the float it documents. Its declared campaigns run at
  whole seconds (`min_ttl` 1 s; under `none` 10 s), where the lock works and breaks only
  the known way; `taala vet sherlock-redis --faults pause --ttl 1.5` shows the leak: every
  acquire fails, the campaign is inconclusive, and the leak hunt (`taala.vet.hunt`) finds
  the one-step schedule that leaves the key for ever.
- **`expire=None` gives no mutual exclusion at all** (verified here on Redis 7.0). The
  docstring says "if explicitly set to None, lock will not expire", as py-sherlock#37
  (2019, merged) meant it to; `_acquire` sends -1 for it, but `ARGV` values reach Lua as
  strings and `"-1" ~= -1` is true, so the script runs `EXPIRE key -1`, which deletes the
  key at once (no issue we found reports that the guard never holds).
  Every acquire succeeds while the previous holder still holds: a grant inside a valid
  (never-ending) lease with no fault to explain it, the class `bug`.

`BaseLock.__del__` releases a lock object that is garbage-collected, so the adapter keeps
each holder's object until its release.
"""

from __future__ import annotations

from taala import redis_client
from taala.adapter import Adapter, LeaseTerms, safe, unsafe
from taala.adapters._held import HeldLocks
from taala.adapters._redis import key_lease


class SherlockRedisLock(HeldLocks, Adapter):
    name = "sherlock-redis"
    summary = "py-sherlock 0.4.1 RedisLock: SETNX + EXPIRE in one Lua script; a lease not in whole seconds leaks"
    backend = "redis"
    requires = ("sherlock",)
    min_ttl = 1.0  # whole seconds: a shorter lease is a float, and every acquire fails and leaks (above)
    expectations = {
        "none": safe("the 10 s lease is whole seconds: SETNX and EXPIRE both run, and clients finish inside it"),
        "pause": unsafe("TTL lock without fencing: a holder paused past its expire still believes it holds the lock",
                        classes=("past-lease",)),
    }

    @classmethod
    def lease_terms(cls, ttl):
        return key_lease(ttl)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        import sherlock

        self._sherlock = sherlock
        self.not_ours = (sherlock.LockException,)  # "not acquired by this instance": the key is not ours
        self.redis = redis_client(addresses[0])

    def expire(self) -> float | int | None:
        """The lease as a user writes it: whole seconds as an int, anything else as a float."""
        return int(self.ttl) if float(self.ttl).is_integer() else self.ttl

    def acquire(self, key):
        lock = self._sherlock.RedisLock(key, client=self.redis, expire=self.expire(), timeout=0)
        if not lock.acquire(blocking=False):
            return None
        return self.hold(lock._owner, lock)  # kept: its __del__ would release it

    def close(self):
        for lock in self.held().values():
            lock._owner = None  # a closing client must not release through __del__ later
        self.held().clear()
        self.redis.close()


class SherlockRedisLockNoExpire(SherlockRedisLock):
    name = "sherlock-redis-no-expire"
    summary = "py-sherlock 0.4.1 RedisLock(expire=None), documented as a lock that never expires: EXPIRE -1 deletes it"
    liveness = None  # a lock that never expires promises nothing once a holder is lost
    expectations = {
        "none": unsafe("`EXPIRE key -1` deletes the key the acquire just set: the next acquire succeeds while "
                       "the holder holds, with no fault at all", classes=("bug",)),
    }

    @classmethod
    def lease_terms(cls, ttl):
        return LeaseTerms.unleased(session_bound=False)  # documented: held until released

    def expire(self):
        return None
