"""The positive control: the talk's Redis lock (`seed-redis`) plus a fencing token the resource enforces.

The lock itself is as unsafe as `seed-redis` (its lease can expire under a paused holder),
but each acquire also takes a token from `INCR` and the protected resource rejects any
read or write carrying a token older than the newest it has seen (Kleppmann's fencing).
Two clients may *believe* they hold the lock; only the newest can touch the data. Judged
by its resource, it must never be caught, whatever the faults.

The token counter lives on the resource's server, which the nemesis leaves alone: a counter
that a restart could reset would hand out old tokens again (see
histories/fenced-mutex/invalid/redis-restarted-empty.edn).
"""

from __future__ import annotations

import uuid

from taala import redis_client
from taala.adapter import Adapter, safe
from taala.adapters._redis import RELEASE_IF_OWNER, KeyLease


class FencedRedisLock(KeyLease, Adapter):
    name = "fenced-redis"
    summary = "seed Redis lock + INCR fencing token checked by the resource: the positive control"
    backend = "redis"
    server_options = {"clock": True}
    fenced = True
    expectations = {
        "none": safe("fencing tokens order every write"),
        "slow": safe("a slow holder's stale token is rejected by the resource"),
        "pause": safe("a paused holder's stale token is rejected by the resource"),
        "node-pause": safe("a paused holder's stale token is rejected by the resource"),
        "clock": safe("an early-expired lease only yields a stale token, which the resource rejects"),
        "kill": safe("the token counter is not on the faulted node; stale tokens are rejected"),
        "partition": safe("a holder cut off past its lease comes back with a stale token, which is rejected"),
        "latency": safe("a token granted late is still ordered: stale ones are rejected"),
        "connection-kill": safe("the key and the token counter outlive the connection"),
    }


    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        self.redis = redis_client(addresses[0])
        self.counter = redis_client(resource or addresses[0])
        self._release = self.redis.register_script(RELEASE_IF_OWNER)
        self._tokens: dict[str, str] = {}

    def acquire(self, key):
        secret = str(uuid.uuid4())
        if not self.redis.set(key, secret, nx=True, px=int(self.ttl * 1000)):
            return None
        self._tokens[key] = secret
        return int(self.counter.incr(f"fence:{key}"))

    def release(self, key, token):
        secret = self._tokens.pop(key, None)
        return secret is not None and bool(self._release(keys=[key], args=[secret]))

    def close(self):
        self.redis.close()
        self.counter.close()
