"""Shared Redis plumbing for adapters: the owner-checked release, and the lease of a key.

Connections come from `taala.redis_client` (public: it never retries a timed-out write).
"""

from __future__ import annotations

from taala.adapter import LeaseTerms

# Lua compare-and-delete: the release the talk's Redis locks (docs/talk.md, M2) and the
# Redis docs use.
RELEASE_IF_OWNER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def key_lease(seconds: float) -> LeaseTerms:
    """The lease of a key set with `PX`/`EX` on one Redis (one master's, for Redlock): the server
    expires it `seconds` after the SET, by its clock, to the millisecond (`PX int(ttl * 1000)`
    truncates less than the classifier's SLACK); its clock runs on while the node is paused,
    and the key outlives the connection that set it."""
    return LeaseTerms(float(seconds), float(seconds), session_bound=False, failover_extends=False)


class KeyLease:
    """Mixin for a lock whose lease is one key's expiry, set with the TTL asked for (`SET NX
    PX ttl`): put it before `Adapter` in the bases (`class MyLock(KeyLease, Adapter)`)."""

    @classmethod
    def lease_terms(cls, ttl: float) -> LeaseTerms:
        return key_lease(ttl)


__all__ = ["RELEASE_IF_OWNER", "KeyLease", "key_lease"]
