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
from taala.checker.lease import BUG, FOREIGN_RELEASE, PAST_LEASE
from taala.vet import Campaign, load_reproducer, replay, vet
from taala.vet.hunt import bug_probes
from taala.vet.search import a_bug
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

    assert a_bug(verdict(True, BUG)) and a_bug(verdict(True, FOREIGN_RELEASE))
    assert not a_bug(verdict(True, PAST_LEASE)) and not a_bug(verdict(True, None)) and not a_bug(verdict(False, BUG))


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
