"""Helpers for the tests against real servers."""

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


REAL_SERVER_DIRS = ("servers", "nemesis")  # tests/adapters sets its own


def pytest_collection_modifyitems(items):
    """Real servers must never hang a run: every test against them gets a hard time limit."""
    here = Path(__file__).parent
    dirs = [here / d for d in REAL_SERVER_DIRS]
    for item in items:
        path = Path(item.fspath)
        if any(d in path.parents for d in dirs) and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(90))
