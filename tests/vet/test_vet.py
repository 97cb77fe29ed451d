"""The vetting pipeline end to end on real servers: runner, judge, shrink, reproducer, replay, CLI."""

import json
import subprocess
import sys

import pytest
import taala.cli  # noqa: F401  (registers the commands)
from taala.adapters import get
from taala.checker.judge import judge
from taala.cli.app import app
from taala.faults import REGISTRY
from taala.runner import Environment, run
from taala.schedule import schedules, validate
from taala.vet import load_reproducer, replay, vet, with_writes
from typer.testing import CliRunner

pytestmark = pytest.mark.timeout(180)


def test_two_holders_and_lost_update_are_both_seen():
    with Environment(get("no-lock")) as env:
        result = run(env, [["acquire", 0], ["acquire", 1], ["read", 0], ["read", 1], ["write", 0], ["write", 1]],
                     ttl=0.25, clients=2)
    verdict = judge(result.history, fenced=False)
    assert verdict.violation
    assert "two clients held 'lock' at once" in verdict.counterexample.explanation
    assert verdict.damage is not None and "cas from 0 to 1" in verdict.damage.explanation


def test_seed_redis_lock_is_safe_when_clients_take_turns():
    with Environment(get("seed-redis")) as env:
        result = run(env, [["acquire", 0], ["read", 0], ["write", 0], ["release", 0], ["acquire", 1], ["write", 1]],
                     ttl=0.25, clients=2)
    assert not judge(result.history, fenced=False).violation
    fs = [(e.type, e.f) for e in result.history.events if not e.is_nemesis]
    assert fs.count(("ok", "acquire")) == 2 and fs.count(("ok", "cas")) == 2


def test_fencing_turns_a_stale_holder_away():
    with Environment(get("fenced-redis")) as env:
        result = run(env, [["acquire", 0], ["read", 0], ["pause", 0, 2.0], ["acquire", 1], ["write", 1], ["write", 0]],
                     ttl=0.25, clients=2)
    verdict = judge(result.history, fenced=True)
    assert verdict.lock.valid is False  # two clients believed they held it...
    assert not verdict.violation  # ...but the resource rejected the stale one
    assert any(e.type == "fail" and e.f == "cas" for e in result.history.events)


def test_vet_finds_shrinks_saves_and_replays(tmp_path):
    campaign = vet(get("no-lock"), ["none"], budget=30, store=tmp_path, seed=1)
    assert campaign.violation
    # two acquires by two clients, as two steps or as one race: nothing smaller shows two holders
    assert campaign.schedule in ([["acquire", 0], ["acquire", 1]], [["acquire", 1], ["acquire", 0]],
                                 [["race", 0]], [["race", 1]]), campaign.schedule
    data = load_reproducer(campaign.reproducer)
    assert data["schedule"] == campaign.schedule and data["history"]
    assert (tmp_path / "no-lock" / "latest" / "report.html").exists()
    again = replay(get("no-lock"), data, runs=3)
    assert again.reproduced == 3


def test_with_writes_puts_the_stale_write_last():
    assert with_writes([["acquire", 0], ["pause", 0, 1.1], ["acquire", 1]]) == [
        ["acquire", 0], ["read", 0], ["pause", 0, 1.1], ["acquire", 1], ["read", 1], ["write", 1], ["write", 0]]


def test_with_writes_keeps_acquires_in_flight_together():
    """Reads go before a client's next own step, so two acquires sent together stay together."""
    assert with_writes([["race", 0], ["clock", 0, 1.1], ["acquire", 1]]) == [
        ["race", 0], ["clock", 0, 1.1], ["read", 1], ["acquire", 1], ["read", 0], ["read", 1], ["write", 1], ["write", 0]]


def test_generated_schedules_are_valid():
    from hypothesis import given, settings

    @settings(max_examples=200, deadline=None)
    @given(schedules(["pause", "kill", "clock"], clients=2, nodes=5))
    def check(schedule):
        assert validate(schedule, clients=2, nodes=5) == []

    check()


def test_cli_bad_input_is_one_line_and_exit_2():
    runner = CliRunner()
    for args, needle in [(["vet", "nope"], "unknown adapter 'nope'"),
                         (["vet", "seed-redis", "--faults", "meteor"], "unknown fault(s) meteor"),
                         (["replay", "/nonexistent.json"], "/nonexistent.json")]:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert needle in result.output and "Traceback" not in result.output


