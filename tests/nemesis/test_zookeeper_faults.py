"""ZooKeeper sessions expire when the lock holder goes silent past the session timeout."""

import subprocess
import sys
import textwrap
import time

import pytest
from kazoo.client import KazooClient, KazooState
from taala.nemesis import ProcessClient, TcpProxy

SESSION_TIMEOUT = 2.0  # seconds; tickTime 500 ms allows 1-10 s


def _client(hosts: str) -> KazooClient:
    client = KazooClient(hosts=hosts, timeout=SESSION_TIMEOUT)
    client.start(timeout=10)
    return client


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def standalone(zookeeper_servers):
    return zookeeper_servers(1)


def test_partitioned_holder_loses_its_session_and_lock(standalone, nemesis):
    server = standalone[0]
    with TcpProxy(server.host, server.port) as proxy:
        holder, other = _client(proxy.address), _client(standalone.hosts)
        states = []
        holder.add_listener(states.append)
        try:
            assert holder.Lock("/locks/r", "holder").acquire(timeout=2)
            nemesis.drop(proxy)  # the holder's link goes silent
            # the server expires the session after the timeout: the other client gets the lock
            assert other.Lock("/locks/r", "other").acquire(timeout=SESSION_TIMEOUT * 4)
            nemesis.heal_proxy(proxy)
            assert _wait_for(lambda: KazooState.LOST in states, 10), states
        finally:
            for c in (holder, other):
                c.stop(), c.close()


HOLDER = textwrap.dedent("""
    import sys, time
    from kazoo.client import KazooClient
    client = KazooClient(hosts=sys.argv[1], timeout=float(sys.argv[2]))
    client.start(timeout=10)
    client.Lock("/locks/r", "holder").acquire(timeout=5)
    print("acquired", flush=True)
    time.sleep(60)
""")


def test_paused_holder_process_loses_the_lock(standalone, nemesis, nemesis_history):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, standalone.hosts, str(SESSION_TIMEOUT)],
                              stdout=subprocess.PIPE, text=True)
    other = _client(standalone.hosts)
    try:
        assert holder.stdout.readline().strip() == "acquired"
        lock = other.Lock("/locks/r", "other")
        assert not lock.acquire(blocking=False)
        nemesis.pause_client(ProcessClient(holder.pid, "holder"))  # a "GC pause"
        assert lock.acquire(timeout=SESSION_TIMEOUT * 4)
        assert [e["f"] for e in nemesis_history] == ["start-client-pause"]
    finally:
        nemesis.heal()
        holder.kill()
        holder.wait(5)
        other.stop(), other.close()


def test_clock_jump_on_zookeeper_is_modelled_as_a_pause(standalone, nemesis, nemesis_history):
    server = standalone[0]
    nemesis.clock_jump(server, 0.5)
    assert server.paused
    assert _wait_for(lambda: not server.paused, 5)
    assert server.mode() == "standalone"
    assert [e["f"] for e in nemesis_history] == ["clock-jump", "start-pause", "stop-pause"]
    assert nemesis_history[0]["value"]["modelled-as"] == "pause"


def test_isolated_leader_is_replaced(private_network, zookeeper_servers, nemesis):
    ensemble = zookeeper_servers(3, network=private_network())
    leader = ensemble.leader()
    others = [s for s in ensemble if s is not leader]
    nemesis.partition([[leader], others])
    assert _wait_for(lambda: any(_mode(s) == "leader" for s in others), 15)
    nemesis.heal_network()
    assert _wait_for(lambda: _mode(leader) == "follower", 15)


def _mode(server):
    try:
        return server.mode()
    except OSError:
        return None
