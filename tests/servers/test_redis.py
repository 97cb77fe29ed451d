"""Redis servers: N independent nodes on free ports, restart semantics, clear errors."""

import pytest
from taala.servers import base
from taala.servers.base import MissingBinaryError, StartupError
from taala.servers.redis import RedisServer, start_redis


def test_five_independent_servers_serve_on_distinct_ports(redis_servers, client_for):
    cluster = redis_servers(5)
    assert len({s.port for s in cluster}) == 5
    for i, server in enumerate(cluster):
        client_for(server).set("who", i)
    assert [int(client_for(s).get("who")) for s in cluster] == list(range(5))
    assert all(s.log_path.exists() and s.running for s in cluster)


def test_restart_keeps_port_and_aof_data(redis_servers, client_for):
    (server,) = redis_servers(1, persistence="aof")
    port = server.port
    client_for(server).set("lock:a", "tok1")
    server.kill()
    server.start()
    assert server.port == port
    assert client_for(server).get("lock:a") == b"tok1"


def test_close_frees_ports_and_stops_process(tmp_path):
    cluster = start_redis(2, workdir=tmp_path)
    pids = [s.pid for s in cluster]
    cluster.close()
    cluster.close()  # idempotent
    import psutil
    assert not [p for p in pids if psutil.pid_exists(p)
                and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]


def test_missing_binary_names_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.setattr(base.shutil, "which", lambda name: None)
    with pytest.raises(MissingBinaryError, match="redis-server"):
        RedisServer("r", tmp_path)


def test_failed_start_quotes_the_server_log(tmp_path):
    server = RedisServer("bad", tmp_path)
    server.command = lambda: ["redis-server", "--port", str(server.port), "--no-such-option", "x"]
    try:
        with pytest.raises(StartupError) as raised:
            server.start(timeout=5)
        message = str(raised.value)
        assert "redis-server" in message and "no-such-option" in message.lower()
    finally:
        server.close()


def test_port_taken_by_a_foreign_program_is_replaced(monkeypatch, tmp_path, client_for):
    """A program that ignores our port locks binds the port first: start over elsewhere."""
    import socket

    from taala.servers.ports import PortLease, reserve_ports
    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    busy = squatter.getsockname()[1]
    leases = iter([PortLease([busy])])
    monkeypatch.setattr(base, "reserve_ports", lambda n: next(leases, None) or reserve_ports(n))
    try:
        cluster = start_redis(1, workdir=tmp_path)
        try:
            assert cluster[0].port != busy
            assert "already in use" in cluster[0].log_path.read_text()  # the first try failed
            assert client_for(cluster[0]).ping()
        finally:
            cluster.close()
    finally:
        squatter.close()