def test_cli_vet_json_and_replay(tmp_path):
    out = subprocess.run([sys.executable, "-m", "taala", "vet", "no-lock", "--faults", "none", "--budget", "20",
                          "--store", str(tmp_path), "--json", "--seed", "1"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stderr
    result = json.loads(out.stdout)
    assert {"adapter", "violation", "faults", "examples", "elapsed_s", "reproducer", "minimal_steps"} <= set(result)
    assert result["violation"] is True and result["size"]["operations"] == 2 and result["minimal_steps"] <= 2
    again = subprocess.run([sys.executable, "-m", "taala", "replay", result["reproducer"], "--runs", "2", "--json"],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and json.loads(again.stdout)["reproduced"] == 2


def test_cli_adapters_lists_expectations():
    result = CliRunner().invoke(app, ["adapters", "--json"])
    data = json.loads(result.output)
    assert data["seed-redis"]["expectations"]["pause"]["verdict"] == "unsafe"
    assert data["fenced-redis"]["expectations"]["pause"]["verdict"] == "safe"


def test_race_sends_two_acquires_and_exactly_one_wins():
    with Environment(get("seed-redis")) as env:
        result = run(env, [["race", 0]], ttl=0.25, clients=2)
    client_events = [e for e in result.history.events if not e.is_nemesis and e.f == "acquire"]
    acquires = [op for op in result.history.operations() if op.f == "acquire"]
    assert len(acquires) == 2  # two ops, properly paired whatever the interleaving
    outcomes = sorted(e.type for e in client_events if e.type != "invoke")
    assert outcomes == ["fail", "ok"]  # SET NX lets exactly one win
    assert not judge(result.history, fenced=False).violation


def test_a_canonical_probe_catches_a_ttl_lock_in_two_runs(tmp_path):
    """[acquire 0, pause 0 for 2 leases, acquire 1] breaks any TTL lock without fencing every
    time: it is found by the probes (one run, one confirming run), before Hypothesis starts."""
    campaign = vet(get("seed-redis"), ["pause"], budget=60, store=tmp_path, seed=1)
    assert campaign.violation and campaign.examples == 2, (campaign.examples, campaign.schedule)
    assert [s[0] for s in campaign.schedule] == ["acquire", "pause", "acquire"]
    assert campaign.schedule[1][2] < 2.0  # walked down towards the lease


def test_the_random_search_alone_still_finds_and_shrinks_it(tmp_path):
    """Without the probes, Hypothesis has to find the same violation by itself. At a
    half-second lease, not the default quarter: on a loaded 2-core machine scheduling
    delays of 0.1-0.2 s plus two short pauses let a 0.25 s lease lapse now and then, and such
    a violation needs all its steps (seen once: 9 steps, nothing deletable)."""
    campaign = vet(get("seed-redis"), ["pause"], budget=180, shrink_budget=30, store=tmp_path, seed=1, probe=False,
                   ttl=0.5)
    assert campaign.violation and campaign.examples > 2, campaign.examples
    assert len(campaign.schedule) <= 3 and any(s[0] == "pause" for s in campaign.schedule), campaign.schedule


def test_probes_are_one_fault_per_kind_plus_a_majority_of_nodes():
    from taala.schedule import probes

    assert probes(["none", "pause", "kill"], nodes=5, timing={"lease": 1.0}) == [
        [["acquire", 0], ["acquire", 1]],
        [["acquire", 0], ["pause", 0, 2.0], ["acquire", 1]],
        [["acquire", 0], ["acquire", 1], ["pause", 0, 2.0]],
        [["acquire", 0], ["kill", 0], ["acquire", 1]],
        [["acquire", 0], ["kill", 0], ["kill", 1], ["kill", 2], ["acquire", 1]],
    ]
    assert probes(["clock"], nodes=1) == [[["acquire", 0], ["clock", 0, 2.0], ["acquire", 1]]]
    for schedule in probes(["none", *REGISTRY], nodes=3, timing={"lease": 1.0, "renewal": 0.5}):
        assert validate(schedule, clients=2, nodes=3) == []
