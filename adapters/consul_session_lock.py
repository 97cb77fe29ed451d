"""Consul session + KV acquire done as Consul's docs describe: one session per client,
renewed in the background, `behavior = release`; and the same with `LockIndex` as the
fencing token (the positive control).

Each client creates a session (TTL = the lease, at least Consul's 10 s, so the full tier;
Consul's default lock delay of 15 s) and a renewal thread calls `session.renew` every half
TTL (what the Go client's `RenewPeriodic` does). Acquire is `PUT key?acquire=<session>`,
true if this session now holds the key; release is `PUT key?release=<session>`. No
re-entrancy between clients (each has its own session), unlike the talk's (`seed-consul-swiggy`).

Its hazard is the lease: a holder paused past its session's invalidation (Consul takes
between 1x and 2x the TTL) loses the key; after the lock delay (15 s) the next client gets
it, and the paused holder, on resuming, still believes. A slow holder keeps renewing.

`consul-session-lock-fenced` returns the key's `LockIndex` after the acquire (Consul counts
the acquisitions of a key; read back with the key's `Session` checked to be ours), and the
resource rejects any access with an older one: a stale holder's writes are refused.

No Consul agent on this machine: complete, but skipped here (see `_consul.py`).
"""

from __future__ import annotations

import contextlib
import threading
import uuid

from taala.adapter import Adapter, safe, unsafe
from taala.adapters import _consul

LOCK_DELAY_S = 15  # Consul's default


class ConsulSessionLock(Adapter):
    name = "consul-session-lock"
    summary = "Consul session (renewed every TTL/2) + KV ?acquire, one session per client: no fencing"
    backend = None
    requires = ("consul",)
    min_ttl = 10.0  # Consul's shortest session TTL
    # the lease, the renewal, Consul's invalidation (up to 2x TTL), and invalidation + lock delay
    timing = {"lease": 1.0, "renewal": 0.5, "invalidation": 2.0, "lock delay": 2.0 + LOCK_DELAY_S / 10.0}
    liveness = 2.0 + 2.0 + LOCK_DELAY_S / 10.0  # a lost holder's key is free after invalidation + lock delay
    expectations = {
        "none": safe("one session per client: KV acquire grants a held key to nobody else"),
        "slow": safe("the renewal thread keeps the session alive while the holder works"),
        "pause": unsafe("a holder paused past its session's invalidation and the lock delay still believes it holds the key"),
    }

    # the client's session is the lease, renewed every half TTL by its thread (see _consul.session_lease)
    @classmethod
    def lease_terms(cls, ttl):
        return _consul.session_lease(ttl, renews=True)

    @classmethod
    def unavailable(cls) -> str | None:
        return _consul.unavailable()

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        self.consul = _consul.client(ttl)
        self.session_ttl = _consul.session_ttl(ttl)
        self.session = self.consul.session.create(name=f"taala-c{client}", behavior="release",
                                                  ttl=self.session_ttl, lock_delay=LOCK_DELAY_S)
        self._stop = threading.Event()
        self._renewer = threading.Thread(target=self._renew, daemon=True)
        self._renewer.start()

    def _renew(self):
        while not self._stop.wait(self.session_ttl / 2):
            with contextlib.suppress(Exception):  # a failed renewal: the session may expire (as in Go)
                self.consul.session.renew(self.session)

    def acquire(self, key):
        token = f"c{self.client}-{uuid.uuid4().hex[:8]}"
        return token if self.consul.kv.put(key, token, acquire=self.session) else None

    def release(self, key, token):
        return bool(self.consul.kv.put(key, token, release=self.session))

    def close(self):
        self._stop.set()
        with contextlib.suppress(Exception):
            self.consul.session.destroy(self.session)


class ConsulSessionLockFenced(ConsulSessionLock):
    name = "consul-session-lock-fenced"
    summary = "consul-session-lock + the key's LockIndex as fencing token: the Consul positive control"
    fenced = True
    expectations = {
        "none": safe("fencing tokens order every access"),
        "slow": safe("the session is renewed, and tokens order every access anyway"),
        "pause": safe("a stale holder's LockIndex is older than the new holder's: the resource rejects it"),
    }

    def acquire(self, key):
        if not self.consul.kv.put(key, f"c{self.client}", acquire=self.session):
            return None
        _, entry = self.consul.kv.get(key, consistency="consistent")
        if not entry or entry.get("Session") != self.session:
            return None  # lost already (invalidated between the two calls): not a holder
        return int(entry["LockIndex"])  # >= 1 after an acquire: a truthy, increasing token

    def release(self, key, token):
        return bool(self.consul.kv.put(key, f"c{self.client}", release=self.session))
