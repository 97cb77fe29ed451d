"""A faithful port of the talk's Razorpay Redlock, `RazorpayRedlockManager` (docs/talk.md, M4).

Five independent Redis masters (3 Mumbai + 2 Bangalore in the talk), one client each with
a 0.2 s socket and connect timeout (retries disabled: `taala.redis_client`). `acquire_lock`:

- one lock value per call, sha256(ms timestamp + `random.randint(100000, 999999)`)[:16],
  reused across the retries;
- up to 3 attempts; each sends `SET NX PX` to the nodes *one after another*, swallowing
  every exception, so a timed-out `SET` that did land on the node is never reported as
  unknown;
- validity = ttl − elapsed − (1 %·ttl + 2 ms) with elapsed from `time.time()`, the wall
  clock; success needs a majority and positive validity;
- a failed attempt runs `_release_locks` (Lua compare-and-delete on every node) and sleeps
  U(0.1, 0.2) s.

`release_lock` is `_release_locks`, which reports success if *any* node released. The
returned `validity_time` is ignored by its caller `capture_payment`, so the adapter returns
the lock value alone.

Two changes of timing, none of logic, so the port behaves at taala's short TTLs as the talk's
does at its 10 s default:

- the retry sleeps keep their proportion to the TTL: U(0.1, 0.2) s against 10 s is 1–2 %
  of the TTL, so they are U(1 %, 2 %) of `ttl` here (the talk's own numbers at ttl = 10 s).
  At absolute 0.1–0.2 s, a contender's three tries (up to 0.4 s) would outlast a 0.3 s
  lease: the runner's turns would let the holder's lease lapse with no fault at all;
- the talk also sleeps after the last failed attempt, right before returning None; that
  sleep changes nothing but latency and is skipped.

The 0.2 s socket timeout stays absolute (it only matters when a node does not answer): a
contended acquire takes a few ms, and at most ~1.2 s + 2 sleeps while one node is stopped
(each attempt waits 0.2 s for its `SET` and 0.2 s for its release on that node).

Flaws (Kleppmann's critique of Redlock, plus the talk's own): no fencing, so a holder
paused past its lease overlaps the next holder; a majority of nodes forgetting the key
(restart without persistence, forward clock jumps) re-grants it; validity is measured on
the wall clock and never consulted again after acquisition.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time

from taala import redis_client
from taala.adapter import Adapter, safe, unsafe
from taala.adapters._redis import RELEASE_IF_OWNER, KeyLease

log = logging.getLogger(__name__)

# The talk's numbers:
RETRY_COUNT = 3
RETRY_DELAY = 0.2  # sleeps are U(0.1, RETRY_DELAY) s ...
TALK_TTL = 10.0  # ... against its default ttl of 10000 ms; scaled to our ttl
SOCKET_TIMEOUT = 0.2


class SeedRedlock(KeyLease, Adapter):
    name = "seed-redlock"
    summary = "the seed's RazorpayRedlockManager: sequential Redlock on 5 masters, wall-clock validity (seed M4)"
    backend = "redis"
    nodes = 5
    server_options = {"clock": True}
    expectations = {
        "none": safe("a majority of 5 nodes holds the key for the whole TTL and holders finish inside it"),
        "slow": unsafe("the validity time is computed but never checked again: work past it overlaps the next holder"),
        "pause": unsafe("no fencing: a holder paused past its lease overlaps the next majority holder"),
        "node-pause": unsafe("the lease runs out while a node is stopped and the 4 live nodes grant it again"),
        "clock": unsafe("forward jumps on 3 of 5 nodes expire the key on a majority: the lock is granted twice"),
        "kill": unsafe("3 of 5 nodes restarted empty forget the key: a new majority is granted to a second client"),
    }


    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        self.redis_nodes = [redis_client(a, timeout=SOCKET_TIMEOUT) for a in addresses]
        self.quorum = len(self.redis_nodes) // 2 + 1
        self.retry_delay = RETRY_DELAY
        self.retry_count = RETRY_COUNT

    def acquire(self, key):
        ttl = int(self.ttl * 1000)  # the talk's ttl is in milliseconds
        lock_value = self._generate_lock_value()
        for attempt in range(self.retry_count):
            locks_acquired = 0
            start_time = int(time.time() * 1000)  # the wall clock
            for address, node in zip(self.addresses, self.redis_nodes):
                try:
                    if node.set(key, lock_value, nx=True, px=ttl):
                        locks_acquired += 1
                except Exception as e:  # noqa: BLE001 - the talk swallows everything
                    log.warning("failed to acquire lock on node %s: %s", address, e)
            drift = int(ttl * 0.01) + 2
            elapsed_time = int(time.time() * 1000) - start_time
            validity_time = ttl - elapsed_time - drift
            if locks_acquired >= self.quorum and validity_time > 0:
                return lock_value  # the talk returns {lock_value, validity_time}; callers ignore validity
            self._release_locks(key, lock_value)
            if attempt < self.retry_count - 1:  # the talk also sleeps after the last try
                scale = self.ttl / TALK_TTL
                time.sleep(random.uniform(0.1 * scale, self.retry_delay * scale))
        return None

    def release(self, key, token):
        return self._release_locks(key, token)

    def _release_locks(self, resource: str, lock_value: str) -> bool:
        released_count = 0
        for address, node in zip(self.addresses, self.redis_nodes):
            try:
                if node.eval(RELEASE_IF_OWNER, 1, resource, lock_value) == 1:
                    released_count += 1
            except Exception as e:  # noqa: BLE001 - the talk swallows these too
                log.warning("failed to release lock on node %s: %s", address, e)
        return released_count > 0  # True if ANY node released

    @staticmethod
    def _generate_lock_value() -> str:
        timestamp = str(int(time.time() * 1000))
        random_data = str(random.randint(100000, 999999))
        return hashlib.sha256((timestamp + random_data).encode()).hexdigest()[:16]

    def close(self):
        for node in self.redis_nodes:
            node.close()
