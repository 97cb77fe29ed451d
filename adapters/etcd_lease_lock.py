"""An etcd lease lock through etcd3gw: lease + transaction, the recipe behind etcd's own lock API.

Acquire grants a lease of the TTL, then one transaction: if the key's create revision is 0
(the key does not exist), put our value under that lease. Release is a transaction too:
delete the key only if it still holds our value (then the lease is revoked, best effort).
No keepalive: the lock lasts exactly one lease. It is non-blocking (a taken key answers
"not acquired" at once), and etcd3gw talks to one node per client over the JSON gateway
(`/v3/`); client c uses node c mod 3, so contenders go through different members of the
3-node cluster and every grant is a raft decision.

etcd 3.4 as packaged grants leases in whole seconds and no shorter than 1.5 election
timeouts (1 s here), rounded up: 2 s. The constructor checks what the server granted.

Like every lease lock without fencing it is unsafe once a holder outlives its lease: a
holder paused (GC), slow, or cut off past the TTL still believes it holds the lock after
the lease expired and the key was taken by the next client. Jepsen's etcd 3.4.3 analysis
calls etcd locks "fundamentally unsafe" for exactly this; the key's create revision is the
fencing token that fixes it (`etcd-lease-lock-fenced`). A node cut off from its peers
(`node-partition`) for longer than the lease does it as well, with no new mechanism: the
holder sits in its critical section while the fault lasts, and nothing renews its lease.
"""

from __future__ import annotations

import base64
import math
import uuid

from taala.adapter import Adapter, host_port, safe, unsafe
from taala.adapters import _etcd as etcd


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class EtcdLeaseLock(Adapter):
    name = "etcd-lease-lock"
    summary = "etcd lease + txn put-if-absent (create_revision == 0) through etcd3gw on 3 nodes: no keepalive, no fencing"
    backend = "etcd"
    nodes = 3
    requires = ("etcd3gw",)
    min_ttl = 2.0  # whole seconds, at least 1.5 election timeouts (1 s): etcd raises shorter leases to 2 s
    # etcd's lessor sweeps for expired leases every 500 ms: a key goes between 1 and 1.25 leases
    timing = {"lease": 1.0, "expiry": 1.25}
    expectations = {
        "none": safe("clients finish well inside the lease, so the key never expires under a holder"),
        "slow": unsafe("no keepalive: a holder working past its lease loses the key without knowing"),
        "pause": unsafe("a holder paused past its lease still believes it holds the lock (Jepsen, etcd 3.4.3)"),
        "partition": unsafe("a holder cut off past its lease cannot know the key expired and was taken"),
        "node-partition": unsafe("no keepalive: a holder that outlasts its lease while a node is cut off loses the key"),
    }

    # a fresh lease of ceil(ttl) s granted inside each acquire, never kept alive (see _etcd.py)
    @classmethod
    def lease_terms(cls, ttl):
        return etcd.lease(math.ceil(ttl))

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        from etcd3gw.client import Etcd3Client

        host, port = host_port(addresses[client % len(addresses)])
        # requests never retries a POST by itself: a timed-out txn is never sent twice
        self.etcd = Etcd3Client(host=host, port=port, timeout=max(1.0, ttl), api_path="/v3/")
        self.seconds = math.ceil(ttl)
        if self.seconds != ttl:
            raise ValueError(f"etcd leases are whole seconds, not {ttl:g} s")
        self.mine: dict[str, tuple[str, int]] = {}  # key -> (our value, lease id)

    def _grant(self):
        reply = self.etcd.post(self.etcd.get_url("/lease/grant"), json={"TTL": self.seconds, "ID": 0})
        if int(reply["TTL"]) != self.seconds:
            raise ValueError(f"etcd granted a {reply['TTL']} s lease, not the {self.seconds} s asked for")
        return int(reply["ID"])

    def acquire(self, key):
        lease, value = self._grant(), str(uuid.uuid4())
        reply = self.etcd.transaction({
            "compare": [{"key": _b64(key), "result": "EQUAL", "target": "CREATE", "create_revision": 0}],
            "success": [{"request_put": {"key": _b64(key), "value": _b64(value), "lease": lease}}],
            "failure": [],
        })
        if not reply.get("succeeded"):
            self._revoke(lease)
            return None
        self.mine[key] = (value, lease)
        return self._token(value, int(reply["header"]["revision"]))  # the put's revision = the key's create revision

    def _token(self, value, revision):
        return value

    def release(self, key, token):
        if key not in self.mine:
            return False
        value, lease = self.mine.pop(key)
        reply = self.etcd.transaction({
            "compare": [{"key": _b64(key), "result": "EQUAL", "target": "VALUE", "value": _b64(value)}],
            "success": [{"request_delete_range": {"key": _b64(key)}}],
            "failure": [],
        })
        self._revoke(lease)
        return bool(reply.get("succeeded"))

    def _revoke(self, lease):
        try:
            self.etcd.post(self.etcd.get_url("/kv/lease/revoke"), json={"ID": lease})
        except Exception:  # noqa: BLE001  (an expired lease is already gone; a lost revoke only waits out the TTL)
            pass

    def close(self):
        self.etcd.session.close()
