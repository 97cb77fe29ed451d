"""Every backend starts on free ports, serves its lock primitive, and stops cleanly."""

import time

import psutil
import pytest


def _gone(pid):
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_zookeeper_standalone_serves_a_kazoo_lock(zookeeper_servers):
    from kazoo.client import KazooClient
    ensemble = zookeeper_servers(1)
    assert ensemble[0].mode() == "standalone"
    a, b = KazooClient(hosts=ensemble.hosts, timeout=5), KazooClient(hosts=ensemble.hosts, timeout=5)
    a.start(timeout=10), b.start(timeout=10)
    try:
        assert a.Lock("/locks/r", "a").acquire(timeout=2)
        assert not b.Lock("/locks/r", "b").acquire(blocking=False)
    finally:
        a.stop(), b.stop(), a.close(), b.close()


def test_zookeeper_ensemble_has_one_leader(zookeeper_ensemble):
    modes = sorted(s.mode() for s in zookeeper_ensemble)
    assert modes == ["follower", "follower", "leader"]
    assert zookeeper_ensemble.leader() is not None
    assert zookeeper_ensemble.hosts.count(",") == 2


def test_etcd_cluster_serves_a_lease_lock(etcd_cluster):
    from etcd3gw.client import Etcd3Client
    assert etcd_cluster.leader() is not None
    first, last = etcd_cluster[0], etcd_cluster[2]
    a = Etcd3Client(host=first.host, port=first.port).lock("res", ttl=5)
    b = Etcd3Client(host=last.host, port=last.port).lock("res", ttl=5)
    assert a.acquire()
    assert not b.acquire()
    assert a.release()
    assert b.acquire()
    b.release()


def test_etcd_single_node_starts_and_stops(etcd_servers):
    (node,) = etcd_servers(1)
    assert node.probe() and node.is_leader()
    pid = node.pid
    node.stop()
    assert _gone(pid) and not node.running


def test_postgres_advisory_lock(postgres_server):
    import psycopg
    with psycopg.connect(postgres_server.dsn, autocommit=True) as a, \
            psycopg.connect(postgres_server.dsn, autocommit=True) as b:
        assert a.execute("select pg_try_advisory_lock(42)").fetchone() == (True,)
        assert b.execute("select pg_try_advisory_lock(42)").fetchone() == (False,)
        assert a.execute("select pg_advisory_unlock(42)").fetchone() == (True,)
        assert b.execute("select pg_try_advisory_lock(42)").fetchone() == (True,)


def test_postgres_runs_unprivileged_and_survives_pause(postgres_server):
    import psycopg
    if psutil.Process().username() == "root":
        assert psutil.Process(postgres_server.pid).username() == "postgres"
    postgres_server.pause()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(postgres_server.dsn, connect_timeout=1)
    postgres_server.resume()
    with psycopg.connect(postgres_server.dsn) as conn:
        assert conn.execute("select 1").fetchone() == (1,)


def test_mariadb_named_lock(mariadb_server):
    import pymysql
    a = pymysql.connect(host=mariadb_server.host, port=mariadb_server.port, user="root")
    b = pymysql.connect(host=mariadb_server.host, port=mariadb_server.port, user="root")
    try:
        ca, cb = a.cursor(), b.cursor()
        ca.execute("SELECT GET_LOCK('r', 0)")
        assert ca.fetchone() == (1,)
        cb.execute("SELECT GET_LOCK('r', 0)")
        assert cb.fetchone() == (0,)
        ca.execute("SELECT RELEASE_LOCK('r')")
        cb.execute("SELECT GET_LOCK('r', 0)")
        assert cb.fetchone() == (1,)
    finally:
        a.close(), b.close()


def test_memcached_add_is_exclusive_and_expires(memcached_server):
    from pymemcache.client.base import Client
    client = Client((memcached_server.host, memcached_server.port), timeout=1)
    key = f"lock-{time.monotonic_ns()}"
    assert client.add(key, b"a", expire=1, noreply=False)
    assert not client.add(key, b"b", expire=1, noreply=False)
    time.sleep(2.1)
    assert client.add(key, b"b", expire=1, noreply=False)
    client.close()
