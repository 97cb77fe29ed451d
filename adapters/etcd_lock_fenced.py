"""etcd's lock API with the lock key's create revision as fencing token: its positive control.

The same lock as `etcd-lock`, which a holder paused or cut off past its lease still
believes it holds. The server answers waiters in create-revision order of their keys, and
the store's revision only grows, so each new holder's key was created at a higher revision
than every earlier holder's: the token etcd's docs suggest for fencing. The lock reply
carries the key, not its revision, so acquire reads it back (one range request); a key
already gone by then (its lease expired in between) is not held, and acquire says so.
"""

from __future__ import annotations

from taala.adapter import safe
from taala.adapters.etcd_lock import EtcdLock


class FencedEtcdLock(EtcdLock):
    name = "etcd-lock-fenced"
    summary = "etcd 3.4's lock API on 3 nodes + the lock key's create revision as fencing token: the positive control"
    fenced = True
    expectations = {
        "none": safe("fencing tokens order every access"),
        "slow": safe("the keep-alive renews the lease; tokens order every access anyway"),
        "pause": safe("a holder paused past its lease comes back with an older revision, which the resource rejects"),
        "partition": safe("a holder cut off past its lease comes back with an older revision, which is rejected"),
        "node-partition": safe("the quorum's revisions only grow: a holder whose lease lapsed has the older one"),
    }

    def acquire(self, key):
        token = super().acquire(key)
        if token is None:
            return None
        mine, lease = self.mine[key]
        kvs = self.etcd.post(self.etcd.get_url("/kv/range"), json={"key": mine}).get("kvs", [])
        if not kvs:  # the lease expired between the lock's answer and this read: not ours any more
            del self.mine[key]
            self._drop(lease)
            return None
        return int(kvs[0]["create_revision"])

    def _token(self, mine):
        return mine
