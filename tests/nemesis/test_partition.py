"""Network partitions inside private namespaces (root only), and through the TCP proxy."""

import time

import pytest
import redis
from taala.nemesis import TcpProxy


def test_isolated_node_is_unreachable_and_reachable_after_heal(private_network, redis_servers,
                                                              client_for, nemesis,
                                                              nemesis_history):
    a, b = redis_servers(2, network=private_network())
    assert a.host.startswith("10.213.") and a.netns
    nemesis.isolate(a)
    with pytest.raises(redis.TimeoutError):
        client_for(a, timeout=0.3).ping()
    assert client_for(b).ping()
    nemesis.heal_network()
    assert client_for(a).ping()
    assert [e["f"] for e in nemesis_history] == ["partition", "heal"]


def test_lost_replies_hide_a_granted_lock(private_network, redis_servers, client_for, nemesis):
    (a,) = redis_servers(1, network=private_network())
    client = client_for(a, timeout=0.3)
    assert client.ping()  # connected before the fault: a new handshake would fail outright
    nemesis.isolate(a, direction="out")  # requests arrive, replies are lost
    with pytest.raises(redis.TimeoutError):
        client.set("lock:p", "t1", nx=True, px=30000)
    nemesis.heal_network()
    assert client_for(a).get("lock:p") == b"t1"  # the client thinks it failed; it holds the lock


def test_peer_partition_cuts_nodes_from_each_other_not_from_clients(private_network,
                                                                   redis_servers, client_for,
                                                                   nemesis):
    a, b, c = redis_servers(3, network=private_network())
    nemesis.partition([[a], [b, c]])
    # a can no longer reach b: ask a to MIGRATE a key to b (a server-to-server connection)
    ca = client_for(a, timeout=3)
    ca.set("k", "v")
    with pytest.raises(redis.ResponseError, match="IOERR|timeout"):
        ca.migrate(b.host, b.port, "k", 0, 500)
    assert client_for(a).ping() and client_for(b).ping()  # clients reach both sides
    nemesis.heal_network()
    assert ca.migrate(b.host, b.port, "k", 0, 2000)
    assert client_for(b).get("k") == b"v"


def test_proxy_adds_latency_drops_and_heals(redis_servers, client_for, nemesis, nemesis_history):
    (a,) = redis_servers(1)
    with TcpProxy(a.host, a.port) as proxy:
        via = client_for(proxy, timeout=1.0)
        assert via.set("k", "v")
        nemesis.delay(proxy, 0.2)
        started = time.monotonic()
        assert via.get("k") == b"v"
        assert 0.35 < time.monotonic() - started < 0.9  # 0.2 s each way
        nemesis.heal_proxy(proxy)
        fast = client_for(proxy, timeout=0.3)
        assert fast.ping()  # connected (and handshaken) before the fault
        nemesis.drop(proxy, "out")
        with pytest.raises(redis.TimeoutError):
            fast.set("lock:p", "t1", nx=True)
        assert client_for(a).get("lock:p") == b"t1"  # the request did arrive
        nemesis.heal_proxy(proxy)
        assert client_for(proxy).ping()
    assert [e["f"] for e in nemesis_history] == ["start-delay", "heal", "partition", "heal"]


def test_proxy_only_targets_loopback_or_taalas_own_private_network():
    with pytest.raises(ValueError, match="loopback"):
        TcpProxy("192.0.2.1", 6379)
    with pytest.raises(ValueError, match="loopback"):
        TcpProxy("10.213.40.2", 6379, subnet="10.213.4")  # a prefix of the subnet is not the subnet
    TcpProxy("10.213.4.2", 6379, subnet="10.213.4").close()  # node-partition's nodes: allowed
