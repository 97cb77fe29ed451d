"""Shared Consul plumbing: where the agent is, and whether one answers.

taala starts no Consul (no `consul` binary can be installed on its machines: Debian 12
does not package it), so the Consul adapters have `backend = None` and talk to the agent
named by `CONSUL_HTTP_ADDR` (Consul's own variable; default `127.0.0.1:8500`), e.g. the
`consul` service a user adds to `docker-compose.yml`. With no agent there they are
`unavailable()`, and `pytest verifier/` and `tests/adapters/test_consul.py` skip them with
that reason. Without servers taala controls, only client faults apply (none, slow, pause).
"""

from __future__ import annotations

import json
import math
import os
import urllib.error
import urllib.request

from taala.adapter import LeaseTerms

ENV = "CONSUL_HTTP_ADDR"
DEFAULT = "127.0.0.1:8500"


def agent_address() -> str:
    address = os.environ.get(ENV, DEFAULT)
    return address.split("://", 1)[-1].rstrip("/")


def unavailable() -> str | None:
    """None when a Consul agent with a leader answers at agent_address(); else why not."""
    address = agent_address()
    try:
        with urllib.request.urlopen(f"http://{address}/v1/status/leader", timeout=1.0) as reply:
            leader = json.loads(reply.read() or b'""')
    except (OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        return (f"no Consul agent answers at {address} ({reason}); set {ENV} to one "
                f"(no consul binary on this machine: Debian 12 does not package it)")
    if not leader:
        return f"the Consul agent at {address} has no leader yet"
    return None


def session_ttl(ttl: float) -> int:
    """The session TTL the adapters ask for: whole seconds, at least Consul's shortest, 10 s."""
    return max(10, math.ceil(ttl))


def session_lease(ttl: float, *, renews: bool) -> LeaseTerms:
    """The lease of a key held by a session of TTL S = `session_ttl(ttl)`: Consul invalidates the
    session 2 S after its creation or last renewal (agent/consul/session_ttl.go: the timer is
    the TTL times `SessionTTLMultiplier` = 2; only S is promised), and a KV acquire renews
    nothing. The session is older than the acquire, so nothing bounds the lease left at a grant
    from below (0); Consul resets session timers on a leader failover."""
    return LeaseTerms(0.0, 2.0 * session_ttl(ttl), renews=renews, session_bound=False, failover_extends=True)


def client(ttl: float):
    import consul

    host, _, port = agent_address().rpartition(":")
    return consul.Consul(host=host, port=int(port), connections_timeout=max(2.0, ttl))
