"""kazoo's `Semaphore(max_leases=2)` on a 3-node ZooKeeper ensemble, judged as a 2-permit semaphore.

The recipe is `zookeeper-semaphore`'s with two leases: two clients may hold at once, a
third waits for a lease node to go. So the campaign runs three clients and the history is
judged by `semaphore:permits=2` (three holders at once is the violation); the canonical
probes fill both leases before the fault strikes client 0 and the third client acquires.

The session hazard is the one every kazoo recipe shares (`taala.adapters._zookeeper_recipe`):
a holder paused past its session timeout loses its lease node, the waiting third client
takes the freed lease, and the paused one still believes it holds its own: three holders.

Findings (verifier cases, three runs each): safe under `none` and `connection-kill`;
unsafe under `pause` and `partition`, shrunk to `[acquire 0, acquire 1, pause 0 (1.8
sessions), acquire 2]`: three clients, the smallest schedule that can exceed two permits.
"""

from __future__ import annotations

from taala.adapters.zookeeper_semaphore import ZooKeeperSemaphore


class ZooKeeperSemaphore2(ZooKeeperSemaphore):
    name = "zookeeper-semaphore-2"
    summary = "kazoo Semaphore(max_leases=2) on a 3-node ZooKeeper ensemble: judged as a 2-permit semaphore, blocking"
    leases = 2
    model = "semaphore:permits=2"
    clients = 3  # two permits are exceeded by a third holder
