"""The talk's Swiggy coordinator (docs/talk.md, M7): one Consul session per coordinator,
never renewed, `KV acquire` as a try-lock, shared by all the coordinator's goroutines.

`SwiggyDeliveryCoordinator` creates one session at start (`TTL "30s"`, `Behavior
"release"`, `LockDelay 15 s`) and every `assignOrder` goroutine acquires the order key with
it (`kv.Acquire`) and releases it with it. taala's
clients play those goroutines: they share one session (created by whichever client comes
first and published in the resource Redis, as the coordinator's struct field is shared),
with TTL = the lease (Consul grants 10 s at least, so `min_ttl` is 10 s: full tier) and
lock delay = half the TTL, as in the talk.

Two flaws, both the talk's:
- **F8**, re-entrancy taken for exclusion: Consul grants `?acquire=<session>` to the session that already holds the key
  (the KV docs: acquiring a lock you already hold succeeds), so two goroutines of one
  coordinator both "hold" the order: unsafe with no faults at all.
- **F7**, a session nobody watches: nothing renews the session; after its TTL (Consul may take up to 2x TTL) it is
  invalidated, every key it held is released, and every later acquire with it fails:
  no liveness promise once a run outlasts the TTL.

No Consul agent on this machine: complete, but skipped here (see `_consul.py`).
"""

from __future__ import annotations

import math
import uuid

from taala import redis_client
from taala.adapter import Adapter, unsafe
from taala.adapters import _consul

SESSION_KEY = "consul:coordinator-session"  # in the resource Redis: flushed every run


class SeedConsulSwiggy(Adapter):
    name = "seed-consul-swiggy"
    summary = "the seed's Swiggy coordinator: one never-renewed Consul session shared by its goroutines, KV acquire"
    backend = None
    requires = ("consul",)
    min_ttl = 10.0  # Consul's shortest session TTL
    liveness = None  # F7 (above): once the session expires, no acquire with it ever succeeds again
    timing = {"lease": 1.0, "invalidation": 2.0}  # Consul invalidates a session between 1x and 2x its TTL
    expectations = {
        "none": unsafe("F8: a second goroutine acquiring with the coordinator's own session is granted the held key"),
    }

    # the coordinator's session is the lease, created before any acquire and never renewed (F7)
    @classmethod
    def lease_terms(cls, ttl):
        return _consul.session_lease(ttl, renews=False)

    @classmethod
    def unavailable(cls) -> str | None:
        return _consul.unavailable()

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        self.consul = _consul.client(ttl)
        self.session = self._coordinator_session(resource, ttl)

    def _coordinator_session(self, resource, ttl):
        mine = self.consul.session.create(name="swiggy-coordinator", behavior="release",
                                          ttl=_consul.session_ttl(ttl), lock_delay=max(1, math.ceil(ttl / 2)))
        if resource is None:
            return mine
        shared = redis_client(resource, timeout=2.0)
        try:
            if shared.set(SESSION_KEY, mine, nx=True):
                return mine
            self.consul.session.destroy(mine)  # another goroutine's session is the coordinator's
            return shared.get(SESSION_KEY)
        finally:
            shared.close()

    def acquire(self, key):
        value = f"coordinator:{uuid.uuid4().hex[:8]}"
        if self.consul.kv.put(key, value, acquire=self.session):
            return value
        return None

    def release(self, key, token):
        return bool(self.consul.kv.put(key, token, release=self.session))
