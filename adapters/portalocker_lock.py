"""portalocker 4.4.2 `Lock`: a blocking file lock (polling `flock`) with a wait timeout.

`portalocker.Lock(path, timeout=t)` opens the file and tries `LOCK_EX | LOCK_NB` again and
again (every `check_interval`, 0.25 s by default, which is what the adapter keeps) until it
gets it or `t` seconds pass, then raises `AlreadyLocked`: a clean "not acquired". On Linux
its default locker is `flock` (`portalocker.LOCKER`), so the lock belongs to the open file
description and the kernel keeps it until `release()` closes the file or the holding
process dies. No lease: a slow or paused holder keeps the lock; waiters wait and time out.

The wait is bounded at `max_wait` leases. Known portalocker hazards sit outside this lock:
`TemporaryFileLock` unlinked its file on release (a waiter locked the old inode, a newcomer
the new one: two holders; #115, fixed in 4.0.0), and `RedisLock` is a different,
Redis-backed lock. Same faults as `fcntl-flock` (no server: node and connection faults do
not exist for it).
"""

from __future__ import annotations

import uuid

from taala.adapter import Adapter, LeaseTerms, safe
from taala.adapters._files import lock_path, prune


class PortalockerLock(Adapter):
    name = "portalocker-lock"
    summary = "portalocker 4.4.2 Lock: polling flock with a wait timeout (blocking); no lease"
    backend = None
    requires = ("portalocker",)
    # Full tier only: the same kernel flock as `fcntl-flock` (quick tier), and under `none` its
    # blocking waits of 2 leases at the 10 s lease let a 15 s budget run a single schedule.
    tier = "full"
    blocking = True
    max_wait = 2.0  # portalocker's timeout, in leases
    timing = {"lease": 1.0, "wait": max_wait}
    expectations = {
        "none": safe("flock is exclusive between open file descriptions: one holder at a time"),
        "slow": safe("no lease: a slow holder keeps the lock until it releases; waiters time out"),
        "pause": safe("no lease: a paused (SIGSTOP) holder's file stays open, so the kernel keeps its lock"),
    }

    # portalocker's flock: held until release closes the file or the holder dies; no lease
    @classmethod
    def lease_terms(cls, ttl):
        return LeaseTerms.unleased(session_bound=True)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        import portalocker

        self.portalocker = portalocker
        if client == 0:
            prune()
        self.held: dict[str, tuple[object, str]] = {}  # key -> (portalocker.Lock, token)

    def acquire(self, key):
        if key in self.held:
            return None  # portalocker returns the held file again: not a second grant
        lock = self.portalocker.Lock(lock_path(key), timeout=self.max_wait * self.ttl)
        try:
            lock.acquire()
        except self.portalocker.AlreadyLocked:
            return None
        token = f"{self.client}-{uuid.uuid4().hex}"
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
            lock.release()
        self.held.clear()
