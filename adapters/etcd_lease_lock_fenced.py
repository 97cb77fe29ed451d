"""The etcd lease lock with the key's create revision as fencing token: the etcd positive control.

The same lock as `etcd-lease-lock`, whose lease can expire under a paused holder. But the
put that creates the key happens at a revision of the whole cluster's store, and the store's
revision only grows: each new holder's key is created at a higher revision than every
earlier holder's. Acquire returns it, and the resource rejects any access with a token
older than the newest it has seen. Judged by its resource, it must never be caught.
"""

from __future__ import annotations

from taala.adapter import safe
from taala.adapters.etcd_lease_lock import EtcdLeaseLock


class FencedEtcdLeaseLock(EtcdLeaseLock):
    name = "etcd-lease-lock-fenced"
    summary = "etcd lease + txn lock on 3 nodes + the key's create revision as fencing token: the positive control"
    fenced = True
    expectations = {
        "none": safe("fencing tokens order every access"),
        "pause": safe("a holder paused past its lease comes back with an older revision, which the resource rejects"),
        "partition": safe("a holder cut off past its lease comes back with an older revision, which is rejected"),
        "node-partition": safe("the quorum's revisions only grow: a holder that outlasted its lease has the older one"),
    }

    def _token(self, value, revision):
        return revision
