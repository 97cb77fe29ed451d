"""pottery's `Redlock` (pottery 3.0.1) on five independent Redis masters: the library
version of the talk's Razorpay Redlock (docs/talk.md, M4; ported as `seed-redlock`).

What the pinned source does (pottery/redlock.py):

- `acquire(blocking=False)` makes one attempt: a fresh `uuid4` value, `SET redlock:<key>
  <uuid> NX PX auto_release_time` sent to all masters in parallel from a thread pool; it
  returns True as soon as a majority answered yes and the validity (auto_release_time −
  elapsed − (1 %·auto_release_time + 2 ms), elapsed on a monotonic timer) is positive,
  leaving the other `SET`s to finish in the background (`BailOutExecutor`). Otherwise it
  runs the release script on every master and returns False;
- Redis errors (timeouts, refused connections) are caught per master and logged; with the
  default `raise_on_redis_errors=False` they only count as "no" votes, so even a majority of
  failed masters makes `acquire` return False rather than raise. A timed-out `SET` may
  still land when a stopped node resumes; the failed-path release queued behind it removed
  it in our runs, and a leftover would be a key nobody owns: a liveness cost, not a safety one;
- `release()` runs a Lua compare-and-delete on all masters and raises
  `ReleaseUnlockedLock` unless a majority released (mapped to False here);
- no renewal (only `extend()`, at most `num_extensions` times) and no fencing token (its
  `NextID` is a separate counter the lock knows nothing about). The validity is checked
  once, inside `acquire`, and never handed to the caller.

So it shares Redlock's known failure modes (Kleppmann, 2016): a pause past the lease, and a
majority of masters forgetting the key (restart without persistence, forward clock jumps).

The adapter creates one `Redlock` per acquisition (the object holds the uuid) and maps the
returned token, pottery's uuid, back to it for `release`. Masters are `taala.redis_client`
clients (no retries, 0.5 s timeouts). `pottery` is imported inside `__init__`: importing it
monkey-patches `json.dumps` process-wide (pottery/monkey.py), which only the client
processes should suffer.
"""

from __future__ import annotations

from taala import redis_client
from taala.adapter import Adapter, safe, unsafe
from taala.adapters._held import HeldLocks
from taala.adapters._redis import KeyLease


class PotteryRedlock(KeyLease, HeldLocks, Adapter):
    name = "pottery-redlock"
    summary = "pottery 3.0.1 Redlock on 5 Redis masters: parallel SET NX PX, majority + validity, no fencing"
    backend = "redis"
    nodes = 5
    server_options = {"clock": True}
    requires = ("pottery",)
    # pottery times its own acquire against auto_release_time (thread pool, 5 SETs): at a
    # quarter-second lease a loaded 2-core machine made the acquire itself run out of
    # validity, so the canonical probes found nothing and the search had to stumble on a
    # long schedule it could not shrink in time. A one-second lease keeps acquiring cheap
    # beside it; every pause and clock jump scales with it.
    min_ttl = 1.0
    expectations = {
        "none": safe("a majority of 5 nodes holds the key for the whole TTL and holders finish inside it"),
        "slow": unsafe("no automatic extension: a holder working past the TTL loses the lock without knowing"),
        "pause": unsafe("no fencing or renewal: a holder paused past auto_release_time overlaps the next holder"),
        "node-pause": unsafe("the lease runs out while a node is stopped and the 4 live nodes grant it again"),
        "clock": unsafe("forward jumps on 3 of 5 nodes expire the key on a majority: the lock is granted twice"),
        "kill": unsafe("3 of 5 nodes restarted empty forget the key: a new majority is granted to a second client"),
    }


    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        from pottery import Redlock, ReleaseUnlockedLock

        self._Redlock = Redlock
        self.not_ours = (ReleaseUnlockedLock,)
        self.masters = [redis_client(a) for a in addresses]

    def acquire(self, key):
        lock = self._Redlock(key=key, masters=self.masters, auto_release_time=self.ttl)
        if not lock.acquire(blocking=False):
            return None
        return self.hold(lock._uuid, lock)  # pottery's own lock value (uuid4); no public accessor

    def close(self):
        for master in self.masters:
            master.close()
