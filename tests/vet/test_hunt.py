"""Violation classes in a campaign: declared, shown, and hunted for behind the first one.

The pure parts (what a declaration admits, the hunt's probes) are checked on plain values;
the campaign itself on a real Redis, with a control lock whose lease is shorter than it
claims (`redis-floor-lease`): a bug inside the lease that a campaign starting from the
fault list alone must find, classify and save as a reproducer that replays in its class.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from taala.adapters import get
from taala.checker.lease import BUG, FOREIGN_RELEASE, LEAKED, PAST_LEASE
from taala.vet import Campaign, load_reproducer, replay, vet
from taala.vet.hunt import bug_probes, leak_probes
from taala.vet.search import a_bug, leaked
from taala.vet.vetting import expected_classes


def _campaign(kind: str | None, expected: str = "unsafe", classes=("past-lease",)) -> Campaign:
    """A campaign whose verdict is a stand-in carrying only a classification (pure logic)."""
    classification = None if kind is None else SimpleNamespace(kind=kind, is_bug=kind in (BUG, FOREIGN_RELEASE))
    campaign = Campaign("x", ["pause"], True, 1, 0.0, expected=expected, expected_classes=classes)
    campaign.verdict = SimpleNamespace(classification=classification)
    return campaign


@pytest.mark.parametrize("kind, classes, matched", [
    (PAST_LEASE, ("past-lease",), True),
    (BUG, ("past-lease",), False),            # the bug the declaration does not admit
    (FOREIGN_RELEASE, ("past-lease",), False),
    (BUG, ("past-lease", "bug"), True),
    (BUG, None, True),                        # not declared by class: any class will do
    ("undetermined", ("past-lease",), True),  # not shown to be a bug: no claim against it
    (None, ("past-lease",), True),            # not classified (no lease terms)
])
def test_a_bug_class_the_declaration_does_not_admit_is_not_as_declared(kind, classes, matched):
    assert _campaign(kind, classes=classes).matched is matched


def test_a_bug_found_by_the_hunt_counts_against_the_declaration():
    campaign = _campaign(PAST_LEASE)
    campaign.hunt = _campaign(BUG)
    assert campaign.matched is False and campaign.undeclared_bug


@pytest.mark.parametrize("classes, matched", [(("past-lease",), False), (None, False),
                                               (("past-lease", "leaked"), True)])
def test_a_leak_the_declaration_does_not_admit_is_not_as_declared(classes, matched):
    campaign = _campaign(PAST_LEASE, classes=classes)
    assert campaign.matched is True and not campaign.undeclared_leak  # no leak hunted: as declared
    campaign.leak = Campaign("x", ["pause"], True, 1, 0.0, looked_for=LEAKED)
    assert campaign.leak.found_class == LEAKED and not campaign.leak.undeclared_bug
    assert campaign.matched is matched and campaign.undeclared_leak is not matched
    campaign.leak.violation = False  # hunted, none found
    assert campaign.matched is True


def test_a_leak_is_a_run_never_granted_again_whatever_its_verdict():
    verdict = SimpleNamespace(violation=False, classification=None)
    assert leaked(SimpleNamespace(live=False), verdict)
    assert not leaked(SimpleNamespace(live=True), verdict) and not leaked(SimpleNamespace(live=None), verdict)


def test_the_leak_hunt_probes_a_release_and_an_acquire_struck_by_each_fault():
    shapes = leak_probes(["partition", "connection-kill", "kill", "none"], clients=2, nodes=1)
    assert [["acquire", 0], ["partition", 0, 2.0], ["release", 0]] in shapes
    assert [["partition", 0, 2.0], ["acquire", 0]] in shapes
    assert [["acquire", 0], ["connection-kill", 0], ["release", 0]] in shapes
    assert [["kill", 0], ["acquire", 0]] in shapes
    assert len(shapes) == 6  # `none` is no fault


def test_declared_classes_are_the_union_over_the_faults_or_none():
    floor = get("redis-floor-lease")
    assert expected_classes(floor, ["pause"]) == ("past-lease", "bug")
    assert expected_classes(floor, ["none"]) is None  # safe: nothing unsafe declared
    assert expected_classes(get("no-lock"), ["none"]) == ("bug",)
    assert expected_classes(get("seed-redlock"), ["clock"]) is None  # unsafe, but not by class


def test_only_a_violation_shown_to_be_a_bug_is_wanted_by_the_hunt():
    def verdict(violation, kind):
        classification = None if kind is None else SimpleNamespace(is_bug=kind in (BUG, FOREIGN_RELEASE))
        return SimpleNamespace(violation=violation, classification=classification)

    run = SimpleNamespace(live=True)
    assert a_bug(run, verdict(True, BUG)) and a_bug(run, verdict(True, FOREIGN_RELEASE))
    assert not a_bug(run, verdict(True, PAST_LEASE)) and not a_bug(run, verdict(True, None))
    assert not a_bug(run, verdict(False, BUG))


def test_the_hunt_probes_a_short_fault_and_a_release_after_the_lease():
    shapes = bug_probes(["pause", "kill", "none"], clients=2, nodes=1)
    assert [["acquire", 0], ["pause", 0, 0.6], ["acquire", 1]] in shapes
    assert [["acquire", 0], ["pause", 0, 2.0], ["acquire", 1], ["release", 0], ["acquire", 0]] in shapes
    assert all(step[0] != "kill" for shape in shapes for step in shape)  # node faults: the first search's


def test_a_lease_shorter_than_claimed_is_found_as_a_bug_and_replays_in_its_class(tmp_path):
    campaign = vet(get("redis-floor-lease"), ["pause"], budget=60, store=tmp_path, seed=1)
    found = campaign if campaign.classification is not None and campaign.classification.is_bug else campaign.hunt
    assert found is not None and found.violation, campaign.to_dict()
    assert found.classification.kind == BUG, found.classification.headline()
    assert campaign.matched is True  # its declaration admits the bug: it is a control
    again = replay(get("redis-floor-lease"), load_reproducer(found.reproducer), runs=5)
    assert again.expected_class == BUG and again.same_class >= 4, again.to_dict()


def test_a_release_that_removes_the_next_holders_lock_is_hunted_down_behind_the_lease(tmp_path):
    """The talk's lock released by a plain DEL: the first violation is the lease's known
    weakness; the hunt behind it finds the foreign release, which replays in its class."""
    adapter = get("seed-redis-unchecked-release")
    campaign = vet(adapter, ["pause"], budget=60, store=tmp_path, seed=1)
    # the first is the known weakness (or, this close to the lease's end, undetermined): no bug yet
    assert campaign.classification is not None and not campaign.classification.is_bug, campaign.to_dict()
    hunt = campaign.hunt
    assert hunt is not None and hunt.violation, campaign.to_dict()
    assert hunt.classification.kind == FOREIGN_RELEASE, hunt.classification.headline()
    assert campaign.matched is True  # declared: ("past-lease", "foreign-release")
    again = replay(adapter, load_reproducer(hunt.reproducer), runs=5)
    assert again.same_class >= 4, again.to_dict()


def test_a_library_lock_that_leaks_is_found_by_the_leak_hunt_and_replays_as_a_leak(tmp_path):
    """py-sherlock 0.4.1 with a lease that is not whole seconds: its script's EXPIRE fails
    after its SETNX, so every acquire fails and leaves the key for ever. The campaign
    cannot test safety (inconclusive), and the leak hunt finds the one-step schedule."""
    adapter = get("sherlock-redis")
    campaign = vet(adapter, ["pause"], budget=5, ttl=1.1, store=tmp_path, seed=1)
    assert campaign.outcome == "inconclusive" and not campaign.violation, campaign.to_dict()
    leak = campaign.leak
    assert leak is not None and leak.violation, campaign.to_dict()
    assert leak.schedule == [["acquire", 0]] and leak.found_class == LEAKED
    assert leak.recurrence is not None and leak.recurrence[0] >= 4, leak.recurrence
    again = replay(adapter, load_reproducer(leak.reproducer), runs=10)
    assert again.expected_class == LEAKED and again.same_class >= 9, again.to_dict()
