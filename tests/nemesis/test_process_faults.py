"""Pause, kill and restart real Redis nodes; every fault recorded and healed."""

import time

import pytest
import redis
from taala.nemesis import Nemesis


def test_paused_redis_stops_answering_and_answers_after_resume(redis_servers, client_for,
                                                               nemesis, nemesis_history):
    a, b = redis_servers(2)
    client_for(a).set("k", "v")
    nemesis.pause(a)
    with pytest.raises(redis.TimeoutError):
        client_for(a, timeout=0.3).get("k")
    assert client_for(b).ping()  # the other node is untouched
    nemesis.resume(a)
    assert client_for(a).get("k") == b"v"
    assert [e["f"] for e in nemesis_history] == ["start-pause", "stop-pause"]
    assert nemesis_history[0]["value"]["node"] == a.name
    assert {e["process"] for e in nemesis_history} == {"nemesis"}
    assert nemesis_history[0]["time"] < nemesis_history[1]["time"]


def test_timed_pause_resumes_by_itself(redis_servers, client_for, nemesis):
    (a,) = redis_servers(1)
    nemesis.pause(a, duration=0.3)
    time.sleep(0.6)
    assert client_for(a).ping()
    assert nemesis.active == []


def test_restart_without_persistence_loses_the_lock(redis_servers, client_for, nemesis,
                                                     nemesis_history):
    (a,) = redis_servers(1)
    assert client_for(a).set("lock:a", "tok1", nx=True, px=60000)
    nemesis.kill(a)
    with pytest.raises(redis.ConnectionError):
        client_for(a).get("lock:a")
    nemesis.restart(a)
    assert client_for(a).get("lock:a") is None
    assert client_for(a).set("lock:a", "tok2", nx=True, px=60000)  # a second holder
    assert [e["f"] for e in nemesis_history] == ["kill", "restart"]


def test_restart_with_persistence_keeps_it_unless_wiped(redis_servers, client_for, nemesis):
    (a,) = redis_servers(1, persistence="aof")
    client_for(a).set("lock:a", "tok1", px=60000)
    nemesis.kill(a)
    nemesis.restart(a)
    assert client_for(a).get("lock:a") == b"tok1"
    nemesis.kill(a)
    nemesis.restart(a, wipe=True)
    assert client_for(a).get("lock:a") is None


def test_heal_undoes_composed_faults_whatever_happens(redis_servers, client_for):
    a, b, c = redis_servers(3, clock=True)
    events = []
    with pytest.raises(RuntimeError, match="boom"):
        with Nemesis(record=events.append) as nemesis:
            nemesis.pause(a)
            nemesis.kill(b)
            nemesis.clock_jump(c, 3600)
            raise RuntimeError("boom")
    assert all(client_for(s).ping() for s in (a, b, c))
    assert abs(int(client_for(c).time()[0]) - time.time()) < 5
    assert [e["f"] for e in events] == [
        "start-pause", "kill", "clock-jump", "clock-reset", "restart", "stop-pause"]
