"""kazoo's `Semaphore(max_leases=1)` used as a mutex, on a 3-node ZooKeeper ensemble.

kazoo's semaphore recipe: a lease pool node holds one ephemeral child per lease in use.
To acquire, a client takes the pool's own kazoo `Lock` (`<path>-lock`), counts the children,
creates its lease node if fewer than `max_leases` exist, releases the inner lock and, if
there was no room, waits for a children watch to fire; `timeout` bounds the whole wait
(`max_wait` leases: past it kazoo raises `LockTimeout`). Release deletes the lease node.
With one lease it is a mutex. Semaphores of N > 1 leases need a checker that counts
holders, which the runner's single mutex model does not do yet.

The lease node is ephemeral, so the session is the lease again, with the same hazard as
`zookeeper-lock`: a holder paused or cut off past its session timeout loses its lease node
and the next client takes the lease, while the old holder's `is_acquired` stays True (the
recipe only stops a *waiting* acquire on LOST). Its `release()` then deletes nothing and
answers True.

Only the faults that act through the recipe and its session are declared; server faults
(node pause, kill, node partition) exercise the ensemble and kazoo's reconnection, which
`zookeeper-lock` vets with the same client settings.
"""

from __future__ import annotations

import uuid

from taala.adapter import safe, unsafe
from taala.adapters.zookeeper_lock import ZooKeeperLock


class ZooKeeperSemaphore(ZooKeeperLock):
    name = "zookeeper-semaphore"
    summary = "kazoo Semaphore(max_leases=1) on a 3-node ZooKeeper ensemble, as a mutex: blocking, no fencing"
    expectations = {
        "none": safe("the lease node lives as long as its holder's session: only the holder's release frees it"),
        "pause": unsafe("a holder paused past its session timeout loses its lease node, and still believes it holds it"),
        "partition": unsafe("a holder cut off past its session timeout loses its lease node; kazoo only reports LOST to listeners"),
        "connection-kill": safe("the session outlives its connection: kazoo reconnects and the lease node stays"),
    }

    def _lock(self, key):
        if key not in self.locks:
            self.locks[key] = self.zk.Semaphore(f"/taala/{key}", identifier=f"client-{self.client}-{uuid.uuid4().hex[:8]}",
                                                max_leases=1)
        return self.locks[key]

    def _token(self, semaphore):
        return semaphore.create_path
