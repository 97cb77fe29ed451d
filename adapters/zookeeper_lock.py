"""kazoo's `Lock` on a 3-node ZooKeeper ensemble: the talk's Curator `InterProcessMutex` (docs/talk.md, M6) in Python.

The recipe: each contender creates an ephemeral *sequential* znode under the lock's path
and waits (a watch on its predecessor) until its node is the lowest; release deletes the
node. The acquire blocks, bounded by `timeout` (`max_wait` leases): past it kazoo raises
`LockTimeout` after removing its contender node, a clean "not acquired".

There is no lease in the recipe; the **session** is the lease. An ephemeral node lives as
long as its client's session, and the session lives as long as the server hears from the
client (kazoo's connection thread pings every third of the session timeout) or, after a
lost connection, until the session timeout runs out: a client that reconnects within it
keeps its session and its lock (kazoo goes SUSPENDED, then CONNECTED). Here the lease the
runner chooses *is* the session timeout, and `min_ttl` is one ZooKeeper really grants: our
servers run with tickTime 500 ms, so a session may last 1 to 10 s (2 to 20 ticks); 2 s
leaves a client's ping thread a full second of scheduling noise before the server gives up.
The constructor checks the negotiated timeout and refuses a lease the server would not grant.

Its hazard is the one the recipe's docs warn about: once the session expires (the holder
paused, or cut off from the ensemble, past the session timeout), ZooKeeper deletes the
node and the next contender takes the lock, while the old holder's `Lock.is_acquired`
stays True (kazoo only tells a state listener, which the recipe's user must add: kazoo
#2, #565). No fencing token comes with it, so nothing stops the stale holder's writes.
Its `release()` then deletes nothing and still answers True.

Reconnection is tuned as an application with short sessions must tune it: kazoo's default
connection backoff (doubling up to an hour) can sleep past a 2 s session after a leader
change, so the retry delay here is capped at a tenth of the session.

The lease as the servers apply it (`session_lease`, every kazoo recipe's): the leader
expires a session in the first tick bucket after its last touch plus the timeout
(`ExpiryQueue.roundToNextInterval`), and a touch at a follower (a ping: kazoo pings every
third of the session, and any request counts) reaches the leader only with the follower's
answer to the leader's next ping, every half tick (`Leader.lead`); a request forwarded by a
follower is not a touch at the leader (`LeaderZooKeeperServer.submitLearnerRequest`). So a
session lasts at most timeout + 1.5 ticks after its holder last reached a server, but the
session is older than the acquire: a holder that was paused or cut off just before it
acquires may hold a session that the leader expires right after the grant, before the
acquire's own touch arrives. Nothing bounds the lease left at a grant from below (0) by the
grant alone, and a new leader restarts every session's timeout. What does bound it is the
pings: kazoo pings every third of the session while idle (`read_timeout / 2` of two thirds),
and a ping that reaches a follower reaches the leader within half a tick, so while nothing
disturbs the holder a touch lands at least every `keepalive_promise(T/3, T)` and renews the
whole timeout T (`renewed`). When nothing disturbed the holder for that long before its
acquire either (the classifier's look-back), a grant to another client inside the session
is shown to be a bug, not left undetermined.
"""

from __future__ import annotations

import re
import uuid

from taala.adapter import Adapter, LeaseTerms, keepalive_promise, safe, unsafe

TICK_S = 0.5  # the ensemble's tickTime (taala.servers.zookeeper): sessions of 2 to 20 ticks


def session_lease(seconds: float) -> LeaseTerms:
    """The lease of an ephemeral znode: its client's session, of `seconds` as the server grants
    it (clamped to 2..20 ticks), kept alive by kazoo's pings (see the module docstring)."""
    granted = min(max(seconds, 2 * TICK_S), 20 * TICK_S)
    return LeaseTerms(0.0, granted + 1.5 * TICK_S, renews=True, renew_every=keepalive_promise(granted / 3, granted),
                      renewed=granted, session_bound=False, failover_extends=True)


