"""pytest plugin: real lock servers as fixtures, and their logs on failing tests.

Factories (function-scoped; every server they start is closed after the test, so tests
may kill, pause and clock-jump freely):

- ``redis_servers(nodes=1, clock=False, persistence="none", network=None)``
- ``zookeeper_servers(nodes=1|3, network=None)``, ``etcd_servers(nodes=1|3, network=None)``
- ``private_network()``: a `PrivateNetwork` (skips the test when not root)
- ``nemesis``: a `Nemesis` healed after the test; its events land in ``nemesis_history``

Shared servers (session-scoped, one per xdist worker: only for tests that leave them as
they found them): ``zookeeper_ensemble``, ``etcd_cluster``, ``postgres_server``,
``mariadb_server``, ``memcached_server``.

Servers write their logs under pytest's tmp directory; when a test fails, the tail of
every live server's log is attached to its report as a section.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from taala.servers.base import live_servers

_MAX_LOGS_PER_REPORT = 8
FULL_TIER_MIN_TTL = 2.0  # adapters with leases this long are vetted in the full tier only


def _factory(tmp_path_factory: pytest.TempPathFactory, start: Callable[..., Any],
             kind: str) -> Iterator[Callable[..., Any]]:
    started: list[Any] = []

    def make(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("workdir", tmp_path_factory.mktemp(kind))
        cluster = start(*args, **kwargs)
        started.append(cluster)
        return cluster

    yield make
    for cluster in reversed(started):
        cluster.close()


@pytest.fixture
def redis_servers(tmp_path_factory):
    from taala.servers.redis import start_redis
    yield from _factory(tmp_path_factory, start_redis, "redis")


@pytest.fixture
def zookeeper_servers(tmp_path_factory):
    from taala.servers.zookeeper import start_zookeeper
    yield from _factory(tmp_path_factory, start_zookeeper, "zookeeper")


@pytest.fixture
def etcd_servers(tmp_path_factory):
    from taala.servers.etcd import start_etcd
    yield from _factory(tmp_path_factory, start_etcd, "etcd")


@pytest.fixture
def private_network():
    """Factory of private networks (namespaces + bridge); skips the test without root."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    from taala.servers.network import PrivateNetwork
    networks: list[PrivateNetwork] = []

    def make() -> PrivateNetwork:
        networks.append(PrivateNetwork())
        return networks[-1]

    yield make
    for network in networks:
        network.close()


@pytest.fixture
def nemesis_history() -> list[dict]:
    return []


@pytest.fixture
def nemesis(nemesis_history):
    from taala.nemesis import Nemesis
    with Nemesis(record=nemesis_history.append) as n:
        yield n


def _session_server(tmp_path_factory, start: Callable[..., Any], kind: str, **kwargs):
    server = start(workdir=tmp_path_factory.mktemp(kind), **kwargs)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def zookeeper_ensemble(tmp_path_factory):
    from taala.servers.zookeeper import start_zookeeper
    yield from _session_server(tmp_path_factory, start_zookeeper, "zookeeper", nodes=3)


@pytest.fixture(scope="session")
def etcd_cluster(tmp_path_factory):
    from taala.servers.etcd import start_etcd
    yield from _session_server(tmp_path_factory, start_etcd, "etcd", nodes=3)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    from taala.servers.postgres import start_postgres
    yield from _session_server(tmp_path_factory, start_postgres, "postgres")


@pytest.fixture(scope="session")
def mariadb_server(tmp_path_factory):
    from taala.servers.mariadb import start_mariadb
    yield from _session_server(tmp_path_factory, start_mariadb, "mariadb")


@pytest.fixture(scope="session")
def memcached_server(tmp_path_factory):
    from taala.servers.memcached import start_memcached
    yield from _session_server(tmp_path_factory, start_memcached, "memcached")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    for server in list(live_servers)[:_MAX_LOGS_PER_REPORT]:
        report.sections.append(
            (f"taala {server.kind} {server.name} log ({server.log_path})", server.log_tail(30)))


# --- vetting budgets (used by verifier/test_adapters.py and by users' own vetting tests) ---

def pytest_addoption(parser):
    group = parser.getgroup("taala")
    group.addoption(
        "--taala-budget",
        type=float,
        default=None,
        help="Scale every vetting budget by this factor (default 1, or $TAALA_BUDGET); "
        "e.g. 10 for a nightly run.",
    )
    group.addoption(
        "--taala-tier",
        choices=("quick", "full"),
        default=None,
        help="quick (default, or $TAALA_TIER): leave out adapters whose shortest lease is "
        f"{FULL_TIER_MIN_TTL:g} s or more (minutes per fault); full: every adapter.",
    )
    group.addoption(
        "--taala-adapter",
        action="append",
        default=None,
        metavar="NAME",
        help="Vet only this adapter in taala.test_adapters (repeatable; a registered name or "
        "module:Class). Default: every adapter installed.",
    )
    group.addoption(
        "--taala-seeds",
        default=None,
        metavar="A:B",
        help="Run every vetting case once per seed A, A+1, ..., B-1 (the campaign's random "
        "seed; default, or $TAALA_SEEDS: one run with a fresh seed). Machines given "
        "disjoint ranges run one longer campaign between them.",
    )


def taala_tier(config) -> str:
    """Which adapters `taala.test_adapters` vets: "quick" or "full" (see --taala-tier)."""
    return config.getoption("--taala-tier") or os.environ.get("TAALA_TIER", "quick")


@pytest.fixture(scope="session")
def taala_budget(request) -> float:
    """The factor vetting budgets are multiplied by (--taala-budget, else $TAALA_BUDGET, else 1)."""
    value = request.config.getoption("--taala-budget")
    if value is None:
        value = float(os.environ.get("TAALA_BUDGET", "1"))
    return value


def taala_seeds(config) -> list[int] | None:
    """The seeds --taala-seeds (or $TAALA_SEEDS) names, or None for one fresh seed per case."""
    spec = config.getoption("--taala-seeds") or os.environ.get("TAALA_SEEDS")
    if not spec:
        return None
    first, sep, end = spec.partition(":")
    try:
        seeds = list(range(int(first), int(end))) if sep else [int(first)]
    except ValueError:
        raise pytest.UsageError(f"--taala-seeds {spec}: give A:B (seeds A to B-1) or one seed") from None
    if not seeds:
        raise pytest.UsageError(f"--taala-seeds {spec}: the range is empty (B must be above A)")
    return seeds


def pytest_configure(config):
    taala_seeds(config)  # a bad --taala-seeds is a usage error before anything is collected


def pytest_generate_tests(metafunc):
    if "taala_seed" in metafunc.fixturenames and (seeds := taala_seeds(metafunc.config)) is not None:
        metafunc.parametrize("taala_seed", seeds, ids=[f"seed{n}" for n in seeds], indirect=True)


@pytest.fixture
def taala_seed(request) -> int | None:
    """This case's campaign seed (see --taala-seeds); None: a fresh one."""
    return getattr(request, "param", None)
