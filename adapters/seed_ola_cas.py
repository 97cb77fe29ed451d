"""The talk's Ola optimistic "CAS" (`OlaOptimisticCabMatching`, docs/talk.md, M14), on
Redis: a compare-then-assign that is not atomic.

The talk reads the cab (version, status), computes the match, then "CAS"es: it reads the
version again, compares it with the one it read first, and if they are equal assigns the
cab with an unconditional write; the talk says the CAS "would be done at database level",
so here the record lives in Redis as `holder|version` and every read and write is one
Redis command. The compare and the write are two round trips with nothing tying them
together: two rides that both read version v both pass the compare and both write, so
both believe they hold the cab (the talk's double assignment).
The hand-back is the same compare-then-write.

It fits the lock contract as `occ-redis-watch` does (see there): acquire = assign the cab
to this ride, release = hand it back, two believed holders = one cab on two rides. Unsafe
with no faults at all.
"""

from __future__ import annotations

import uuid

from taala import redis_client
from taala.adapter import Adapter, LeaseTerms, unsafe
from taala.adapters.occ_redis_watch import parse


class SeedOlaCas(Adapter):
    name = "seed-ola-cas"
    summary = "the seed's Ola optimistic 'CAS': read version, compare, then an unconditional write (not atomic)"
    backend = "redis"
    expectations = {
        "none": unsafe("compare and write are separate round trips: two rides that read the same version both assign the cab",
                       classes=("bug",)),
    }

    # the cab is assigned until handed back: no lease, and the record outlives every connection
    @classmethod
    def lease_terms(cls, ttl):
        return LeaseTerms.unleased(session_bound=False)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        self.redis = redis_client(addresses[0])
        self.me = f"c{client}-{uuid.uuid4().hex[:8]}"

    def _compare_then_set(self, key: str, holder: str, version: int, new_holder: str) -> str | None:
        current_holder, current = parse(self.redis.get(key))  # the talk's "CAS": read ...
        if current_holder != holder or current != version:  # ... compare in the client ...
            return None
        value = f"{new_holder}|{version + 1}"
        self.redis.set(key, value)  # ... and write unconditionally
        return value

    def acquire(self, key):
        holder, version = parse(self.redis.get(key))  # read the cab
        if holder:
            return None  # already assigned
        return self._compare_then_set(key, "", version, self.me)

    def release(self, key, token):
        holder, version = parse(token)
        return self._compare_then_set(key, holder, version, "") is not None

    def close(self):
        self.redis.close()
