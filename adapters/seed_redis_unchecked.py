"""Release without an ownership check: `SET key token NX PX ttl`, released by a plain
`DEL key`.

The talk releases by name alone in Zomato's fine-grained locking (docs/talk.md, M12),
`release_lock(lock)` in a `finally`, and in its adaptive-timeout processor,
`_release_lock(lock_key)` (whose body is a stub, so this adapter gives it the obvious
`DEL`). The token is still minted (uuid4, as the talk's Ola lock does, M3) but never
consulted.

While every holder finishes inside its TTL only the holder ever releases, so it is no
worse than `seed-redis`. Once a holder's lease runs out under it (pause, node pause,
clock jump, restart), its late `DEL` removes whoever holds the lock *now*: a third client
then enters beside the second, so one stale holder breaks exclusion twice.
"""

from __future__ import annotations

import uuid

from taala import redis_client
from taala.adapter import Adapter, safe, unsafe
from taala.adapters._redis import KeyLease


class SeedRedisUncheckedRelease(KeyLease, Adapter):
    name = "seed-redis-unchecked-release"
    summary = "Redis SET NX PX released by a plain DEL, no ownership check (seed F4, L1101, L3768)"
    backend = "redis"
    server_options = {"clock": True}
    expectations = {
        "none": safe("only the holder releases, and it does so inside its TTL"),
        "pause": unsafe("the paused holder's lease expires; its late DEL then deletes the next holder's lock",
                        classes=("past-lease", "foreign-release")),
        "node-pause": unsafe("the lease runs out while the node is stopped; the stale holder's DEL frees the next one's"),
        "clock": unsafe("a forward jump ends the lease early; the stale holder's DEL frees the next holder's lock"),
        "kill": unsafe("a restarted node has forgotten the lock; the stale holder's DEL frees the next holder's"),
    }


    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        self.redis = redis_client(addresses[0])

    def acquire(self, key):
        token = str(uuid.uuid4())
        if self.redis.set(key, token, nx=True, px=int(self.ttl * 1000)):
            return token
        return None

    def release(self, key, token):
        # The flaw: DEL by name. The talk ignores the result, so a release never "refuses".
        self.redis.delete(key)
        return True

    def close(self):
        self.redis.close()
