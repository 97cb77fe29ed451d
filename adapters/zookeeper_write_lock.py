"""kazoo's `WriteLock` used as a mutex, on a 3-node ZooKeeper ensemble.

kazoo's read/write lock recipe: a writer creates an ephemeral sequential `__lock__` node
and waits until no node of either kind (`__lock__` or a reader's `__rlock__`) was created
before it; a reader waits only for earlier writers. Between writers alone it is an
exclusive lock, so each client here takes the write side (a `ReadLock` used as a mutex
would be no lock at all: readers share it). Acquire blocks, bounded by `timeout`
(`max_wait` leases); past it kazoo raises `LockTimeout` after removing its node.

Same session as `zookeeper-lock`, same hazard: once the holder's session expires (paused,
or cut off from the ensemble, past the session timeout) ZooKeeper deletes its node and the
next writer proceeds, while the old holder's `is_acquired` stays True. kazoo #649 (a
reader and a second writer each waiting on the other) needs readers in the schedule: the
runner drives one acquire mode, so mixing readers and writers is left to an engine with
acquire modes.

Only the faults that act through the recipe and its session are declared; server faults
(node pause, kill, node partition) exercise the ensemble and kazoo's reconnection, which
`zookeeper-lock` vets with the same client settings.
"""

from __future__ import annotations

import uuid

from taala.adapter import safe, unsafe
from taala.adapters.zookeeper_lock import ZooKeeperLock


class ZooKeeperWriteLock(ZooKeeperLock):
    name = "zookeeper-write-lock"
    summary = "kazoo WriteLock (writers only, as a mutex) on a 3-node ZooKeeper ensemble: blocking, no fencing"
    expectations = {
        "none": safe("the node lives as long as its holder's session: only the holder's release frees it"),
        "pause": unsafe("a holder paused past its session timeout loses its node, and still believes it holds the lock"),
        "partition": unsafe("a holder cut off past its session timeout loses its node; kazoo only reports LOST to listeners"),
        "connection-kill": safe("the session outlives its connection: kazoo reconnects and the node stays"),
    }

    def _lock(self, key):
        if key not in self.locks:
            self.locks[key] = self.zk.WriteLock(f"/taala/{key}", identifier=f"client-{self.client}-{uuid.uuid4().hex[:8]}")
        return self.locks[key]
