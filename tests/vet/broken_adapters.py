"""Adapters that are broken on purpose, for testing how taala reports *them* (not locks).

They need no servers (`backend = None`), so they are vetted quickly; each is reachable by
import path, e.g. `taala vet tests.vet.broken_adapters:RaisingAcquire`.
"""

from taala.adapter import Adapter, safe


class RaisingAcquire(Adapter):
    """Every acquire raises, as a library with a broken blocking path does: nothing is tested."""

    name = "raising-acquire"
    backend = None
    expectations = {"none": safe("nothing can be said: every acquire raises")}

    def acquire(self, key):
        raise TypeError("acquire() got an unexpected keyword argument 'blocking_timeout'")

    def release(self, key, token):
        return True


class BrokenConstructor(Adapter):
    name = "broken-constructor"
    backend = None
    expectations = {"none": safe("never gets that far")}

    def __init__(self, addresses, *, ttl, client, resource=None):
        raise ConnectionRefusedError("no lock service at 127.0.0.1:1")


class LeakyLock(Adapter):
    """Mutual exclusion holds, but release forgets to delete: once taken, never granted again."""

    name = "leaky-lock"
    backend = "redis"
    liveness = 2.0
    expectations = {"none": safe("only one client ever gets it")}

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        from taala.adapters._redis import connect

        self.redis = connect(addresses[0])

    def acquire(self, key):
        return "mine" if self.redis.set(key, f"client{self.client}", nx=True) else None

    def release(self, key, token):
        return True  # "released" (the key stays: the lock is leaked for ever)
