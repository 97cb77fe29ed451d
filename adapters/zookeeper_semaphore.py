"""kazoo's `Semaphore(max_leases=1)` used as a mutex, on a 3-node ZooKeeper ensemble.

kazoo's semaphore recipe: a lease pool node holds one ephemeral child per lease in use.
To acquire, a client takes the pool's own kazoo `Lock` (`<path>-lock`), counts the children,
creates its lease node if fewer than `max_leases` exist, releases the inner lock and, if
there was no room, waits for a children watch to fire; `timeout` bounds the whole wait
(`max_wait` leases: past it kazoo raises `LockTimeout`). Release deletes the lease node.
With one lease it is a mutex; with two, `zookeeper-semaphore-2`.

The lease node is ephemeral: the session hazard is the one every kazoo recipe shares
(`taala.adapters._zookeeper_recipe`); a holder that lost its lease node this way still
has `is_acquired` True, and its `release()` deletes nothing and answers True.
"""

from __future__ import annotations

from taala.adapters._zookeeper_recipe import ZooKeeperRecipe


class ZooKeeperSemaphore(ZooKeeperRecipe):
    name = "zookeeper-semaphore"
    summary = "kazoo Semaphore(max_leases=1) on a 3-node ZooKeeper ensemble, as a mutex: blocking, no fencing"
    leases = 1  # max_leases: every client of one pool must agree on it (kazoo checks)

    def _recipe(self, path, identifier, mode):
        return self.zk.Semaphore(path, identifier=identifier, max_leases=self.leases)

    def _token(self, semaphore):
        return semaphore.create_path
