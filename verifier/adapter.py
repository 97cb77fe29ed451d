"""What an adapter is: one lock implementation, as taala's runner drives it.

An adapter is a small class (one file in `adapters/`, or in your own package registered
under the `taala.adapters` entry-point group). The runner creates one instance per
client, inside that client's own process, so a client pause (SIGSTOP) freezes the lock
library's background threads too, exactly like a GC pause would.

The runner only calls:

- `Adapter(addresses, ttl=..., client=..., resource=...)`: connect to the servers
  (addresses are "host:port" strings of the nodes the runner started for `backend`;
  `resource` is the address of the Redis that holds the protected resource, which the
  nemesis never touches: the place for state that must survive faults, e.g. a fencing
  counter);
- `acquire(key)` -> a token (truthy; the fencing token when `fenced`) if this client now
  holds the lock, or None if the lock is taken. Raising means "unknown" (a timeout): the
  runner records an `info` and retires the client, as Jepsen does;
- `release(key, token)` -> True if released, False if the lock refused (e.g. "not yours");
- `close()`.

Clients must never retry a write on their own after a timeout (redis-py does by default):
a retried `SET NX` that had in fact succeeded turns one acquire into two.

Each adapter declares its expected verdict under each fault it claims to understand,
with the reason in one line: `pytest verifier/` holds it to that declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

# Faults the runner knows how to inject (see `taala.schedule`).
FAULTS = {
    "none": "no faults: clients only take turns",
    "slow": "a holder works for longer than the lease inside its critical section (a slow bank call)",
    "pause": "pause a lock client (SIGSTOP) for longer than the lease: the GC pause",
    "node-pause": "pause a server node (SIGSTOP) for a while",
    "clock": "jump a server node's wall clock forward past the lease",
    "kill": "kill a server node and restart it empty (no persistence)",
}


@dataclass(frozen=True)
class Expectation:
    safe: bool
    reason: str

    @property
    def verdict(self) -> str:
        return "safe" if self.safe else "unsafe"


def safe(reason: str) -> Expectation:
    return Expectation(True, reason)


def unsafe(reason: str) -> Expectation:
    return Expectation(False, reason)


class Adapter:
    """Base class. Subclass it, set the class fields, implement acquire/release."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    backend: ClassVar[str | None] = "redis"  # a key of taala.servers.BACKENDS, or None
    nodes: ClassVar[int] = 1
    server_options: ClassVar[dict[str, Any]] = {}  # passed to the backend's start function
    fenced: ClassVar[bool] = False  # acquire returns a fencing token the resource enforces
    expectations: ClassVar[dict[str, Expectation]] = {}
    requires: ClassVar[tuple[str, ...]] = ()  # importable modules the adapter needs
    min_ttl: ClassVar[float] = 0.0  # shortest lease the implementation supports (seconds)

    def __init__(self, addresses: list[str], *, ttl: float, client: int, resource: str | None = None):
        self.addresses = addresses
        self.ttl = ttl
        self.client = client
        self.resource = resource

    def acquire(self, key: str) -> Any:
        raise NotImplementedError

    def release(self, key: str, token: Any) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        pass

    @classmethod
    def faults(cls) -> list[str]:
        return list(cls.expectations)


def host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)
