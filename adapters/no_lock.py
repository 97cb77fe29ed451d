"""No lock at all: the unprotected check-then-act baseline (the talk's M1, docs/talk.md).

Every acquire "succeeds" at once, so two clients are always free to read-modify-write the
resource together. The negative control: taala must catch it with no faults at all.
"""

from __future__ import annotations

import itertools

from taala.adapter import Adapter, LeaseTerms, unsafe


class NoLock(Adapter):
    name = "no-lock"
    summary = "no lock: unprotected check-then-act (seed M1), the negative control"
    backend = None
    expectations = {"none": unsafe("nothing excludes anybody: two clients enter together", classes=("bug",))}

    # nothing to expire and no server: every overlap is the lock's (absent) doing
    @classmethod
    def lease_terms(cls, ttl):
        return LeaseTerms.unleased(session_bound=False)

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        self._tokens = itertools.count(1)

    def acquire(self, key):
        return f"c{self.client}-{next(self._tokens)}"

    def release(self, key, token):
        return True
