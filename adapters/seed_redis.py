"""The talk's single-instance Redis lock (docs/talk.md, M2/M3): `SET key token NX PX ttl`, released
by a Lua compare-and-delete. No renewal, no validity check, no fencing token.

Safe while every holder finishes well inside the TTL; once a holder stalls past it (GC
pause, slow bank call) the key expires and a second client gets the lock while the first
still believes it holds it. A server that loses the key (restart without persistence,
clock jump) has the same effect.
"""

from __future__ import annotations

import uuid

from taala import redis_client
from taala.adapter import Adapter, safe, unsafe
from taala.adapters._redis import RELEASE_IF_OWNER, KeyLease


class SeedRedisLock(KeyLease, Adapter):
    name = "seed-redis"
    summary = "single-instance Redis lock: SET NX PX + Lua compare-and-delete (seed M2)"
    backend = "redis"
    server_options = {"clock": True}
    expectations = {
        "none": safe("clients finish well inside the TTL, so the key never expires under a holder"),
        "slow": unsafe("no renewal: a holder working past the TTL loses the lock without knowing",
                        classes=("past-lease",)),
        "pause": unsafe("TTL lock without fencing: a holder paused past its TTL still believes it holds the lock",
                        classes=("past-lease",)),
        "node-pause": unsafe("the server's clock keeps running while it is stopped: the lease expires under the holder",
                        classes=("past-lease",)),
        "clock": unsafe("Redis expires keys by wall clock: a forward jump ends the lease early",
                        classes=("past-lease", "state-lost")),
        "kill": unsafe("a Redis restarted without persistence has forgotten the lock",
                        classes=("past-lease", "state-lost")),
        "partition": unsafe("a holder cut off from Redis past its TTL cannot know the key expired and was taken",
                        classes=("past-lease",)),
        "connection-kill": safe("the key outlives the connection: dropping it changes nothing"),
    }


    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        self.redis = redis_client(addresses[0])
        self._release = self.redis.register_script(RELEASE_IF_OWNER)

    def acquire(self, key):
        token = str(uuid.uuid4())
        if self.redis.set(key, token, nx=True, px=int(self.ttl * 1000)):
            return token
        return None

    def release(self, key, token):
        return bool(self._release(keys=[key], args=[token]))

    def close(self):
        self.redis.close()
