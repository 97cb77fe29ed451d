"""Redis connections that never retry behind our back.

redis-py 8 retries a timed-out command up to 10 times by default (infra notes §2): a
retried `SET NX` that had succeeded the first time hands one client the lock twice and
hides the timeout from the history. Every connection taala makes (the runner's resource,
and the adapters through `taala.adapters._redis`) disables retries, so a timeout surfaces
as an exception, which the runner records as `info`.
"""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from taala.adapter import host_port


def connect(address: str, timeout: float = 0.5) -> redis.Redis:
    host, port = host_port(address)
    return redis.Redis(
        host=host,
        port=port,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        decode_responses=True,
    )
