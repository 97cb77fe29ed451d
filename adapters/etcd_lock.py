"""etcd's own lock API, `/v3/lock/lock` and `/v3/lock/unlock`, through the JSON gateway of etcd 3.4.

What `etcdctl lock` and clientv3's `concurrency.Mutex` do, done by the server: the client
grants a lease and keeps it alive (a session), then calls `Lock(name, lease)`. The server
puts the key `name/<lease id>` under that lease and answers once every key under `name/`
created before it is gone (a queue in create-revision order, like ZooKeeper's sequential
nodes); it answers with that key, which `Unlock(key)` deletes. etcd3gw 2.7 has no call for
this service, so the adapter posts to the gateway's `/v3/lock/*` with etcd3gw's session.

The call blocks; the adapter bounds it with the HTTP timeout (`max_wait` leases). Past it
the adapter revokes its lease, which deletes its waiting key (or a key granted in the
same instant), and answers "not acquired" (verified: the gateway also cancels the server's
wait when the request goes away). A lease must outlive the wait, so a keep-alive thread
(`/v3/lease/keepalive` every third of the lease, in the client's own process, as clientv3's
session does) renews it from the grant until the release.

The lock lives as long as the lease does. Like every lease lock without fencing it is
unsafe once the keep-alives stop reaching the cluster for a lease: a holder paused (its
keep-alive thread freezes with it) or cut off past the TTL still believes it holds the
lock after its key expired and the next waiter was answered. Jepsen's etcd 3.4.3 analysis
calls etcd's locks "fundamentally unsafe" for exactly this. `Unlock` deletes whatever key it
is given and always answers OK, so a stale holder's release cannot tell either (it cannot
harm the next holder: keys are unique per lease). A slow holder is safe: its keep-alives
carry on. A node cut off from its peers (`node-partition`) breaks it too: etcd3gw talks to
one node, whose keep-alives cannot reach the leader while it is cut off, so a holder on
that node loses its lease after one TTL (found as `[acquire 0, node 0 cut off for 1.12
leases, acquire 1]`). `etcd-lock-fenced` adds the fencing token.

etcd 3.4 as packaged grants leases in whole seconds and no shorter than 1.5 election
timeouts (1 s here), rounded up: 2 s. Client c talks to node c mod 3.
"""

from __future__ import annotations

import base64
import math
import threading

from taala.adapter import Adapter, host_port, keepalive_promise, safe, unsafe
from taala.adapters import _etcd as etcd


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class EtcdLock(Adapter):
    name = "etcd-lock"
    summary = "etcd 3.4's lock API (/v3/lock/lock, /v3/lock/unlock) on a kept-alive lease, 3 nodes: blocking, no fencing"
    backend = "etcd"
    nodes = 3
    requires = ("etcd3gw",)
    min_ttl = 2.0  # whole seconds, at least 1.5 election timeouts (1 s): etcd raises shorter leases to 2 s
    blocking = True
    max_wait = 2.0  # the lock call's HTTP timeout, in leases
    # keep-alive every third of the lease; the lessor sweeps expired leases every 500 ms
    timing = {"lease": 1.0, "keepalive": 1 / 3, "expiry": 1.25, "wait": max_wait}
    expectations = {
        "none": safe("the kept-alive lease outlives every hold; the server answers one waiter at a time"),
        "slow": safe("the keep-alive thread keeps renewing the lease while the holder works"),
        "pause": unsafe("a holder paused past its lease stops renewing it: the key expires, the next waiter is answered"),
        "partition": unsafe("a holder cut off past its lease cannot renew it, nor learn that its key expired"),
        "node-partition": unsafe("a holder whose one node is cut off from the quorum cannot renew its lease: the key expires"),
    }

    # a fresh lease of ceil(ttl) s granted inside each acquire, kept alive by the thread every third of it
    @classmethod
    def lease_terms(cls, ttl):
        seconds = math.ceil(ttl)
        return etcd.lease(seconds, renew_every=keepalive_promise(seconds / 3, seconds))

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        from etcd3gw.client import Etcd3Client

        self.seconds = math.ceil(ttl)
        if self.seconds != ttl:
            raise ValueError(f"etcd leases are whole seconds, not {ttl:g} s")
        host, port = host_port(addresses[client % len(addresses)])
        # requests never retries a POST by itself: a timed-out request is never sent twice
        self.etcd = Etcd3Client(host=host, port=port, timeout=max(1.0, ttl), api_path="/v3/")
        self.heart_etcd = Etcd3Client(host=host, port=port, timeout=max(1.0, ttl / 3), api_path="/v3/")
        self.leases: set[int] = set()  # the leases the keep-alive thread renews
        self.guard = threading.Lock()
        self.stopped = threading.Event()
        self.heart = threading.Thread(target=self._keep_alive, name="etcd-keepalive", daemon=True)
        self.heart.start()
        self.mine: dict[str, tuple[str, int]] = {}  # lock name -> (our key, base64; our lease)

    def _keep_alive(self):
        while not self.stopped.wait(self.ttl / 3):
            with self.guard:
                leases = list(self.leases)
            for lease in leases:
                try:
                    alive = self.heart_etcd.post(self.heart_etcd.get_url("/lease/keepalive"), json={"ID": lease})
                except Exception:  # noqa: BLE001  (unreachable: try again next beat, like clientv3)
                    continue
                if int(alive.get("result", {}).get("TTL", -1)) <= 0:  # expired: nothing left to renew
                    with self.guard:
                        self.leases.discard(lease)

    def _grant(self):
        reply = self.etcd.post(self.etcd.get_url("/lease/grant"), json={"TTL": self.seconds, "ID": 0})
        if int(reply["TTL"]) != self.seconds:
            raise ValueError(f"etcd granted a {reply['TTL']} s lease, not the {self.seconds} s asked for")
        return int(reply["ID"])

    def _drop(self, lease):
        with self.guard:
            self.leases.discard(lease)
        try:
            self.etcd.post(self.etcd.get_url("/kv/lease/revoke"), json={"ID": lease})
        except Exception:  # noqa: BLE001  (unrenewed, the lease and its key are gone within a TTL anyway)
            pass

    def acquire(self, key):
        import requests

        lease = self._grant()
        with self.guard:
            self.leases.add(lease)
        try:
            reply = self.etcd.session.post(self.etcd.get_url("/lock/lock"), json={"name": _b64(key), "lease": lease},
                                           timeout=self.max_wait * self.ttl)
        except requests.Timeout:
            self._drop(lease)  # deletes our waiting key: certainly not acquired
            return None
        except BaseException:
            self._drop(lease)
            raise
        if reply.status_code != 200:
            self._drop(lease)
            raise RuntimeError(f"etcd lock: HTTP {reply.status_code}: {reply.text[:200]}")
        mine = reply.json()["key"]
        self.mine[key] = (mine, lease)
        return self._token(mine)

    def _token(self, mine):
        return base64.b64decode(mine).decode()  # "<name>/<lease id in hex>"

    def release(self, key, token):
        if key not in self.mine:
            return False
        mine, lease = self.mine.pop(key)
        self.etcd.post(self.etcd.get_url("/lock/unlock"), json={"key": mine})  # always OK, held or not
        self._drop(lease)
        return True

    def close(self):
        self.stopped.set()
        self.heart.join(timeout=2)
        self.etcd.session.close()
        self.heart_etcd.session.close()
