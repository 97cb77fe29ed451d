"""A lock is caught through the Docker nemesis the same way as against a local process.

The same scripted run — client 0 acquires the seed's Redis lock (adapter ``seed-redis``),
the server suffers a fault, client 1 acquires — is played against a Redis child process
with the local `Nemesis` and against a Redis container with the `DockerNemesis`, recorded
as a Jepsen history (ops and nemesis events) and judged by taala's ordinary verdict. Both
targets give the same history shape and the same verdict: two holders at once.
"""

from __future__ import annotations

import threading
import time

import pytest
from taala.adapters.seed_redis import SeedRedisLock
from taala.checker.judge import judge
from taala.formats.event_fields import freeze
from taala.history import Event, History
from taala.nemesis import Nemesis
from taala.nemesis.containers import DockerNemesis
from taala.servers import start_redis

TTL = 1.0


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def add(self, type_, process, f, value=None, key="lock"):
        with self._lock:
            self.events.append(Event(len(self.events), type_, process, f, freeze(value),
                                     time.monotonic_ns(), key))

    def nemesis(self, event: dict) -> None:
        with self._lock:
            self.events.append(Event(len(self.events), "info", "nemesis", event["f"],
                                     freeze(event.get("value")), event.get("time")))

    def op(self, process, f, call):
        self.add("invoke", process, f)
        result = call()
        self.add("ok" if result else "fail", process, f, result if result else None)
        return result


def play(node, nemesis_cls, fault: str) -> History:
    """[acquire 0, <fault> on the server, acquire 1] with the seed's lock."""
    rec = Recorder()
    clients = [SeedRedisLock([node.address], ttl=TTL, client=c) for c in (0, 1)]
    try:
        with nemesis_cls(record=rec.nemesis) as nemesis:
            assert rec.op(0, "acquire", lambda: clients[0].acquire("lock"))
            if fault == "node-pause":  # the server stands still past the lease, then resumes
                nemesis.pause(node)
                time.sleep(2 * TTL)
                nemesis.resume(node)
            else:  # kill: crash, and come back without the data
                nemesis.kill(node)
                nemesis.restart(node, wipe=True)
            for c in clients:
                c.redis.connection_pool.disconnect()  # their sockets died with the server
            rec.op(1, "acquire", lambda: clients[1].acquire("lock"))
    finally:
        for c in clients:
            c.close()
    return History(rec.events, source=f"<seed-redis {fault}>")


def shape(history: History) -> list[tuple]:
    return [(e.process, e.type, e.f) for e in history.events]


@pytest.mark.parametrize("fault", ["node-pause", "kill"])
def test_seed_redis_is_caught_the_same_in_a_container_as_in_a_process(
        fault, redis_containers, tmp_path):
    assert SeedRedisLock.expectations[fault].verdict == "unsafe"
    with start_redis(1, workdir=tmp_path / "local") as cluster:
        local = play(cluster[0], Nemesis, fault)
    (container,) = redis_containers(1)
    docker = play(container, DockerNemesis, fault)

    assert shape(docker) == shape(local)
    verdicts = [judge(h, fenced=False, time_limit=10.0) for h in (local, docker)]
    assert [v.violation for v in verdicts] == [True, True]
    assert [v.lock.valid for v in verdicts] == [False, False]
    # two clients were granted the lock, and nobody released it in between
    granted = [[e.process for e in h.events if e.f == "acquire" and e.type == "ok"]
               for h in (local, docker)]
    assert granted == [[0, 1], [0, 1]]
    # the fault is in the history exactly as the local nemesis records it
    faults = [[e.f for e in h.events if e.process == "nemesis"] for h in (local, docker)]
    assert faults[0] == faults[1] == (["start-pause", "stop-pause"] if fault == "node-pause"
                                      else ["kill", "restart"])