class ZooKeeperLock(Adapter):
    name = "zookeeper-lock"
    summary = "kazoo Lock (ephemeral sequential znodes) on a 3-node ZooKeeper ensemble: blocking, no fencing (seed M6)"
    backend = "zookeeper"
    nodes = 3
    requires = ("kazoo",)
    min_ttl = 2.0  # the session timeout: tickTime 500 ms grants 1..10 s
    blocking = True
    max_wait = 2.0  # Lock.acquire(timeout=...), in leases
    timing = {"session": 1.0, "wait": max_wait}
    expectations = {
        "none": safe("the node lives as long as its holder's session: only the holder's release frees it"),
        "pause": unsafe("a holder paused past its session timeout loses its node, and still believes it holds the lock"),
        "partition": unsafe("a holder cut off past its session timeout loses its node; kazoo only reports LOST to listeners"),
        "connection-kill": safe("the session outlives its connection: kazoo reconnects and the node stays"),
        "node-pause": safe("two of three nodes keep the quorum; the session moves to a live node, a new leader restarts its timeout"),
        "kill": safe("a node restarted empty resyncs from the quorum; its clients reconnect elsewhere within the session"),
        "node-partition": unsafe("a node cut off from its peers keeps its clients until syncLimit (2.5 s), past the 2 s "
                                 "session the leader expires meanwhile (found by the verifier, 1 of 6 replays; Curator alike)",
                                 classes=("state-lost", "past-lease", "undetermined")),
    }

    # the session (timeout = ttl) is the lease, as for every kazoo recipe below: see session_lease
    @classmethod
    def lease_terms(cls, ttl):
        return session_lease(ttl)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        from kazoo.client import KazooClient
        from kazoo.exceptions import LockTimeout

        self.LockTimeout = LockTimeout
        retry = {"max_tries": -1, "delay": 0.05, "backoff": 1.5, "max_jitter": 0.05, "max_delay": ttl / 10}
        self.zk = KazooClient(hosts=",".join(addresses), timeout=ttl, connection_retry=retry,
                              command_retry=dict(retry, deadline=2 * ttl))
        self.zk.start(timeout=max(5.0, 2 * ttl))
        bounds = dict(re.findall(r"^(m..SessionTimeout)=(\d+)$", self.zk.command(b"conf"), re.M))
        lowest, highest = int(bounds["minSessionTimeout"]) / 1000, int(bounds["maxSessionTimeout"]) / 1000
        if not lowest <= ttl <= highest:  # the server would silently clamp the session
            self.close()
            raise ValueError(f"ZooKeeper grants sessions of {lowest:g}..{highest:g} s, not the {ttl:g} s lease asked for")
        self.locks: dict = {}

    def _recipe(self, path: str, identifier: str, mode: str | None):
        """The kazoo recipe object for one lock path (a subclass picks another recipe)."""
        return self.zk.Lock(path, identifier=identifier)

    def _lock(self, key, mode=None):
        slot = key if mode is None else (key, mode)  # a reader and a writer of one path are two recipes
        if slot not in self.locks:
            self.locks[slot] = self._recipe(f"/taala/{key}", f"client-{self.client}-{uuid.uuid4().hex[:8]}", mode)
        return self.locks[slot]

    def acquire(self, key, mode=None):  # `mode` only for a subclass with `modes` (kazoo's read/write lock)
        lock = self._lock(key, mode)
        try:
            if not lock.acquire(timeout=self.max_wait * self.ttl):
                return None  # kazoo removed its contender node: certainly not acquired
        except self.LockTimeout:
            return None
        return self._token(lock)

    def _token(self, lock):
        return lock.node

    def release(self, key, token, mode=None):
        return bool(self._lock(key, mode).release())

    def close(self):
        self.zk.stop()
        self.zk.close()
