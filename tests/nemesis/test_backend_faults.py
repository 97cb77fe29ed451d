"""Process faults on the other backends: what a pause, a kill and a restart really do."""

import time

import pytest


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def test_paused_etcd_leader_is_replaced_and_killed_member_keeps_its_data(etcd_servers, nemesis):
    from etcd3gw.client import Etcd3Client
    cluster = etcd_servers(3)
    leader = cluster.leader()
    others = [s for s in cluster if s is not leader]
    nemesis.pause(leader)
    assert _wait_for(lambda: any(s.is_leader() for s in others), 10)
    nemesis.resume(leader)
    follower = others[0]
    Etcd3Client(host=follower.host, port=follower.port, timeout=5).put("k", "v")
    nemesis.kill(follower)
    nemesis.restart(follower)
    assert Etcd3Client(host=follower.host, port=follower.port, timeout=5).get("k") == [b"v"]


def test_killed_postgres_releases_advisory_locks(postgres_server, nemesis):
    import psycopg
    holder = psycopg.connect(postgres_server.dsn, autocommit=True)
    assert holder.execute("select pg_try_advisory_lock(7)").fetchone() == (True,)
    nemesis.kill(postgres_server)
    nemesis.restart(postgres_server)
    with psycopg.connect(postgres_server.dsn, autocommit=True) as other:
        assert other.execute("select pg_try_advisory_lock(7)").fetchone() == (True,)
    with pytest.raises(psycopg.OperationalError):
        holder.execute("select 1")
    holder.close()


def test_paused_mariadb_does_not_answer(mariadb_server, nemesis):
    import pymysql
    nemesis.pause(mariadb_server)
    with pytest.raises(pymysql.err.OperationalError):
        pymysql.connect(host=mariadb_server.host, port=mariadb_server.port, user="root",
                        connect_timeout=1, read_timeout=1)
    nemesis.resume(mariadb_server)
    pymysql.connect(host=mariadb_server.host, port=mariadb_server.port, user="root").close()


def test_restarted_memcached_has_lost_the_lock(memcached_server, nemesis):
    from pymemcache.client.base import Client
    Client((memcached_server.host, memcached_server.port), timeout=1).set("lock", b"a", expire=60)
    nemesis.kill(memcached_server)
    nemesis.restart(memcached_server)
    client = Client((memcached_server.host, memcached_server.port), timeout=1)
    assert client.get("lock") is None
    assert client.add("lock", b"b", expire=60, noreply=False)
