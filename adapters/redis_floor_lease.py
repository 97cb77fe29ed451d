"""A control for the violation classes: a Redis lock whose lease is shorter than it says.

It is the talk's Redis lock (`seed-redis`) with one mistake that real libraries have made:
the lease goes to Redis as whole seconds (`SET key token NX EX int(ttl)`), so a 2.9 s lease
is applied as 2 s. The lock claims the lease it was given, and a holder that pauses for
0.9 of it (a fault *shorter* than the lease) finds its key taken while its lease is, by the
lock's own word, still valid: the class `bug` (`taala.checker.lease`), which a campaign
must find behind the lease's known weakness (`taala.vet.hunt`) and tell apart from it.
"""

from __future__ import annotations

import math
import uuid

from taala.adapter import safe, unsafe
from taala.adapters.seed_redis import SeedRedisLock


class RedisFloorLease(SeedRedisLock):
    """`seed-redis`, lease terms included (it claims the lease it was given), but for the
    whole seconds its acquire sends."""

    name = "redis-floor-lease"
    summary = "control: SET NX EX int(ttl), a lease rounded down to whole seconds; grants inside the lease it claims"
    min_ttl = 2.9  # applied as 2 s: the second grant can land a quarter second inside the lease
    expectations = {
        "none": safe("clients finish well inside even the rounded-down lease"),
        "pause": unsafe("a holder paused past the applied lease loses the key inside the lease it was promised",
                        classes=("past-lease", "bug")),
    }

    def acquire(self, key):
        token = str(uuid.uuid4())
        if self.redis.set(key, token, nx=True, ex=max(1, math.floor(self.ttl))):
            return token
        return None
