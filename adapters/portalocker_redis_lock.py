"""portalocker 4.4.2 `RedisLock`: a lock held by a Pub/Sub subscription, without and with
`fencing=True`.

No key, no lease: the holder subscribes to the lock's channel on a dedicated connection
(a keep-alive thread reads it). A contender counts the channel's subscribers (`PUBSUB
NUMSUB`); when there is one, it publishes a ping and waits `unavailable_timeout` for the
holder's reply; a holder that does not answer in time is presumed dead and its connection
is killed (`CLIENT KILL`), and the contender takes the lock. So the lease is, in effect,
`unavailable_timeout`, which the adapter sets to the runner's lease. A paused holder cannot
answer (SIGSTOP freezes its keep-alive thread too): it loses the lock to the next contender
and, once resumed, its `lost` flag turns on, but only code that calls `ensure_held()`
learns that, so, as with every unfenced lock, a holder that does not check still believes.

`portalocker-redis-lock-fenced` (`fencing=True`) hands each exclusive holder a
`fence_token` (an `INCR` of a fence key, issues #137/#146), which the adapter returns as
its fencing token and the resource enforces: the stale holder's accesses are refused.

Blocking: `acquire(timeout = max_wait leases)`, portalocker's own retry loop, so a waiter's
probe can meet a holder paused after the waiter began (a try-lock would only ever probe a
holder that is running, the pause fault waiting for nothing); `interrupt_on_lost=False` (the default
would interrupt the client's main thread on a loss; portalocker 5 drops it); the lock's
connections are its own, built from `redis_kwargs`.
"""

from __future__ import annotations

from taala.adapter import Adapter, LeaseTerms, host_port, safe, unsafe


class PortalockerRedisLock(Adapter):
    name = "portalocker-redis-lock"
    summary = "portalocker 4.4.2 RedisLock: Pub/Sub subscription held as the lock, silent holders killed after unavailable_timeout"
    backend = "redis"
    requires = ("portalocker", "redis")
    fencing = False
    blocking = True
    # acquire's timeout, in leases. A waiter needs about 3.5 leases from the holder's pause to
    # its kill and grant (a probe answered, a silent probe of one lease, the kill, a retry:
    # measured 0.85-0.95 s at a 0.25 s lease); with 3 leases the canonical probe never broke
    # the lock (0 of 6 replays) and the search fell to long random schedules.
    max_wait = 8.0
    timing = {"lease": 1.0, "wait": max_wait}  # unavailable_timeout = the lease
    expectations = {
        "none": safe("the holder's subscription answers every probe: nobody else gets the lock"),
        "slow": safe("no lease: a slow holder's keep-alive thread answers probes while it works"),
        "pause": unsafe("a paused holder cannot answer a waiter's probe: its connection is killed and the lock taken; it still believes"),
    }

    # no expiry: a contender publishes a probe after its acquire began and kills a holder that leaves it
    # unanswered for unavailable_timeout = ttl (portalocker/redis.py _collect_lock_holders), so no grant
    # comes sooner than ttl after the holder subscribed, nor a silent holder kept longer than a probe's
    # ttl; its keep-alive thread answers while it runs; its subscription dies with its connection
    @classmethod
    def lease_terms(cls, ttl):
        return LeaseTerms(ttl, ttl, renews=True, session_bound=True, failover_extends=False)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        import portalocker

        self.portalocker = portalocker
        host, port = host_port(addresses[0])
        self.redis_kwargs = {"host": host, "port": port, "socket_connect_timeout": 2.0}
        self.held: dict[str, tuple[object, object]] = {}

    def acquire(self, key):
        if key in self.held:
            return None
        lock = self.portalocker.RedisLock(
            key, timeout=self.max_wait * self.ttl, unavailable_timeout=self.ttl, interrupt_on_lost=False,
            redis_kwargs=dict(self.redis_kwargs), fencing=self.fencing)
        try:
            lock.acquire()
        except self.portalocker.AlreadyLocked:
            return None
        token = lock.fence_token if self.fencing else f"c{self.client}-{lock.holder_id}"
        self.held[key] = (lock, token)
        return token

    def release(self, key, token):
        lock, mine = self.held.get(key, (None, None))
        if lock is None or mine != token:
            return False
        del self.held[key]
        lock.release()
        return True

    def close(self):
        for lock, _ in self.held.values():
            try:
                lock.release()
            except Exception:  # noqa: BLE001,S110  a killed connection: nothing left to release
                pass
        self.held.clear()


class PortalockerRedisLockFenced(PortalockerRedisLock):
    name = "portalocker-redis-lock-fenced"
    summary = "portalocker 4.4.2 RedisLock(fencing=True): its fence_token as the fencing token"
    fencing = True
    fenced = True
    expectations = {
        "none": safe("fencing tokens order every access"),
        "pause": safe("the stale holder's fence token is older than the new holder's: the resource refuses it"),
    }
