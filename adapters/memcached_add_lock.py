"""The memcached `add` lock with expiry (tooz's memcached driver, sherlock's `MCLock`), via pymemcache.

Acquire is `add(key, token, expire)`: memcached stores the item only if the key is absent,
atomically, so one contender wins; the item expires after `expire` seconds. Release is
owner-checked and atomic: `gets` returns the value with its CAS id, and if the value is our
token, `cas(key, "", id, expire=-1)` replaces it with an item that is already expired (a
negative expiry means "expire now"), which fails if anyone touched the key since. (tooz's
driver releases with a `get` then a `delete`, non-atomically; its own comment says so.)

Expiry is WHOLE SECONDS on memcached's internal clock, which ticks once a second from the
monotonic clock: an item stored with `expire=e` disappears at the e-th tick, anywhere in
(e - 1, e] seconds later (measured here: `expire=1` items lived 0.63–0.99 s, `expire=2`
items 1.63 s). So the adapter stores `expire = ceil(ttl) + 1`: the lease really lasts between
`ttl` and `ttl + 1` s, never less than the runner's lease; `min_ttl` is 1 s, and `timing`
names that true lease (up to 2 leases at ttl = 1 s). No renewal, no fencing: a TTL lock.

Not quite never: the tick is a libevent timer re-armed one second after each run
(memcached.c `clock_handler`), so it drifts later by the event loop's latency, and the tick
whose drift carries it over a whole second sets the clock two seconds on: an item stored in
the second before it lives (e - 2, e - 1]. `lease_terms` declares that bound
(`expiry_lease`), not the usual one.

The client never retries (pymemcache does not), and answers are read (`noreply=False`): a
timed-out `add` raises, so its outcome is unknown, never assumed.
"""

from __future__ import annotations

import math
import uuid

from taala.adapter import Adapter, LeaseTerms, host_port, safe, unsafe

TIMEOUT = 2.0  # socket timeout (s): only matters when the server does not answer


def expiry_lease(expire: int) -> LeaseTerms:
    """The lease of an item stored with a relative `expire` (whole seconds): gone at most `expire`
    s later, and at least `expire - 2` (one tick of memcached's clock may count two seconds:
    see the module docstring). One server whose clock catches up after a pause; the item
    outlives its connection."""
    return LeaseTerms(float(max(0, expire - 2)), float(expire), session_bound=False, failover_extends=False)


class MemcachedAddLock(Adapter):
    name = "memcached-add-lock"
    summary = "memcached add(key, token, expire) + gets/cas release (tooz, sherlock): whole-second TTL, no fencing"
    backend = "memcached"
    requires = ("pymemcache",)
    min_ttl = 1.0  # expiry is whole seconds (see the module docstring)
    timing = {"lease": 1.0, "true lease": 2.0}  # expire = ceil(ttl) + 1: up to 2 leases at ttl = 1 s
    expectations = {
        "none": safe("add is atomic and holders finish well inside the lease"),
        "slow": unsafe("no renewal: a holder working past its expiry loses the lock without knowing"),
        "pause": unsafe("TTL lock without fencing: a holder paused past its expiry still believes it holds the lock"),
        "node-pause": unsafe("memcached's clock catches up with the monotonic clock on resume: the item expires under the holder"),
        "kill": unsafe("memcached keeps nothing across a restart: the lock is forgotten"),
        "connection-kill": safe("the item outlives the connection: dropping it changes nothing"),
        "partition": unsafe("a holder cut off past its expiry cannot know the key expired and was taken"),
        "latency": unsafe("no renewal: while slow round trips stretch the holder's turn, the item expires under it"),
    }

    # add(..., expire=ceil(ttl) + 1): whole seconds on memcached's one-second clock; no renewal
    @classmethod
    def lease_terms(cls, ttl):
        return expiry_lease(math.ceil(ttl) + 1)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        if ttl < self.min_ttl:
            raise ValueError(f"{self.name}: memcached expiry is whole seconds; use ttl >= {self.min_ttl:g}")
        from pymemcache.client.base import Client

        self.expire = math.ceil(ttl) + 1
        self.mc = Client(host_port(addresses[0]), connect_timeout=TIMEOUT, timeout=TIMEOUT,
                         default_noreply=False)

    def acquire(self, key):
        token = f"{self.client}-{uuid.uuid4().hex}"
        return token if self.mc.add(key, token.encode(), expire=self.expire, noreply=False) else None

    def release(self, key, token):
        value, cas = self.mc.gets(key)
        if value is None or value.decode() != token:
            return False  # expired, or somebody else's
        return bool(self.mc.cas(key, b"", cas, expire=-1, noreply=False))  # compare-and-expire

    def close(self):
        self.mc.close()
