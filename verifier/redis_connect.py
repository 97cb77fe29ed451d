"""Redis connections that never retry behind our back: `taala.redis_client`.

redis-py 8 retries a timed-out command up to 10 times by default: a retried `SET NX` that
had succeeded the first time hands one client the lock twice and hides the timeout from
the history. Every connection taala makes (the runner's resource, the workloads and the
adapters) disables retries, so a timeout surfaces as an exception, which the runner
records as `info`. A Redis adapter of your own should connect the same way: use
`taala.redis_client`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taala.adapter import host_port

if TYPE_CHECKING:
    import redis


def redis_client(address: str, timeout: float = 0.5) -> redis.Redis:
    """A redis-py client for `address` ("host:port") that never retries a command.

    Use it in a Redis adapter instead of `redis.Redis(...)`. redis-py retries a timed-out
    command by default, and for a lock that is wrong: a `SET key token NX` whose reply was
    lost may have succeeded, so the retry either finds the key taken (the acquire looks
    failed while this client holds the lock) or, once that lease ran out, sets it again
    (one acquire grants the lock twice, the second lease starting later than the history
    says). Either way an op whose outcome was unknown is recorded as a definite one, and
    the checker judges a history that did not happen. With this client a timeout raises
    (`redis.TimeoutError`), the adapter lets it propagate, and the runner records `info`.

    `timeout` (seconds) bounds both connecting and each command. Replies are decoded to
    `str`. Needs the `vet` extra (`redis`).
    """
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
