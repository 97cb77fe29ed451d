"""kazoo's `Lock` with the lock znode's sequence number as fencing token: the ZooKeeper positive control.

The same lock as `zookeeper-lock`, which a holder paused or cut off past its session
timeout still believes it holds. But each contender's znode carries a sequence number
the parent hands out in creation order, and a contender only becomes the holder once
every node created before its own is gone: so each new holder's number exceeds every
earlier holder's. Acquire returns it (plus one: a token must be truthy) and the resource
rejects any access with a token older than the newest it has seen (Kleppmann's fencing).
Two clients may believe they hold the lock; only the newest can touch the data.

Each run locks a path of its own, so the sequence starts again at 0 with a resource the
runner has emptied; the ensemble keeps the counter through any single node's crash.
"""

from __future__ import annotations

from taala.adapter import safe
from taala.adapters.zookeeper_lock import ZooKeeperLock


class FencedZooKeeperLock(ZooKeeperLock):
    name = "zookeeper-lock-fenced"
    summary = "kazoo Lock on 3 ZooKeeper nodes + the lock znode's sequence number as fencing token: the positive control"
    fenced = True
    expectations = {
        "none": safe("fencing tokens order every access"),
        "pause": safe("a holder paused past its session comes back with an older sequence number, which the resource rejects"),
        "partition": safe("a holder cut off past its session comes back with an older sequence number, which is rejected"),
        "connection-kill": safe("the session and its node outlive the connection; tokens order every access anyway"),
        "node-pause": safe("the quorum keeps the lock and its sequence counter; tokens order every access anyway"),
        "kill": safe("the quorum keeps the sequence counter through one node's wipe; tokens order every access"),
    }

    def _token(self, lock):
        return int(lock.node.rsplit("__lock__", 1)[1]) + 1  # "<guid>__lock__0000000007" -> 8
