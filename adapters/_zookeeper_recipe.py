"""What kazoo's session-bound recipes share: `zookeeper-lock`'s client, session and hazard.

Every kazoo recipe here (`Lock`, the read/write lock, `Semaphore`) holds by an *ephemeral*
znode, so the session is the lease, with the hazard `zookeeper-lock` describes: a holder
paused or cut off from the ensemble past its session timeout loses its node, the next
contender proceeds, and the old holder's `is_acquired` stays True (kazoo only reports LOST
to a state listener, and only a *waiting* acquire stops on it). Its `release()` then
deletes nothing and answers True.

A recipe adapter only picks the recipe (`_recipe`); client settings, the session bound
check, blocking acquire with `max_wait` and the expectations below come from here. Only
the faults that act through the recipe and its session are declared; server faults (node
pause, kill, node partition) exercise the ensemble and kazoo's reconnection, which
`zookeeper-lock` vets with the same client settings.
"""

from __future__ import annotations

from taala.adapter import safe, unsafe
from taala.adapters.zookeeper_lock import ZooKeeperLock

RECIPE_EXPECTATIONS = {
    "none": safe("each node lives as long as its holder's session: only the holder's release frees it"),
    "pause": unsafe("a holder paused past its session timeout loses its node, and still believes it holds the lock"),
    "partition": unsafe("a holder cut off past its session timeout loses its node; kazoo only reports LOST to listeners"),
    "connection-kill": safe("the session outlives its connection: kazoo reconnects and the node stays"),
}


class ZooKeeperRecipe(ZooKeeperLock):
    """Base of the kazoo recipe adapters (no `name`: not an adapter by itself)."""

    name = ""
    expectations = RECIPE_EXPECTATIONS

    def _recipe(self, path: str, identifier: str, mode: str | None):
        raise NotImplementedError
