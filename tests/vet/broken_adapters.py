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


class SometimesBrokenConstructor(Adapter):
    """Builds fine, except for the third client process ever made (counted in the file named
    by $TAALA_TEST_COUNTER): a constructor that fails in one run of a campaign only."""

    name = "sometimes-broken-constructor"
    backend = None
    liveness = None  # it never grants anything: no probe
    expectations = {"none": safe("a lock that never locks anything is not the point here")}

    def __init__(self, addresses, *, ttl, client, resource=None):
        import fcntl
        import os

        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        with open(os.environ["TAALA_TEST_COUNTER"], "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.write("x")
            f.seek(0)
            made = len(f.read())
        if made == 3:
            raise ConnectionRefusedError("no lock service this time")

    def acquire(self, key):
        return None

    def release(self, key, token):
        return False


class LeakyLock(Adapter):
    """Mutual exclusion holds, but release forgets to delete: once taken, never granted again."""

    name = "leaky-lock"
    backend = "redis"
    liveness = 2.0
    expectations = {"none": safe("only one client ever gets it")}

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        from taala import redis_client

        self.redis = redis_client(addresses[0])

    def acquire(self, key):
        return "mine" if self.redis.set(key, f"client{self.client}", nx=True) else None

    def release(self, key, token):
        return True  # "released" (the key stays: the lock is leaked for ever)


class ClosesInheritedSockets(Adapter):
    """Closes every socket object it inherited from the coordinator *after* opening its own
    connection, as the garbage collector may do at any moment in a forked client: its own
    connection must survive (the fd numbers of inherited sockets must not be reused)."""

    name = "closes-inherited-sockets"
    backend = "redis"
    expectations = {"none": safe("a plain SET NX lock")}

    def __init__(self, addresses, *, ttl, client, resource=None):
        import gc
        import socket

        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        inherited = [o for o in gc.get_objects() if isinstance(o, socket.socket) and o.fileno() != -1]
        from taala import redis_client

        self.redis = redis_client(addresses[0])
        self.redis.ping()  # the connection is open now, on the lowest free fd number
        for sock in inherited:
            sock.close()
        self.redis.ping()  # still ours? raises if an inherited close cut it

    def acquire(self, key):
        return "t" if self.redis.set(key, "t", nx=True, px=int(self.ttl * 1000)) else None

    def release(self, key, token):
        return bool(self.redis.delete(key))


class SlowSecondClient(Adapter):
    """No lock at all (every acquire succeeds), and client 1's acquire takes 0.5 s, as one
    reconnecting to a restarted server does: its grant lands after the schedule's end."""

    name = "slow-second-client"
    backend = None
    expectations = {"none": safe("not a lock: for testing the runner's drain")}

    def acquire(self, key):
        if self.client == 1:
            import time

            time.sleep(0.5)
        return f"token-{self.client}"

    def release(self, key, token):
        return True
