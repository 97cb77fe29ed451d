"""Direct checks: hand-made cases plus the property that each is implied by the search.

A direct check reports only certain violations, so whenever it says "invalid" the exact
search over the corresponding model must agree. (The converse does not hold: the search
also sees violations no direct check looks for.)
"""

from hypothesis import HealthCheck, given, settings

import taala
from taala.checker.checks import deadlock, fencing, overlap
from taala.checker.linearizability import check as check_linearizability
from taala.model import LockSemantics
from tests.support.dsl import history
from tests.support.histories import random_history

EXCLUSIVE = LockSemantics()


def test_overlap_reports_both_holders_with_indices():
    h = history("""
        p0 invoke acquire
        p0 ok acquire
        p1 invoke acquire
        p1 ok acquire
        p0 invoke release
        p0 ok release""")
    out = overlap.check(h.operations(), EXCLUSIVE)
    assert out.valid is False
    assert "p0 held the lock from index 1" in out.counterexample.explanation
    assert "p1 held the lock from index 3" in out.counterexample.explanation
    assert out.details["overlaps"] == 1


def test_release_invocation_ends_the_critical_section():
    h = history("""
        p0 invoke acquire
        p0 ok acquire
        p0 invoke release
        p1 invoke acquire
        p1 ok acquire
        p0 ok release""")
    assert overlap.check(h.operations(), EXCLUSIVE).valid is True


def test_uncertain_acquires_are_counted_not_blamed():
    h = history("""
        p0 invoke acquire
        p0 info acquire
        p1 invoke acquire
        p1 ok acquire""")
    out = overlap.check(h.operations(), EXCLUSIVE)
    assert out.valid is True and out.details["uncertain_acquires"] == 1


def test_semaphore_capacity_and_readers():
    three = history("""
        p0 invoke acquire
        p0 ok acquire
        p1 invoke acquire
        p1 ok acquire
        p2 invoke acquire
        p2 ok acquire""")
    assert overlap.check(three.operations(), LockSemantics(capacity=3)).valid is True
    assert overlap.check(three.operations(), LockSemantics(capacity=2)).valid is False
    rw = taala.get_model("rw-lock").lock
    readers = history("""
        p0 invoke acquire-read
        p0 ok acquire-read
        p1 invoke acquire-read
        p1 ok acquire-read
        p2 invoke acquire-write
        p2 ok acquire-write""")
    out = overlap.check(readers.operations(), rw)
    assert out.valid is False and "p2 held" in out.counterexample.explanation


def test_fencing_token_going_backwards_and_duplicates():
    lock = LockSemantics(fenced=True)
    backwards = history("""
        p0 invoke acquire
        p0 ok acquire 7
        p0 invoke release
        p0 ok release
        p1 invoke acquire
        p1 ok acquire 3""")
    out = fencing.check(backwards.operations(), lock)
    assert out.valid is False and "token 3, not greater than token 7" in out.counterexample.explanation
    concurrent_dup = history("""
        p0 invoke acquire
        p1 invoke acquire
        p0 ok acquire 4
        p1 ok acquire 4""")
    assert fencing.check(concurrent_dup.operations(), lock).valid is False
    fine = history("""
        p0 invoke acquire
        p1 invoke acquire
        p1 ok acquire 9
        p0 ok acquire 8""")  # concurrent acquires may be ordered either way
    assert fencing.check(fine.operations(), lock).valid is True


def test_deadlock_cycle_between_two_keys():
    h = history("""
        p0 invoke acquire @a
        p0 ok acquire @a
        p1 invoke acquire @b
        p1 ok acquire @b
        p0 invoke acquire @b
        p1 invoke acquire @a
        p0 info acquire @b
        p1 info acquire @a""")
    out = deadlock.check(h.operations(), EXCLUSIVE)
    assert out.valid is False
    assert "p0 waits for 'b' held by p1" in out.counterexample.explanation
    assert "p1 waits for 'a' held by p0" in out.counterexample.explanation


def test_no_deadlock_when_waits_do_not_form_a_cycle():
    h = history("""
        p0 invoke acquire @a
        p0 ok acquire @a
        p1 invoke acquire @a
        p0 invoke release @a
        p0 ok release @a
        p1 ok acquire @a""")
    assert deadlock.check(h.operations(), EXCLUSIVE).valid is True


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(random_history("owner-mutex", max_ops=7))
def test_overlap_violation_implies_owner_mutex_is_not_linearizable(h):
    # Overlap is owner-aware (a hold ends only when its holder releases), so it implies an
    # owner-mutex violation. Knossos's ownerless `mutex` can still accept such a history:
    # a third party's release may have freed the lock - the seed's unchecked-release bug.
    ops = h.operations()
    if overlap.check(ops, EXCLUSIVE).valid is False:
        assert check_linearizability(ops, taala.get_model("owner-mutex"), workers=1).valid is False


def test_overlap_catches_what_the_ownerless_mutex_forgives():
    h = history("""
        p0 invoke release
        p0 info release
        p1 invoke acquire
        p1 ok acquire
        p2 invoke acquire
        p2 ok acquire""")
    ops = h.operations()
    assert check_linearizability(ops, taala.get_model("mutex"), workers=1).valid is True
    assert overlap.check(ops, EXCLUSIVE).valid is False


@SETTINGS
@given(random_history("fenced-mutex", max_ops=7))
def test_fencing_violation_implies_fenced_mutex_is_not_linearizable(h):
    ops = h.operations()
    if fencing.check(ops, LockSemantics(fenced=True)).valid is False:
        assert check_linearizability(ops, taala.get_model("fenced-mutex"), workers=1).valid is False
