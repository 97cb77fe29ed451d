"""Helpers for tests against real servers."""

from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


def redis_client(server, timeout: float = 0.5) -> redis.Redis:
    """A client that fails fast: redis-py 8 retries timeouts 10 times by default (9 s)."""
    return redis.Redis(host=server.host, port=server.port, socket_timeout=timeout,
                       socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0))


@pytest.fixture
def client_for():
    clients = []

    def make(server, timeout: float = 0.5) -> redis.Redis:
        clients.append(redis_client(server, timeout))
        return clients[-1]

    yield make
    for c in clients:
        c.close()


def pytest_collection_modifyitems(items):
    """Real servers must never hang a run: every test here gets a hard time limit."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(90))
