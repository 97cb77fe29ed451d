"""The concurrent engine on real servers: ops in flight at once, blocking acquires, isolated
runs, the fault registry, honest "inconclusive" verdicts and process hygiene."""

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from taala.adapters import get
from taala.checker.judge import judge
from taala.faults import FAULTS, REGISTRY
from taala.runner import Environment, run
from taala.schedule import describe, durations, schedules, validate
from taala.vet import INCONCLUSIVE, vet
from tests.support.signals import default_sigint

pytestmark = pytest.mark.timeout(300)
BROKEN = "tests.vet.broken_adapters"


def _ops(history):
    return [(e.type, e.process, e.f) for e in history.events if not e.is_nemesis]


def test_a_blocked_waiter_gets_the_lock_right_after_the_holders_release():
    with Environment(get("postgres-advisory")) as env:
        result = run(env, [["acquire", 0], ["acquire", 1], ["read", 0], ["write", 0], ["release", 0],
                           ["write", 1], ["release", 1]], ttl=0.25, clients=2)
    events = [e for e in result.history.events if not e.is_nemesis]
    order = [(e.type, e.process, e.f) for e in events]
    # the waiter's acquire was invoked before the holder even read, and completed only
    # after the holder's release was invoked: it really waited, in flight, for the release
    waiter_invoke = order.index(("invoke", 1, "acquire"))
    holder_read = order.index(("invoke", 0, "read"))
    holder_release = order.index(("invoke", 0, "release"))
    waiter_ok = order.index(("ok", 1, "acquire"))
    assert waiter_invoke < holder_read < holder_release < waiter_ok
    gap_ms = (events[waiter_ok].time - events[holder_release].time) / 1e6
    assert gap_ms < 2000, f"the waiter took {gap_ms:.0f} ms after the release"
    assert not judge(result.history, fenced=False).violation
    assert ("ok", 1, "cas") in order


def test_the_drain_lets_a_slow_acquire_land_before_holders_release():
    """An acquire still in flight when the schedule ends (slowed past the patience window,
    as by a reconnect) meets the holder it overlaps: the drain does not release the holder
    under it first, which would hide the two holders."""
    with Environment(get(f"{BROKEN}:SlowSecondClient")) as env:
        result = run(env, [["acquire", 0], ["acquire", 1]], ttl=0.25, clients=2)
    order = _ops(result.history)
    assert order.index(("ok", 1, "acquire")) < order.index(("invoke", 0, "release"))
    assert judge(result.history, fenced=False).violation


def test_a_client_pause_waits_for_that_clients_acquire_to_land():
    """`acquire 0, pause 0` pauses the holder, never the acquire half-way: minimal
    schedules replay the same way."""
    with Environment(get("seed-redis")) as env:
        for _ in range(3):
            result = run(env, [["acquire", 0], ["pause", 0, 1.1], ["acquire", 1]], ttl=0.25, clients=2)
            kinds = [(e.type, e.process, e.f) for e in result.history.events]
            assert kinds.index(("ok", 0, "acquire")) < kinds.index(("info", "nemesis", "start-client-pause"))
            assert judge(result.history, fenced=False).violation


def test_every_run_locks_a_fresh_key_so_a_leftover_hold_cannot_leak_into_the_next_run():
    with Environment(get("postgres-advisory")) as env:
        first = run(env, [["acquire", 0]], ttl=0.25, clients=1)
        key_one = env.lock_key
        second = run(env, [["acquire", 0]], ttl=0.25, clients=1)
        assert env.lock_key != key_one
    for result in (first, second):
        assert ("ok", 0, "acquire") in _ops(result.history)


def test_steps_that_did_nothing_are_marked():
    with Environment(get("seed-redis")) as env:
        result = run(env, [["release", 0], ["acquire", 0], ["acquire", 0], ["pause", 1, 1.1], ["kill", 0]],
                     ttl=0.25, clients=2)
    # release by a non-holder, a holder's second acquire, a pause of a client holding nothing
    assert result.acted == [False, True, False, False, True]
    assert result.acted_schedule == [["acquire", 0], ["kill", 0]]


def test_the_registry_is_the_one_source_of_faults():
    assert set(FAULTS) == {"none"} | set(REGISTRY)
    for name, fault in REGISTRY.items():
        step = [name, 0, 1.1] if fault.timed else [name, 0]
        assert validate([step], clients=2, nodes=1) == [], name
        assert describe(step) == fault.describe(0, 1.1 if fault.timed else None)
        assert validate([[name, 0, 1.1, 7]], clients=2, nodes=1), f"{name}: wrong arity accepted"
    from hypothesis import given, settings

    seen = set()

    @settings(max_examples=300, deadline=None)
    @given(schedules(list(REGISTRY), clients=2, nodes=3, timing={"lease": 1.0, "renewal": 0.66}))
    def collect(schedule):
        assert validate(schedule, clients=2, nodes=3) == []
        seen.update(step[0] for step in schedule)

    collect()
    assert set(REGISTRY) <= seen


def test_durations_sit_just_below_and_above_each_declared_duration():
    values = durations({"lease": 1.0, "renewal": 2 / 3})
    assert values == sorted(values)
    assert 0.9 in values and 1.1 in values and 0.6 in values and 0.73 in values


