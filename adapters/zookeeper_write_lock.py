"""kazoo's `WriteLock` used as a mutex, on a 3-node ZooKeeper ensemble.

kazoo's read/write lock recipe: a writer creates an ephemeral sequential `__lock__` node
and waits until no node of either kind (`__lock__` or a reader's `__rlock__`) was created
before it; a reader waits only for earlier writers. Between writers alone it is an
exclusive lock, so each client here takes the write side. Acquire blocks, bounded by
`timeout` (`max_wait` leases); past it kazoo raises `LockTimeout` after removing its node.
Readers and writers mixed are `zookeeper-rw-lock`; the session hazard is the one every
kazoo recipe shares (`taala.adapters._zookeeper_recipe`).
"""

from __future__ import annotations

from taala.adapters._zookeeper_recipe import ZooKeeperRecipe


class ZooKeeperWriteLock(ZooKeeperRecipe):
    name = "zookeeper-write-lock"
    summary = "kazoo WriteLock (writers only, as a mutex) on a 3-node ZooKeeper ensemble: blocking, no fencing"

    def _recipe(self, path, identifier, mode):
        return self.zk.WriteLock(path, identifier=identifier)
