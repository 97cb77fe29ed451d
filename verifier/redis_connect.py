"""Redis connections that never retry behind our back.

redis-py 8 retries a timed-out command up to 10 times by default (infra notes §2): a
retried `SET NX` that had succeeded the first time hands one client the lock twice and
hides the timeout from the history. Every connection taala makes (the runner's resource,
and the adapters through `taala.adapters._redis`) disables retries, so a timeout surfaces
as an exception, which the runner records as `info`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taala.adapter import host_port

if TYPE_CHECKING:
    import redis


def connect(address: str, timeout: float = 0.5) -> redis.Redis:
    # Imported here: `redis` comes with the `vet` extra, and modules that merely name this
    # function (the client, the resource, `taala vet --help`) must load without it.
    import redis
    from redis.backoff import NoBackoff
    from redis.driver_info import DriverInfo
    from redis.retry import Retry

    host, port = host_port(address)
    return redis.Redis(
        host=host,
        port=port,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        decode_responses=True,
        # Named up front: by default each connection looks its version up in the package
        # metadata (3-4 ms, several times per run, in every client process).
        driver_info=DriverInfo(name="redis-py", lib_version=redis.__version__),
    )
