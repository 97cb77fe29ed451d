"""Acquire modes and declared models, on pure logic (no servers): readers-writer locks and
semaphores with several permits, from a schedule step to the verdict on its history."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from taala.adapters import get
from taala.checker.judge import judge
from taala.vet.minimise import Minimiser
from taala.schedule import counts, describe, probes, schedules, validate
from taala.vet import canonical_probes, with_writes

from tests.support.dsl import history

RW = ("write", "read")


# --- schedules -----------------------------------------------------------------------------

def test_an_acquire_may_name_one_of_the_adapters_modes_and_nothing_else():
    ok = [["acquire", 0, "read"], ["acquire", 1], ["acquire", 2, "write"], ["release", 0]]
    assert validate(ok, clients=3, nodes=1, modes=RW) == []
    assert validate([["acquire", 0, "upgrade"]], clients=2, nodes=1, modes=RW) == [
        "step 1: unknown acquire mode 'upgrade' (this lock has 'write', 'read')"]
    # a lock without modes refuses a moded step: its reproducer would mean nothing
    assert "one acquire mode" in validate([["acquire", 0, "read"]], clients=2, nodes=1)[0]
    # the client is still checked, and other steps take no mode
    assert "out of range" in validate([["acquire", 5, "read"]], clients=2, nodes=1, modes=RW)[0]
    assert validate([["release", 0, "read"]], clients=2, nodes=1, modes=RW) != []


def test_a_moded_step_reads_in_english_and_counts_as_one_operation():
    assert describe(["acquire", 2, "read"]) == "client 2 takes the read lock"
    assert describe(["acquire", 2]) == "client 2 acquires the lock"
    assert counts([["acquire", 0], ["acquire", 1, "read"], ["acquire", 2, "write"]], 3) == {
        "clients": 3, "operations": 3, "faults": 0, "waits": 0}


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_modes_are_drawn_only_for_a_lock_that_has_them(data):
    plain = data.draw(schedules(["pause"], clients=2, fenced=False))
    assert all(len(s) == 2 for s in plain if s[0] == "acquire")
    assert validate(plain, clients=2, nodes=1) == []
    moded = data.draw(schedules(["pause"], clients=3, fenced=False, modes=RW))
    assert all(len(s) == 3 and s[2] in RW for s in moded if s[0] == "acquire")
    assert validate(moded, clients=3, nodes=1, modes=RW) == []


def test_probes_fill_a_semaphore_and_mix_readers_with_writers():
    assert probes(["none", "pause"], timing={"session": 1.0}) == [
        [["acquire", 0], ["acquire", 1]],
        [["acquire", 0], ["pause", 0, 2.0], ["acquire", 1]],
        [["acquire", 0], ["acquire", 1], ["pause", 0, 2.0]],
    ]  # a mutex's probes are as they always were
    assert probes(["none", "pause"], timing={"session": 1.0}, holders=2) == [
        [["acquire", 0], ["acquire", 1], ["acquire", 2]],
        [["acquire", 0], ["acquire", 1], ["pause", 0, 2.0], ["acquire", 2]],
        [["acquire", 0], ["acquire", 1], ["acquire", 2], ["pause", 0, 2.0]],
    ]
    mixed = probes(["none"], modes=RW)
    assert [["acquire", 0, "write"], ["acquire", 1, "read"]] in mixed
    assert [["acquire", 0, "read"], ["acquire", 1, "write"]] in mixed
    # kazoo #649: a reader and a second writer queued behind a writer that then releases
    assert [["acquire", 0, "write"], ["acquire", 1, "read"], ["acquire", 2, "write"], ["release", 0]] in mixed


def test_vet_keeps_only_the_probes_its_clients_can_run():
    rw, sem = get("zookeeper-rw-lock"), get("zookeeper-semaphore-2")
    assert any(len({s[1] for s in p}) == 3 for p in canonical_probes(rw, ["none"], None, 3))
    assert all(max(s[1] for s in p if s[0] == "acquire") < 2 for p in canonical_probes(rw, ["none"], None, 2))
    assert [["acquire", 0], ["acquire", 1], ["pause", 0, 4.0], ["acquire", 2]] in canonical_probes(sem, ["pause"], None, 3)


def test_the_damage_run_has_only_writers_write():
    out = with_writes([["acquire", 0, "read"], ["pause", 0, 2.0], ["acquire", 1]], 2, RW)
    assert ["write", 1] in out and ["write", 0] not in out


def test_the_minimiser_drops_a_mode_the_violation_does_not_need_and_keeps_one_it_does():
    def minimise(start, violates):
        m = Minimiser(start, "evidence", lambda trial: "evidence" if violates(trial) else None)
        m.run(None, 2, [0.5, 2.0], RW)
        return m.schedule

    always = lambda trial: True
    assert minimise([["acquire", 0, "write"], ["pause", 0, 2.0], ["acquire", 1, "read"]], always) == [
        ["acquire", 0], ["pause", 0, 0.5], ["acquire", 1]]
    needs_reader = lambda trial: ["acquire", 1, "read"] in trial
    assert minimise([["acquire", 0, "write"], ["acquire", 1, "read"]], needs_reader) == [
        ["acquire", 0], ["acquire", 1, "read"]]


# --- verdicts by the declared model --------------------------------------------------------

def test_two_readers_at_once_are_fine_and_a_writer_among_readers_is_not():
    readers = history("""
        p0 invoke acquire-read
        p0 ok acquire-read "/taala/k/__rlock__0"
        p1 invoke acquire-read
        p1 ok acquire-read "/taala/k/__rlock__1"
        p0 invoke release-read
        p0 ok release-read
        p1 invoke release-read
        p1 ok release-read""")
    assert not judge(readers, fenced=False, model="rw-lock").violation

    writer_among_readers = history("""
        p0 invoke acquire-read
        p0 ok acquire-read
        p1 invoke acquire-write
        p1 ok acquire-write
        p0 invoke release-read
        p0 ok release-read
        p1 invoke release-write
        p1 ok release-write""")
    verdict = judge(writer_among_readers, fenced=False, model="rw-lock")
    assert verdict.violation
    assert verdict.lock.checks["overlap"].valid is False and verdict.lock.checks["linearizability"].valid is False
    assert "p0 read-held" in verdict.counterexample.explanation


def _holders(n: int) -> str:
    return "\n".join(f"p{p} invoke acquire\np{p} ok acquire \"/taala/k/lease-{p}\"" for p in range(n))


def test_a_two_permit_semaphore_admits_two_holders_not_three():
    # the runner records each acquire's token (a lease node): the model must not read it as a permit count
    assert not judge(history(_holders(2)), fenced=False, model="semaphore:permits=2").violation
    verdict = judge(history(_holders(3)), fenced=False, model="semaphore:permits=2")
    assert verdict.violation
    assert verdict.lock.checks["overlap"].valid is False and verdict.lock.checks["linearizability"].valid is False
    assert verdict.counterexample.explanation.startswith("more than 2 clients held")


@pytest.mark.parametrize("name,model,modes,clients", [
    ("zookeeper-rw-lock", "rw-lock", RW, 3),
    ("zookeeper-semaphore-2", "semaphore:permits=2", (), 3),
    ("zookeeper-write-lock", "mutex", (), 2),
    ("zookeeper-lock-fenced", "fenced-mutex", (), 2),
])
def test_adapters_declare_what_they_are_judged_by(name, model, modes, clients):
    cls = get(name)
    assert (cls.judged_by(), cls.modes, cls.clients) == (model, modes, clients)


def test_acquires_in_any_mode_count_as_acquires_for_inconclusive():
    from collections import Counter

    from taala.vet import Tally

    tally = Tally()
    tally.ops = Counter({"acquire-write ok": 3, "acquire-read ok": 2, "acquire-read info": 1, "release-read ok": 2})
    tally.contended = 1
    assert tally.inconclusive(["none"]) == []
    tally.ops = Counter({"acquire-read info": 3, "acquire-write fail": 1})
    assert tally.inconclusive(["none"])[0].startswith("3 of 4 acquires ended unknown")


def test_a_reproducer_with_modes_is_runnable_only_by_a_lock_with_those_modes():
    from taala.vet import reproducer_problems

    data = {"schedule": [["acquire", 0], ["acquire", 1, "read"], ["pause", 1, 1.1], ["acquire", 2]], "clients": 3}
    assert reproducer_problems(get("zookeeper-rw-lock"), data) == []
    assert reproducer_problems(get("zookeeper-lock"), data) == [
        "step 2: this lock has one acquire mode: expected ['acquire', number], got ['acquire', 1, 'read']"]


def test_a_release_that_never_succeeded_is_noted_in_any_mode():
    """A release that fails every time (a token compared in the wrong type) is the adapter's
    mistake, which no verdict shows: the campaign says so in a note."""
    from collections import Counter

    from taala.vet import Tally

    tally = Tally()
    tally.ops = Counter({"acquire ok": 4, "release fail": 4})
    assert tally.notes() and tally.notes()[0].startswith("none of 4 releases succeeded")
    tally.ops = Counter({"acquire-read ok": 4, "release-read fail": 3, "release-read ok": 1})
    assert tally.notes() == []
    tally.ops = Counter({"acquire fail": 4})  # nothing held, nothing to release: nothing to say
    assert tally.notes() == []
