"""The Docker nemesis against real Redis in containers of a private dockerd: every fault
acts, is recorded, and is healed."""

import time

import pytest
import redis
from taala.nemesis.containers import DockerNemesis


@pytest.fixture
def history():
    return []


@pytest.fixture
def nemesis(history):
    with DockerNemesis(record=history.append) as n:
        yield n


def test_pause_freezes_the_container_and_resume_thaws_it(redis_containers, client_for,
                                                         nemesis, history):
    a, b = redis_containers(2)
    client_for(a).set("k", "v")
    nemesis.pause(a)
    assert a.paused
    with pytest.raises(redis.TimeoutError):
        client_for(a, timeout=0.3).get("k")
    assert client_for(b).ping()  # the other container is untouched
    nemesis.resume(a)
    assert client_for(a).get("k") == b"v"
    assert [e["f"] for e in history] == ["start-pause", "stop-pause"]
    assert history[0]["value"] == {"node": a.name, "address": a.address}


def test_kill_and_restart_loses_what_redis_kept_in_memory(redis_containers, client_for,
                                                          nemesis, history):
    (a,) = redis_containers(1)
    assert client_for(a).set("lock:a", "tok1", nx=True, px=60000)
    nemesis.kill(a)
    assert not a.running
    with pytest.raises((redis.ConnectionError, redis.TimeoutError)):  # its address is gone
        client_for(a, timeout=0.3).get("lock:a")
    nemesis.restart(a)
    assert client_for(a).get("lock:a") is None
    assert client_for(a).set("lock:a", "tok2", nx=True, px=60000)  # a second holder
    assert [e["f"] for e in history] == ["kill", "restart"]


def test_a_wiped_restart_empties_the_volume_a_plain_one_keeps(redis_containers, client_for,
                                                              nemesis, history):
    (a,) = redis_containers(1, persistence="aof")
    old_id = a.container.id
    client_for(a).set("lock:a", "tok1", px=60000)
    nemesis.kill(a)
    nemesis.restart(a)
    assert client_for(a).get("lock:a") == b"tok1"  # the AOF on the volume survived
    nemesis.kill(a)
    nemesis.restart(a, wipe=True)
    assert a.container.id != old_id  # a new container, same name, same address
    assert client_for(a).get("lock:a") is None
    assert history[-1]["f"] == "restart" and history[-1]["value"]["wipe"] is True


def test_killing_a_paused_container_then_healing_brings_it_back(redis_containers, client_for):
    (a,) = redis_containers(1)
    events = []
    with DockerNemesis(record=events.append) as nemesis:
        nemesis.pause(a)
        nemesis.kill(a)
    assert client_for(a).ping()
    assert [e["f"] for e in events] == ["start-pause", "kill", "restart"]


def test_disconnect_cuts_the_node_off_and_reconnect_restores_its_address(
        redis_containers, client_for, nemesis, history):
    a, b = redis_containers(2)
    address = a.address
    client_for(a).set("k", "v")
    nemesis.disconnect(a)
    with pytest.raises((redis.TimeoutError, redis.ConnectionError)):
        client_for(a, timeout=0.3).get("k")
    assert client_for(b).ping()
    nemesis.heal_network()
    assert a.address == address
    assert client_for(a).get("k") == b"v"  # cut off, not restarted
    assert [e["f"] for e in history] == ["partition", "heal"]
    assert history[0]["value"]["network"] == a.network_names[0]


def test_group_partitions_and_partial_cuts_are_refused_with_the_reason(redis_containers, nemesis):
    a, b = redis_containers(2)
    with pytest.raises(Exception, match="one network per group"):
        nemesis.partition([[a], [b]])
    with pytest.raises(Exception, match="both ways"):
        nemesis.isolate(a, direction="in")
    assert nemesis.active == []


def test_clock_jump_inside_the_container_expires_a_lock(redis_containers, client_for, nemesis,
                                                        history):
    (a,) = redis_containers(1, clock=True)
    assert client_for(a).set("lock:a", "tok1", nx=True, px=30000)
    nemesis.clock_jump(a, 60)
    assert client_for(a).get("lock:a") is None  # expired at once by the moved wall clock
    nemesis.reset_clock(a)
    assert abs(int(client_for(a).time()[0]) - time.time()) < 5
    assert [e["f"] for e in history] == ["clock-jump", "clock-reset"]


def test_a_clock_jump_on_a_container_without_a_fake_clock_is_refused(redis_containers, nemesis):
    (a,) = redis_containers(1)
    with pytest.raises(ValueError, match="without a fake clock"):
        nemesis.clock_jump(a, 60)


def test_heal_undoes_composed_faults_whatever_happens(redis_containers, client_for):
    a, b, c = redis_containers(3)
    events = []
    with pytest.raises(RuntimeError, match="boom"), DockerNemesis(record=events.append) as nemesis:
        nemesis.pause(a)
        nemesis.kill(b)
        nemesis.disconnect(c)
        raise RuntimeError("boom")
    assert all(client_for(s).ping() for s in (a, b, c))
    assert [e["f"] for e in events] == [
        "start-pause", "kill", "partition", "heal", "restart", "stop-pause"]
