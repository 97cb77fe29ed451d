"""`fcntl.flock` directly: an exclusive, non-blocking BSD lock on a file in a shared directory.

Acquire opens `<dir>/<key>.lock` (its own open file description) and calls
`flock(fd, LOCK_EX | LOCK_NB)`; `EWOULDBLOCK` means somebody else holds it. Release is
`flock(fd, LOCK_UN)` and closing the descriptor. The lock belongs to the open file
description, so the **kernel** is the lock server: it drops the lock when the holder's
descriptor is closed, which happens when the holding process dies, however it dies; and
it never drops it otherwise. No lease, no clock, no network: a holder that is slow or
paused (SIGSTOP) keeps the lock for as long as it takes, and waiters are refused.

Which faults apply: the lock lives on this host only, so none of the server or network
faults exist for it (`backend = None`: taala starts no server and refuses node faults; a
client's connection faults would strike nothing). Its hazards are elsewhere and outside
taala's schedules: a network filesystem (flock over NFS does not exclude across hosts,
nipy/nipype#1370) and deleting the lock file while it is in use.

The kernel releasing a dead holder's lock is tested directly in
`tests/adapters/test_files_occ.py` (SIGKILL of a holding process: the next client gets it).
"""

from __future__ import annotations

import fcntl
import os
import uuid

from taala.adapter import Adapter, LeaseTerms, safe
from taala.adapters._files import lock_path, prune


class FcntlFlock(Adapter):
    name = "fcntl-flock"
    summary = "fcntl.flock(LOCK_EX | LOCK_NB) on a lock file: the kernel holds it until release or the holder dies"
    backend = None
    expectations = {
        "none": safe("flock is exclusive between open file descriptions: one holder at a time"),
        "slow": safe("no lease: a slow holder keeps the lock until it releases"),
        "pause": safe("no lease: a paused (SIGSTOP) holder's descriptor stays open, so the kernel keeps its lock"),
    }

    # the kernel holds the flock until the descriptor closes: no lease; the holder's death closes it
    @classmethod
    def lease_terms(cls, ttl):
        return LeaseTerms.unleased(session_bound=True)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        if client == 0:
            prune()
        self.held: dict[str, tuple[int, str]] = {}  # key -> (descriptor, token)

    def acquire(self, key):
        if key in self.held:
            return None  # flock would convert our own lock and succeed: not a second grant
        fd = os.open(lock_path(key), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        token = f"{self.client}-{uuid.uuid4().hex}"
        self.held[key] = (fd, token)
        return token

    def release(self, key, token):
        fd, mine = self.held.get(key, (None, None))
        if fd is None or mine != token:
            return False
        del self.held[key]
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
        return True

    def close(self):
        for fd, _ in self.held.values():
            os.close(fd)
        self.held.clear()
