"""Shared plumbing for file-lock adapters (`backend = None`): where the lock files live.

The runner starts no server for a file lock; its clients are processes on this machine, so
they share a directory. Every run locks a key name of its own (`taala-<pid>-<run>`), so one
directory per user serves every campaign: a lock file is `<dir>/<key>.lock`, and nothing a
previous run left (a file, a lock still held by a client being torn down) can touch the
next run. Lock files are never unlinked while in use (unlinking a lock file is exactly how
portalocker's `TemporaryFileLock` split its lock in two, issue #115); a new adapter prunes
the ones older than an hour, long after their run ended.
"""

from __future__ import annotations

import os
import tempfile
import time

PRUNE_AFTER_S = 3600.0


def lock_dir() -> str:
    path = os.environ.get("TAALA_LOCK_DIR") or os.path.join(tempfile.gettempdir(), f"taala-locks-{os.getuid()}")
    os.makedirs(path, exist_ok=True)
    return path


def lock_path(key: str) -> str:
    return os.path.join(lock_dir(), f"{key}.lock")


def prune(now: float | None = None) -> None:
    """Remove lock files untouched for an hour (best effort: another client may race us)."""
    now = time.time() if now is None else now
    directory = lock_dir()
    for name in os.listdir(directory):
        if not name.endswith(".lock"):
            continue
        path = os.path.join(directory, name)
        try:
            if now - os.stat(path).st_mtime > PRUNE_AFTER_S:
                os.unlink(path)
        except OSError:
            pass
