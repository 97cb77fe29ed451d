"""Shared etcd plumbing for adapters: the lease etcd applies to a key put under a lease.

etcd's leader starts a lease's clock when it applies the grant (inside the adapter's
acquire, which grants a fresh lease every time) and checks for expired leases every 500 ms
(lease/lessor.go `runLoop`), so a key under a lease of L s goes between L and L + 0.5 s
after the grant, by the leader's monotonic clock; a renewal restarts the clock, and a lease
that expired is never renewed again (`Renew` waits for its revocation). A new leader
restarts every lease (`Promote` extends them by an election timeout): a node fault may make
a lease last longer. etcd raises a lease below 1.5 election timeouts (1 s here) to 2 s.
"""

from __future__ import annotations

from taala.adapter import LeaseTerms

SWEEP_S = 0.5  # the lessor's check for expired leases (lease/lessor.go runLoop)
MIN_LEASE_S = 2  # what etcd grants for a shorter TTL at --election-timeout 1000 (taala.servers.etcd)


def lease(seconds: float, *, renew_every: float | None = None, renews: bool = False) -> LeaseTerms:
    """The terms of a key under a lease of `seconds` (whole seconds), renewed or not."""
    granted = float(max(seconds, MIN_LEASE_S))
    return LeaseTerms(granted, granted + SWEEP_S, renews=renews or renew_every is not None,
                      renew_every=renew_every, session_bound=False, failover_extends=True)