def test_a_campaign_whose_acquires_all_raise_is_inconclusive_and_says_why(tmp_path):
    campaign = vet(get(f"{BROKEN}:RaisingAcquire"), ["none"], budget=6, store=tmp_path, seed=1)
    assert campaign.outcome == INCONCLUSIVE and not campaign.violation
    assert any("acquires ended unknown" in r and "TypeError" in r for r in campaign.reasons), campaign.reasons
    assert campaign.ops["acquire info"] > 0 and campaign.ops["acquire ok"] == 0
    # the library's traceback went to the client log, not to the terminal
    assert "TypeError" in (tmp_path / "raising-acquire" / "clients.log").read_text() or campaign.ops


def _taala(*args, timeout=240):
    return subprocess.run([sys.executable, "-m", "taala", *args], capture_output=True, text=True, timeout=timeout)


def test_cli_inconclusive_is_exit_3_with_the_reason(tmp_path):
    out = _taala("vet", f"{BROKEN}:RaisingAcquire", "--faults", "none", "--budget", "5", "--store", str(tmp_path))
    assert out.returncode == 3, out.stdout + out.stderr
    assert "INCONCLUSIVE" in out.stdout and "TypeError" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_cli_adapter_constructor_failure_is_one_line_and_exit_2(tmp_path):
    out = _taala("vet", f"{BROKEN}:BrokenConstructor", "--faults", "none", "--budget", "5", "--store", str(tmp_path))
    assert out.returncode == 2, out.stdout + out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "could not be set up" in lines[0] and "ConnectionRefusedError" in lines[0], out.stderr
    assert "Traceback" not in out.stdout + out.stderr


def test_cli_vet_json_says_what_was_declared_and_whether_it_matched(tmp_path):
    out = _taala("vet", "seed-redis", "--faults", "pause", "--budget", "60", "--store", str(tmp_path), "--json", "--seed", "3")
    assert out.returncode == 1, out.stderr
    data = json.loads(out.stdout)
    assert data["outcome"] == "violation" and data["expected"] == "unsafe" and data["matched"] is True
    assert data["ops"]["acquire ok"] >= 2
    assert len(data["schedule"]) <= 3, data["schedule"]


@pytest.mark.parametrize("change, needle", [
    (lambda d: d.update(clients=99), "clients must be an integer"),
    (lambda d: d.update(ttl=0), "ttl must be"),
    (lambda d: d.update(schedule=[["kill", 0]], adapter="no-lock"), "cannot take server faults"),
    (lambda d: d.update(schedule=[["pause", 0]]), "expected ['pause', number, leases]"),
    (lambda d: d.update(taala_reproducer=1), "re-run `taala vet`"),
])
def test_cli_replay_refuses_a_bad_reproducer_with_exit_2(tmp_path, change, needle):
    data = {"taala_reproducer": 2, "adapter": "seed-redis", "ttl": 0.25, "clients": 2,
            "schedule": [["acquire", 0], ["pause", 0, 1.1], ["acquire", 1]]}
    change(data)
    path = tmp_path / "reproducer.json"
    path.write_text(json.dumps(data))
    out = _taala("replay", str(path), "--runs", "1", timeout=60)
    assert out.returncode == 2, out.stdout + out.stderr
    assert needle in out.stderr and "Traceback" not in out.stderr


def test_kill_9_of_vet_leaves_no_client_or_server_process(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "taala", "vet", "seed-redis", "--faults", "none", "--budget", "120",
                             "--store", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + 60
        children = []
        while time.monotonic() < deadline:
            children = parent.children(recursive=True)
            if sum(1 for c in children if "redis" not in _cmdline(c)) >= 2:  # the clients are up
                break
            time.sleep(0.2)
        assert children, "vet never started its clients"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    alive = children
    deadline = time.monotonic() + 20
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in alive if _still_running(p)]
    assert not alive, [(p.pid, _cmdline(p)) for p in alive]


def _cmdline(p: psutil.Process) -> str:
    try:
        return " ".join(p.cmdline())
    except psutil.Error:  # gone already (a short-lived helper)
        return "redis"


def _still_running(p: psutil.Process) -> bool:
    """Orphans are reparented to PID 1, which here may be slow to reap them: a zombie is dead."""
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_ctrl_c_exits_130_and_keeps_what_was_found(tmp_path):
    # fenced-redis survives pauses, so the campaign is still searching when Ctrl-C comes
    # (seed-redis is caught by the first probe, in about 3 s)
    proc = subprocess.Popen([sys.executable, "-m", "taala", "vet", "fenced-redis", "--faults", "pause", "--budget", "300",
                             "--store", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)
    log = tmp_path / "fenced-redis" / "clients.log"
    deadline = time.monotonic() + 60
    while not log.exists() and time.monotonic() < deadline:  # the campaign has started
        time.sleep(0.2)
    time.sleep(8)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert "INTERRUPTED" in out and "Traceback" not in out + err
    assert "VIOLATION" not in out


def test_a_client_survives_the_late_close_of_sockets_it_inherited():
    import socket

    from taala.runner.client import ClientProcess
    from taala.servers import start_redis

    held = [socket.socketpair() for _ in range(4)]  # sockets the coordinator has open at fork time
    try:
        with start_redis(1) as redis:
            proc = ClientProcess(get(f"{BROKEN}:ClosesInheritedSockets"), redis.addresses, 1.0, 0, redis.addresses[0])
            try:
                assert proc.call("acquire", "k", timeout=10)[0] == "ok"
            finally:
                proc.stop()
    finally:
        for a, b in held:
            a.close()
            b.close()
