"""Adapter semantics tests run against real servers: none may hang a run.

Shared fixtures: `servers(backend, nodes)` starts a backend's servers once per module, on
first use; `redis`, `postgres`, `mariadb`, `memcached` (one server) and `zookeeper`,
`etcd` (3 nodes) are those servers by name;
`make(name, client, ttl=None)` builds an adapter on its backend's servers (ttl: the
module's `TTL`, else the adapter's shortest lease or 1 s) and closes it after the test;
`key` is a fresh lock name. `tests.support.waiting` starts a blocking acquire in a thread.
"""

import uuid
from pathlib import Path

import pytest
from taala.adapters import get
from taala.servers import BACKENDS


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(60))


def addresses(cluster) -> list[str]:
    return [n.address for n in (cluster if hasattr(cluster, "__iter__") else [cluster])]


@pytest.fixture(scope="module")
def servers():
    started: dict = {}

    def servers(backend: str, nodes: int = 1):
        if (backend, nodes) not in started:
            start, takes_nodes = BACKENDS[backend]
            started[backend, nodes] = start(nodes) if takes_nodes else start()
        return started[backend, nodes]

    yield servers
    for cluster in started.values():
        cluster.close()


@pytest.fixture(scope="module")
def redis(servers):
    return servers("redis")


@pytest.fixture(scope="module")
def postgres(servers):
    return servers("postgres")


@pytest.fixture(scope="module")
def mariadb(servers):
    return servers("mariadb")


@pytest.fixture(scope="module")
def memcached(servers):
    return servers("memcached")


@pytest.fixture(scope="module")
def zookeeper(servers):
    return servers("zookeeper", 3)


@pytest.fixture(scope="module")
def etcd(servers):
    return servers("etcd", 3)


@pytest.fixture
def make(servers, request):
    made = []

    def make(name, client, ttl=None):
        cls = get(name)
        where = addresses(servers(cls.backend, max(1, cls.nodes))) if cls.backend else []
        ttl = ttl or getattr(request.module, "TTL", None) or max(1.0, cls.min_ttl)
        adapter = cls(where, ttl=ttl, client=client)
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        adapter.close()


@pytest.fixture
def key():
    return f"taala-test-{uuid.uuid4().hex[:8]}"
