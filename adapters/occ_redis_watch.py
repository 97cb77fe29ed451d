"""Optimistic concurrency on Redis (the talk's Ola cab assignment, docs/talk.md, M14, made atomic): a
version-number compare-and-set with `WATCH`/`MULTI`/`EXEC`.

How an optimistic scheme fits the lock contract. The talk's invariant is "no cab assigned
to two rides": the protected thing is a record `(holder, version)` (the cab), and a ride
*holds* the cab from the moment its compare-and-set `version v -> v + 1, holder = me`
succeeds until it hands the cab back with a second compare-and-set. That is a lock whose
state is the record itself, with no lease: `acquire` = read the record, refuse if it is
assigned, CAS it to us on the version read (the token is `me@version`); `release` = CAS it
back to unassigned on the version we wrote. Two rides both believing they hold the cab is
exactly the talk's double assignment, so taala's mutual-exclusion judgement (two believed
holders) judges the CAS; the history's acquires and releases are the register's
successful CASes, and a version that ever went back or was written twice would show as two
holders.

Here the CAS is atomic: `WATCH key; GET key`, then `MULTI; SET key me|v+1; EXEC`, which Redis
aborts (`WatchError`: not acquired) if anybody wrote the key after the `WATCH`. Connections
never retry (`taala.redis_client`). Its one hazard is the store itself: a Redis
restarted empty has forgotten the record, so version 0 / unassigned comes back and a
second ride takes the cab while the first still believes.
"""

from __future__ import annotations

import uuid

from taala import redis_client
from taala.adapter import Adapter, LeaseTerms, safe, unsafe


def parse(raw: str | None) -> tuple[str, int]:
    """`holder|version`; an absent record is an unassigned cab at version 0."""
    if not raw:
        return "", 0
    holder, _, version = raw.rpartition("|")
    return holder, int(version)


class RedisVersionCas(Adapter):
    name = "occ-redis-watch"
    summary = "optimistic version CAS on Redis (WATCH/MULTI/EXEC): the seed's Ola cab assignment made atomic"
    backend = "redis"
    expectations = {
        "none": safe("WATCH/MULTI/EXEC makes the compare-and-set atomic: one CAS per version wins"),
        "pause": safe("no lease: the assignment stays until its holder hands it back"),
        "connection-kill": safe("the record outlives the connection; a CAS cut off mid-way is unknown, never doubled"),
        "kill": unsafe("a Redis restarted without persistence has forgotten the record: version 0 is free again"),
    }

    # the record is held until handed back: no lease, and it outlives every connection
    @classmethod
    def lease_terms(cls, ttl):
        return LeaseTerms.unleased(session_bound=False)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        import redis

        self.WatchError = redis.WatchError
        self.redis = redis_client(addresses[0])
        self.me = f"c{client}-{uuid.uuid4().hex[:8]}"

    def _cas(self, key: str, expect_holder: str | None, expect_version: int | None, new_holder: str) -> str | None:
        """One optimistic step: read, check, and write `new_holder|version + 1` only if
        nobody wrote the record in between. The written value, or None."""
        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(key)
                holder, version = parse(pipe.get(key))
                if (expect_holder is not None and holder != expect_holder) or \
                        (expect_version is not None and version != expect_version):
                    return None
                value = f"{new_holder}|{version + 1}"
                pipe.multi()
                pipe.set(key, value)
                pipe.execute()
                return value
            except self.WatchError:
                return None  # somebody wrote the record since our read: the CAS failed

    def acquire(self, key):
        value = self._cas(key, "", None, self.me)  # only an unassigned cab, at whatever version we read
        return value

    def release(self, key, token):
        holder, version = parse(token)
        return self._cas(key, holder, version, "") is not None

    def close(self):
        self.redis.close()
