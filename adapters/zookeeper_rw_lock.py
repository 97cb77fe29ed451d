"""kazoo's read/write lock, readers and writers mixed on one path, on a 3-node ZooKeeper ensemble.

Each acquire names its mode: `write` takes a `WriteLock` (an ephemeral sequential
`__lock__` node; it waits until no earlier node of either kind is left), `read` a
`ReadLock` on the same path (an `__rlock__` node; it waits only for earlier writers). It
is judged by the `rw-lock` model: readers may share, a writer excludes everyone. Three
clients, so a writer, a reader and a second writer can queue behind each other: kazoo
#649, where the reader and the second writer each watched the other and deadlocked once
the first writer released. kazoo 2.11 (installed here) has the fix (#650: a contender only
considers nodes with a *lower* sequence number); the probe `[acquire 0 write, acquire 1
read, acquire 2 write, release 0]` finds the reader then the second writer granted in
turn, and no acquire timing out.

The session hazard is the one every kazoo recipe shares (`taala.adapters._zookeeper_recipe`):
a reader or writer paused past its session timeout loses its node and a writer proceeds.

Findings (verifier cases, three runs each): safe under `none` (readers shared, writers
excluded, the #649 queue drained in order) and `connection-kill`; unsafe under `pause`
and `partition`, shrunk to `[acquire 0, pause 0 (1.1 to 1.8 sessions), acquire 1]`: two
writers, since the minimiser drops a mode the violation does not need; a paused *reader*
fails the same way (`[acquire 0 read, pause 0 1.8, acquire 1]`, 3 of 3 replays: a writer
holds while the reader still reads), but not while a second reader still holds (`[acquire 0
read, acquire 1 read, pause 0 1.8, acquire 2]`, 0 of 3: the writer waits for the live reader,
and the drain releases both readers before it is granted).
"""

from __future__ import annotations

from taala.adapters._zookeeper_recipe import ZooKeeperRecipe


class ZooKeeperRWLock(ZooKeeperRecipe):
    name = "zookeeper-rw-lock"
    summary = "kazoo ReadLock/WriteLock mixed on one path, 3-node ZooKeeper: judged as an rw-lock, blocking, no fencing"
    modes = ("write", "read")
    model = "rw-lock"
    clients = 3  # writer, reader, writer: kazoo #649's queue

    def _recipe(self, path, identifier, mode):
        recipe = self.zk.ReadLock if mode == "read" else self.zk.WriteLock
        return recipe(path, identifier=identifier)
