"""The classifier of mutual-exclusion violations (`taala.checker.lease`), on pure logic.

Two halves: hand-written histories, one or more per class and per rule of precedence, in
the shape the runner records (tests/support/timeline.py); and Hypothesis histories of a
simulated lease server whose true lease, clock-rate error, expiry granularity, renewals,
pauses, kills and partitions are known, so every verdict can be held to the truth: never
a bug when the lease had truly run out (or state was lost), never past the lease while it
truly held, and a decision, not `undetermined`, wherever the truth is far from the edge.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taala.checker.lease import (
    BUG,
    FOREIGN_RELEASE,
    KILL_DELAY,
    PAST_LEASE,
    RATE,
    SLACK,
    STATE_LOST,
    UNDETERMINED,
    LeaseTerms,
    classify,
    faults,
)

from tests.support.timeline import Timeline

REDIS = dict(session_bound=False, failover_extends=False)  # one server that keeps time through a pause
ONE = LeaseTerms(1.0, 1.0, **REDIS)  # a Redis SET NX PX lock with a 1 s lease
RENEWING = LeaseTerms(1.0, 1.0, renews=True, **REDIS)  # keep-alive, nothing promised
PROMISED = LeaseTerms(1.0, 1.0, renews=True, renew_every=1 / 3, **REDIS)  # a keep-alive every third of the lease
ETCD = LeaseTerms(1.0, 1.0, session_bound=False)  # a new leader renews every lease
SESSION = LeaseTerms.unleased()  # pg_advisory_lock, GET_LOCK, flock
ROW = LeaseTerms.unleased(session_bound=False)  # a row CAS: outlives connections


def overlap(t: Timeline, grant: tuple[float, float], *, process: int = 1, acquired: tuple[float, float] = (0.0, 0.01),
            release: bool = True):
    """p0 acquires over `acquired` and holds; `process` is granted over `grant`; p0 releases
    afterwards (if `release`: not after an op of its own that never returned).
    Returns (history, earlier, later)."""
    a = t.op(0, "acquire", *acquired, value="t0")
    b = t.op(process, "acquire", *grant, value="t1")
    if release:
        t.op(0, "release", grant[1] + 0.01, grant[1] + 0.02, status="fail")
    return t.history(), t.operation(a), t.operation(b)


def paused(start: float, stop: float, client: int = 0) -> Timeline:
    """A timeline in which `client` is paused from `start` to `stop`."""
    t = Timeline()
    t.fault("start-client-pause", start, client=client)
    t.fault("stop-client-pause", stop, client=client)
    return t


def verdict(t: Timeline, grant, terms: LeaseTerms, **kw):
    h, earlier, later = overlap(t, grant, **kw)
    return classify(h, earlier, later, terms)


# ---- past the lease -------------------------------------------------------------------------------

def test_a_holder_paused_past_its_lease_is_the_known_weakness():
    t = paused(0.02, 1.6)
    c = verdict(t, (1.61, 1.62), ONE)
    assert c.kind == PAST_LEASE
    # the grant's earliest moment 1.61 against the lease's latest end 0.01 + 1.01 + 0.02
    assert c.past_by.lo == pytest.approx(1.61 - (0.01 + 1.0 * (1 + RATE) + SLACK))
    assert c.past_by.hi == pytest.approx(1.62 - (0.0 + 1.0 * (1 - RATE) - SLACK))
    assert c.headline() == "p1 was granted the lock at least 0.57 s (0.57 leases) after p0's 1 s lease ran out"
    assert not c.is_bug


def test_past_the_lease_wins_over_a_state_losing_fault_it_does_not_need():
    t = Timeline()
    t.fault("kill", 0.5, node="n1")
    t.fault("restart", 0.6, node="n1", wipe=True)
    assert verdict(t, (3.0, 3.01), ONE).kind == PAST_LEASE


def test_a_renewing_lock_is_past_its_lease_only_once_a_pause_stopped_the_renewal_long_enough():
    t = paused(5.0, 8.0)
    c = verdict(t, (8.1, 8.11), RENEWING, acquired=(0.0, 0.01))
    assert c.kind == PAST_LEASE
    assert [e.f for e in c.faults] == ["start-client-pause", "stop-client-pause"]
    assert c.past_by.lo == pytest.approx(8.1 - (5.0 + 1.01 + SLACK))
    assert c.headline().endswith("after p0's 1 s lease ran out (its renewal stopped while p0 was paused for 3.0 s)")


def test_a_renewal_stopped_for_less_than_the_lease_proves_nothing():
    t = paused(5.0, 5.9)
    assert verdict(t, (8.1, 8.11), RENEWING).kind == UNDETERMINED


def test_another_clients_pause_does_not_stop_the_holders_renewal():
    t = paused(5.0, 9.0, client=2)
    assert verdict(t, (9.1, 9.11), RENEWING).kind == UNDETERMINED


def test_a_client_partition_names_a_slot_not_a_process_so_it_never_proves_a_stopped_renewal():
    t = Timeline()
    t.fault("partition", 5.0, proxy="client0-n1", direction="both")
    t.fault("heal", 9.0, proxy="client0-n1")
    assert verdict(t, (9.1, 9.11), RENEWING).kind == UNDETERMINED


def cut_off(t: Timeline, start: float, stop: float, proxies: list[str], *, process: int = 0, cuts: int | None = None,
            direction: str = "both") -> Timeline:
    """Client partitions as the runner records them: each proxy of one step names the process
    in the slot and how many proxies it has."""
    for proxy in proxies:
        t.fault("partition", start, proxy=proxy, direction=direction, process=process, cuts=cuts or len(proxies))
    for proxy in proxies:
        t.fault("heal", stop, proxy=proxy)
    return t


def test_a_holder_cut_off_from_every_server_stopped_renewing():
    t = cut_off(Timeline(), 5.0, 9.0, ["client0-n1", "client0-n2", "client0-n3"])
    c = verdict(t, (8.1, 8.11), RENEWING)
    assert c.kind == PAST_LEASE and c.past_by.lo == pytest.approx(8.1 - (5.0 + 1.01 + SLACK))
    assert c.headline().endswith("(its renewal stopped while p0 was cut off from every server)")


@pytest.mark.parametrize(("proxies", "kw"), [
    (["client0-n1", "client0-n2"], dict(cuts=3)),  # one of its three links stayed up
    (["client0-n1"], dict(process=1)),  # another process's slot
    (["client0-n1"], dict(direction="out")),  # only the replies are lost: renewals still land
])
def test_a_partial_or_foreign_or_one_way_cut_proves_no_stopped_renewal(proxies, kw):
    t = cut_off(Timeline(), 5.0, 9.0, proxies, **kw)
    assert verdict(t, (8.1, 8.11), RENEWING).kind == UNDETERMINED


def test_a_renewal_in_flight_through_a_slowed_proxy_may_land_late():
    t = Timeline()
    t.fault("start-delay", 1.0, proxy="client0-n1", delay=0.5)
    t.fault("start-client-pause", 5.0, client=0)
    t.fault("stop-client-pause", 9.0, client=0)
    # 6.3 is past 5 + 1.03 but not past 5 + 1.03 + the 0.5 s a renewal sent at 5 could take
    assert verdict(t, (6.3, 6.31), RENEWING).kind == UNDETERMINED
    assert verdict(Timeline(), (6.3, 6.31), RENEWING).kind == UNDETERMINED  # and no pause: nothing stopped


def test_a_killed_renewing_holder_stops_renewing_when_it_is_retired():
    t = Timeline()
    t.op(0, "write", 2.0, 2.5, status="info", key="resource")
    c = verdict(t, (4.0, 4.01), RENEWING)
    assert c.kind == PAST_LEASE
    assert c.past_by.lo == pytest.approx(4.0 - (2.5 + KILL_DELAY + 1.01 + SLACK))
    assert c.headline().endswith("(its renewal stopped when p0's process was killed)")


@pytest.mark.parametrize(("f", "value"), [
    ("start-pause", dict(node="n1")),
    ("partition", dict(node="n1", peers=["n2", "n3"], clients=False)),
    ("kill", dict(node="n1")),
])
def test_a_node_fault_may_bring_a_leader_that_restarts_the_lease(f, value):
    t = Timeline()
    t.fault(f, 0.5, **value)
    assert verdict(t, (3.0, 3.01), ETCD).kind in (UNDETERMINED, STATE_LOST)
    t = Timeline()
    t.fault(f, 0.5, **value)
    assert verdict(t, (3.0, 3.01), ONE).kind == PAST_LEASE


def test_a_clock_set_back_stretches_the_lease():
    t = Timeline()
    t.fault("clock-jump", 0.5, node="n1", delta=-5.0, offset=-5.0)
    assert verdict(t, (3.0, 3.01), ONE).kind == STATE_LOST  # not shown past the lease: it may run to 6 s
    t = Timeline()
    t.fault("clock-jump", 0.5, node="n1", delta=5.0, offset=5.0)  # forward: only shortens it
    assert verdict(t, (3.0, 3.01), ONE).kind == PAST_LEASE
    t = Timeline()
    t.fault("clock-jump", 0.5, node="n1", delta=5.0, offset=5.0)
    t.fault("clock-reset", 0.7, node="n1", offset=0.0)  # back by 5 s
    assert verdict(t, (3.0, 3.01), ONE).kind == STATE_LOST
    assert verdict(paused(0.2, 2.9), (3.0, 3.01), ETCD).kind == PAST_LEASE  # a client pause is no node fault


def test_an_indeterminate_reacquire_by_the_holder_may_have_reset_its_lease():
    t = Timeline()
    t.op(0, "acquire", 0.5, 0.6, status="info")  # the holder's own reentrant acquire, outcome unknown
    assert verdict(t, (3.0, 3.01), ONE).kind == UNDETERMINED
    t = Timeline()
    t.op(0, "acquire", 0.5, 0.6, status="fail")
    c = verdict(t, (3.0, 3.01), ONE)
    assert c.kind == PAST_LEASE and c.past_by.lo == pytest.approx(3.0 - (0.6 + 1.01 + SLACK))


# ---- state lost -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("events", "words"), [
    ([("kill", dict(node="n1")), ("restart", dict(node="n1", wipe=True))], "node n1 was killed and restarted empty"),
    ([("restart", dict(node="n1", wipe=True))], "node n1 was restarted empty"),
    ([("clock-jump", dict(node="n1", delta=5.0, offset=5.0))], "node n1's clock jumped 5.0 s forward"),
    ([("clock-jump", dict(node="n1", delta=3.0, **{"modelled-as": "pause"})), ("start-pause", dict(node="n1"))],
     "node n1's clock jumped 3.0 s forward"),
    ([("partition", dict(node="n1", peers=["n2", "n3"], clients=False))], "node n1 was cut off from its peers"),
    ([("connection-kill", dict(proxy="client0-n1"))], "the connections through client0-n1 were dropped"),
])
def test_a_fault_that_loses_state_explains_a_grant_inside_the_lease(events, words):
    t = Timeline()
    for n, (f, value) in enumerate(events):
        t.fault(f, 0.2 + n * 0.01, **value)
    c = verdict(t, (0.5, 0.51), LeaseTerms(10.0, 10.0))
    assert c.kind == STATE_LOST
    assert c.faults[0].f == events[0][0]
    assert c.headline() == f"p1 was granted the lock while p0 held it, after {words}"


def test_a_node_partition_in_force_when_the_holder_acquired_counts():
    t = Timeline()
    t.fault("partition", -1.0, node="n1", peers=["n2", "n3"])
    assert verdict(t, (0.5, 0.51), ONE).kind == STATE_LOST
    t = Timeline()
    t.fault("partition", -1.0, node="n1", peers=["n2", "n3"])
    t.fault("heal", -0.5)
    assert verdict(t, (0.5, 0.51), ONE).kind == BUG  # healed before the holder's acquire


@pytest.mark.parametrize(("f", "value"), [
    ("query-kill", dict(node="n1", user="taala_c1", killed=1)),  # KILL QUERY: the session and its locks stay
    ("clock-jump", dict(node="n1", delta=-2.0, effect="none")),
    ("start-pause", dict(node="n1")),
    ("partition", dict(proxy="client1-n1", direction="both")),
    ("start-client-pause", dict(client=0)),
])
def test_faults_that_lose_nothing_leave_a_grant_inside_the_lease_a_bug(f, value):
    t = Timeline()
    t.fault(f, 0.2, **value)
    assert verdict(t, (0.5, 0.51), ONE).kind == BUG


def test_a_restart_empty_before_the_holder_acquired_explains_nothing():
    t = Timeline()
    t.fault("kill", -2.0, node="n1")
    t.fault("restart", -1.9, node="n1", wipe=True)
    assert verdict(t, (0.5, 0.51), ONE).kind == BUG


def test_a_dropped_connection_ends_only_a_session_bound_lock():
    t = Timeline()
    t.fault("connection-kill", 0.2, proxy="client0-n1")
    assert verdict(t, (0.5, 0.51), LeaseTerms(1.0, 1.0, session_bound=True)).kind == STATE_LOST
    t = Timeline()
    t.fault("connection-kill", 0.2, proxy="client0-n1")
    assert verdict(t, (0.5, 0.51), ONE).kind == BUG


def test_a_retired_holder_of_a_session_lock_took_its_session_with_it():
    t = Timeline()
    t.op(0, "write", 0.1, 0.3, status="info", key="resource")
    c = verdict(t, (0.5, 0.51), SESSION)
    assert c.kind == STATE_LOST
    assert c.headline() == ("p1 was granted the lock while p0 held it, after p0's process was killed "
                            "(retired after its indeterminate write), ending its session")
    t = Timeline()
    t.op(0, "write", 0.1, 0.3, status="info", key="resource")
    assert verdict(t, (0.5, 0.51), ROW).kind == BUG  # a row lock outlives its holder's process
    t = Timeline()
    t.op(0, "write", 0.1, None, key="resource")  # never returned: the process may have died at any moment
    c = verdict(t, (0.5, 0.51), SESSION, release=False)
    assert c.kind == STATE_LOST
    assert c.headline().endswith("after p0's process may have died during its write (it never returned), "
                                 "ending its session")
    t = Timeline()
    t.op(0, "write", 0.6, 0.7, status="info", key="resource")  # invoked after the grant: alive at the grant
    assert verdict(t, (0.5, 0.51), SESSION).kind == BUG


# ---- foreign release ------------------------------------------------------------------------------

def test_a_release_by_another_process_while_the_holder_held_is_named():
    t = Timeline()
    r = t.op(2, "release", 0.2, 0.25)
    c = verdict(t, (0.5, 0.51), ONE)
    assert c.kind == FOREIGN_RELEASE and c.release is t.operation(r)
    assert c.is_bug
    assert c.headline() == "p1 was granted the lock after p2's release (index 2) succeeded while p0 still held it"


def test_the_later_holders_own_stale_release_is_foreign_too():
    t = Timeline()
    t.op(1, "release", 0.2, 0.25)
    assert verdict(t, (0.5, 0.51), ONE).kind == FOREIGN_RELEASE


@pytest.mark.parametrize(("start", "end", "status", "key"), [
    (0.2, 0.25, "fail", "lock"),  # refused
    (0.2, 0.25, "info", "lock"),  # unknown: the bug stays a bug
    (-0.1, 0.25, "ok", "lock"),  # invoked before the holder's grant returned: may have come before it
    (0.2, 0.505, "ok", "lock"),  # still running when the later acquire was invoked
    (0.2, 0.55, "ok", "lock"),  # still running when the later grant returned
    (0.2, 0.25, "ok", "other"),  # another key
])
def test_releases_that_cannot_have_removed_the_holders_lock(start, end, status, key):
    t = Timeline()
    t.op(2, "release", start, end, status=status, key=key)
    assert verdict(t, (0.5, 0.51), ONE).kind == BUG


def test_a_release_of_a_lock_granted_before_the_holders_is_foreign():
    t = Timeline()
    t.op(2, "acquire", -0.3, -0.29, value="t2")  # p2's lock, older than p0's: gone when p0 got the key
    r = t.op(2, "release", 0.2, 0.25)
    assert verdict(t, (0.5, 0.51), ONE).release is t.operation(r)


@pytest.mark.parametrize("granted", [(0.1, 0.12), (-0.005, 0.005)])  # after p0's grant; alongside it
def test_a_release_of_the_releasers_own_newer_lock_is_not_foreign(granted):
    """p2 was granted after (or while) p0 was: its release removed its own lock, not p0's (a
    Curator holder's node after a session it gave up: found so on a real ensemble)."""
    t = Timeline()
    t.op(2, "acquire", *granted, value="t2")
    t.op(2, "release", 0.2, 0.25)
    assert verdict(t, (0.5, 0.51), ONE).kind == BUG  # granted inside p0's lease twice: still a bug


def test_state_lost_wins_over_a_foreign_release_and_that_over_a_bug():
    t = Timeline()
    t.op(2, "release", 0.2, 0.25)
    t.fault("clock-jump", 0.3, node="n1", delta=5.0)
    assert verdict(t, (0.5, 0.51), ONE).kind == STATE_LOST


# ---- within the lease -----------------------------------------------------------------------------

def test_a_grant_ten_seconds_into_a_twelve_second_lease_is_a_bug():
    c = verdict(Timeline(), (9.99, 10.0), LeaseTerms(12.0, 12.0))
    assert c.kind == BUG and c.is_bug
    assert c.granted_at.hi == pytest.approx(10.0)
    assert c.lease_left.lo == pytest.approx(12 * (1 - RATE) - SLACK - 10.0)
    assert c.headline() == ("p1 was granted the lock at most 10.0 s into p0's 12 s lease "
                            "(1.9 s or more of it left), with no fault to explain it")


def test_a_short_fault_does_not_explain_a_grant_inside_the_lease():
    t = paused(0.02, 0.52)
    assert verdict(t, (0.6, 0.61), ONE).kind == BUG


def test_a_lock_without_a_lease_is_valid_until_released():
    c = verdict(Timeline(), (500.0, 500.01), SESSION)
    assert c.kind == BUG and c.lease_left is None and c.granted_at.lo == pytest.approx(499.99)
    assert c.headline() == ("p1 was granted the lock while p0 held it and had not released (no lease), "
                            "with no fault to explain it")


def test_a_renewing_lock_is_known_valid_within_its_first_lease():
    assert verdict(Timeline(), (0.5, 0.51), RENEWING).kind == BUG
    assert verdict(Timeline(), (5.0, 5.01), RENEWING).kind == UNDETERMINED  # renewal not promised


def test_a_promised_renewal_keeps_the_lease_valid_until_something_may_disturb_it():
    assert verdict(Timeline(), (5.0, 5.01), PROMISED).kind == BUG  # undisturbed: still renewed
    t = paused(5.0, 5.4)  # a pause shorter than the lease, long after the acquire: the second grant is a bug
    c = verdict(t, (5.45, 5.46), PROMISED)
    assert c.kind == BUG
    assert c.lease_left.lo == pytest.approx((5.0 - SLACK - (1 / 3 * (1 + RATE) + SLACK)) + 1 - RATE - SLACK - 5.46)
    assert "into p0's renewed 1 s lease" in c.headline()
    t = Timeline()  # any client partition may have cut the holder off
    t.fault("partition", 5.0, proxy="client1-n1", direction="both")
    assert verdict(t, (5.9, 5.91), PROMISED).kind == UNDETERMINED


def test_a_promise_of_renewal_the_lease_cannot_keep_is_not_trusted():
    slow = LeaseTerms(1.0, 1.0, renews=True, renew_every=0.99, session_bound=False)
    c = verdict(Timeline(), (5.0, 5.01), slow)
    assert c.kind == UNDETERMINED
    assert c.lease_left.lo == pytest.approx(1 - RATE - SLACK - 5.01)  # the first lease is all it knows


def test_the_holders_indeterminate_op_means_its_process_may_have_died_then():
    t = Timeline()
    t.op(0, "write", 3.0, None, key="resource")  # pending from 3.0
    assert verdict(t, (3.5, 3.51), PROMISED, release=False).kind == BUG
    t = Timeline()
    t.op(0, "write", 3.0, None, key="resource")
    assert verdict(t, (4.5, 4.51), PROMISED, release=False).kind == UNDETERMINED


# ---- undetermined ---------------------------------------------------------------------------------

def test_a_grant_at_the_end_of_the_lease_is_undetermined():
    c = verdict(Timeline(), (1.0, 1.02), ONE)
    assert c.kind == UNDETERMINED
    assert c.lease_left.lo < 0 < c.lease_left.hi
    assert "from" in c.headline() and "inside the margins" in c.headline()


def test_a_waiter_queued_inside_the_lease_may_have_been_granted_inside_it():
    assert verdict(Timeline(), (0.5, 3.0), ONE).kind == UNDETERMINED


def test_without_times_only_order_decides():
    t = Timeline()
    h, earlier, later = overlap(t, (5.0, 5.01))
    bare = t.untimed()
    first, second = (next(op for op in bare.operations() if op.index == x.index) for x in (earlier, later))
    assert classify(bare, first, second, ONE).kind == UNDETERMINED
    assert classify(bare, first, second, SESSION).kind == BUG
    assert classify(bare, first, second, ONE).granted_at is None


def test_a_wider_margin_turns_a_close_call_undetermined():
    h, earlier, later = overlap(Timeline(), (1.1, 1.11))
    assert classify(h, earlier, later, ONE).kind == PAST_LEASE
    assert classify(h, earlier, later, ONE, rate=0.1).kind == UNDETERMINED
    assert classify(h, earlier, later, ONE, slack=0.2).kind == UNDETERMINED


# ---- the API --------------------------------------------------------------------------------------

def test_facts_are_json():
    t = Timeline()
    t.fault("start-client-pause", 5.0, client=0)
    c = verdict(t, (8.1, 8.11), RENEWING)
    d = json.loads(json.dumps(c.to_dict()))
    assert d["kind"] == PAST_LEASE and d["faults"][0]["f"] == "start-client-pause"
    assert d["lease_left"][0] < d["lease_left"][1] < 0 and d["past_by"] == [-x for x in reversed(d["lease_left"])]
    d = verdict(Timeline(), (5.0, 5.01), RENEWING).to_dict()
    assert d["lease_left"][1] is None  # unbounded


@pytest.mark.parametrize("args", [(1.0, None), (2.0, 1.0), (-1.0, 1.0), (0.0, 0.0), (None, None, True)])
def test_lease_terms_refuse_nonsense(args):
    with pytest.raises(ValueError):
        LeaseTerms(*args)
    with pytest.raises(ValueError):
        LeaseTerms(1.0, 1.0, renew_every=0.3)


def test_the_pair_must_be_two_grants_in_order():
    h, earlier, later = overlap(Timeline(), (0.5, 0.51))
    with pytest.raises(ValueError):
        classify(h, later, earlier, ONE)
    release = next(op for op in h.operations() if op.f == "release")
    with pytest.raises(ValueError):
        classify(h, earlier, release, ONE)


def test_faults_are_intervals():
    t = Timeline()
    t.fault("start-pause", 1.0, node="n1")
    t.fault("kill", 2.0, node="n1")  # ends the pause without a stop event
    t.fault("restart", 3.0, node="n1", wipe=True)
    t.fault("partition", 4.0, proxy="client0-n1")
    t.fault("start-delay", 4.5, proxy="client1-n1", delay=0.1)
    t.fault("heal", 5.0, proxy="client0-n1")
    t.fault("stop-client-pause", 6.0, client=3)  # no start: dropped
    t.fault("connection-kill", 7.0, proxy="client0-n1")
    found = [(x.f, x.first, x.last) for x in faults(t.history())]
    assert found == [("start-pause", 0, 1), ("kill", 1, 2), ("partition", 3, 5), ("start-delay", 4, math.inf),
                     ("connection-kill", 7, 7)]


# ---- property tests: a simulated lease server whose truth is known -------------------------------

class Holder:
    """The earlier holder's lease as the server really keeps it, in coordinator seconds.

    `lasts` is one lease as the coordinator measures it: the true lease the server applied
    (between the declared shortest and longest) stretched by a clock-rate error and shifted by
    an expiry granularity, both inside the classifier's allowance. A renewing holder sends a
    renewal every `period` while its process runs (not paused, not dead) and reaches the
    server (not cut off); a renewal lands `delay` late once latency struck it. A new leader
    elected at a `restarts` moment starts every live lease afresh. Nothing revives a lease
    that has ended.
    """

    def __init__(self, lasts: float, period: float | None):
        self.lasts, self.period = lasts, period
        self.frozen: list[tuple[float, float]] = []  # pauses and cuts of this holder
        self.slowed: tuple[float, float] | None = None  # (from, delay)
        self.death = math.inf
        self.restarts: list[float] = []

    def stopped(self, at: float) -> bool:
        return at >= self.death or any(a <= at < b for a, b in self.frozen)

    def lands(self, sent: float) -> float:
        return sent + self.slowed[1] if self.slowed and sent >= self.slowed[0] else sent

    def lease_end(self, applied: float, grant: float) -> float:
        """When the lease ends, as far as the moment `grant` can tell (renewals landing later
        may extend it further)."""
        sent = [applied + k * self.period for k in range(1, int((grant - applied) / self.period) + 1)
                ] if self.period else []
        fresh = sorted([self.lands(s) for s in sent if not self.stopped(s)] + self.restarts)
        end = applied + self.lasts
        for at in fresh:
            if at > grant or at >= end:  # too late to matter at the grant, or the lease is gone
                break
            end = max(end, at + self.lasts)
        return end


def fractions(low: float, high: float):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def leases(draw, renews: bool | None = None, promise: bool | None = None):
    """Declared terms, and the true coordinator-seconds length of one lease."""
    lease = draw(st.sampled_from([0.5, 1.0, 2.0, 10.0]))
    longest = lease * (1 + draw(st.sampled_from([0.0, 0.0, 0.25, 1.0])))
    renews = draw(st.booleans()) if renews is None else renews
    promise = renews and (draw(st.booleans()) if promise is None else promise)
    terms = LeaseTerms(lease, longest, renews=renews, renew_every=0.35 * lease if promise else None,
                       session_bound=draw(st.booleans()), failover_extends=draw(st.booleans()))
    true = draw(fractions(lease, longest))
    lasts = true * (1 + draw(fractions(-0.99 * RATE, 0.99 * RATE))) + draw(fractions(-0.99 * SLACK, 0.99 * SLACK))
    return terms, lasts


LOSING = [[("kill", dict(node="n1")), ("restart", dict(node="n1", wipe=True))],  # (may elect a new leader)
          [("partition", dict(node="n1", peers=["n2"])), ("heal", {})],  # (may elect a new leader)
          [("clock-jump", dict(node="n1", delta=3.0))],
          [("connection-kill", dict(proxy="client0-n1"))]]


class Run:
    """One simulated run: the timeline it records and what really happened."""

    def __init__(self, terms: LeaseTerms, lasts: float, period: float):
        self.terms, self.lease = terms, terms.shortest
        self.holder = Holder(lasts, period if terms.renews else None)
        self.t = Timeline()
        self.lost = False  # a state-losing fault, or the holder's session ending, really struck in between
        self.extended = False  # a fault that may restart the lease struck in between

    def acquire(self, draw, jitter: float) -> None:
        self.applied = 1.0 + draw(fractions(0, jitter))
        self.acquired = self.applied + draw(fractions(0, jitter))
        self.first = self.t.op(0, "acquire", 1.0, self.acquired, value="t0")

    def lasting(self, start: float, length: float, draw, f: str, ends: str, **value) -> tuple[float, float]:
        """A fault from `start` for `length`, each event recorded up to 0.9 `SLACK` after it took
        effect; the nemesis ends a fault only after recording its start. Returns when it really was."""
        recorded = start + draw(fractions(0, 0.9 * SLACK))
        end = max(start + length, recorded)
        self.t.fault(f, recorded, **value)
        named = {k: v for k, v in value.items() if k not in ("direction", "process", "cuts")}
        self.t.fault(ends, end + draw(fractions(0, 0.9 * SLACK)), **named)
        return start, end

    def pause(self, start: float, length: float, draw) -> None:
        """The holder frozen (SIGSTOP) for a while."""
        was = self.lasting(start, length, draw, "start-client-pause", "stop-client-pause", client=0)
        self.holder.frozen.append(was)

    def cut(self, start: float, length: float, holder: bool, draw) -> None:
        """A client partition, of the holder's slot or another's, naming the process (as the
        runner records it) or only the slot (as older histories do)."""
        named = dict(process=0 if holder else 1, cuts=1) if draw(st.booleans()) else {}
        was = self.lasting(start, length, draw, "partition", "heal", proxy=f"client{0 if holder else 1}-n1",
                           direction="both", **named)
        if holder:
            self.holder.frozen.append(was)

    def slow(self, start: float, delay: float, holder: bool, draw) -> None:
        if holder:
            self.holder.slowed = (start, delay)
        self.t.fault("start-delay", start + draw(fractions(0, 0.9 * SLACK)), proxy=f"client{0 if holder else 1}-n1",
                     delay=delay)

    def retire(self, start: float, length: float, draw) -> None:
        """The holder's op ends `info`: its process died during it, or was killed just after."""
        end = start + length
        self.t.op(0, "write", start, end, status="info", key="resource")
        self.holder.death = draw(fractions(start, end + 0.9 * KILL_DELAY))

    def strike(self, faults: list, at: float, step: float, draw=None) -> None:
        """Faults at `at`, `step` apart; with `draw` they strike while the lease may run, and a
        node fault may elect a leader that restarts it."""
        for n, (f, value) in enumerate(faults):
            self.t.fault(f, at + n * step, **value)
        if draw and faults[0][0] in ("kill", "partition", "start-pause") and self.terms.failover_extends:
            self.extended = True
            if draw(st.booleans()):
                self.holder.restarts.append(at + draw(fractions(0, max(0.0, len(faults) - 1) * step)))

    def grant(self, draw, at: float, wait: float, reply: float) -> None:
        """The later client is really granted at `at`; it asked `wait` before, heard `reply` after."""
        self.granted = max(at, self.applied + 1e-6)
        asked = self.granted - wait
        heard = max(self.granted + reply, self.acquired + 1e-6)
        self.second = self.t.op(1, "acquire", asked, heard, value="t1")
        self.heard = heard
        if math.isinf(self.holder.death):
            self.t.op(0, "release", heard + 0.01, heard + 0.02, status="fail")
        if self.terms.session_bound and self.holder.death < self.granted:
            self.lost = True

    @property
    def end(self) -> float:
        return self.holder.lease_end(self.applied, self.granted)

    def verdict(self):
        h = self.t.history()
        return classify(h, self.t.operation(self.first), self.t.operation(self.second), self.terms)

    @property
    def past(self) -> bool:
        return self.granted >= self.end


def anchors(run: Run) -> list[float]:
    """Moments a lease may end at: where the interesting grants are."""
    out = [run.applied + run.holder.lasts]
    out += [start + run.holder.lasts for start, _ in run.holder.frozen]
    if not math.isinf(run.holder.death):
        out.append(run.holder.death + run.holder.lasts)
    return out


def window(run: Run, draw, *, harmless: bool = True) -> None:
    """Maybe a state-losing fault: inside the window (then it really struck) or before it.
    Not `harmless`: no connection kill where it loses nothing (it would still disturb a renewal)."""
    if draw(st.integers(0, 2)):
        return
    losing = draw(st.sampled_from(LOSING if harmless or run.terms.session_bound else LOSING[:-1]))
    if draw(st.booleans()):
        at = 1.0 + draw(fractions(0.01, 0.9)) * (run.heard - 1.0)
        run.strike(losing, at, (run.heard - at) / 4, draw)
        run.lost |= losing[0][0] != "connection-kill" or run.terms.session_bound
    else:
        run.strike(losing, draw(fractions(0.0, 0.5)), 0.01)


@st.composite
def runs(draw) -> Run:
    """Any run: faults of the holder and of others, renewal or not, grants anywhere (and
    often right where a lease may end), waiters queued long before their grant."""
    terms, lasts = draw(leases())
    lease = terms.shortest
    run = Run(terms, lasts, draw(fractions(0.1, 0.3)) * lease)
    run.acquire(draw, draw(fractions(0, 0.1)) * lease)
    base = run.acquired
    if draw(st.booleans()):
        run.pause(base + draw(fractions(0, 3)) * lease, draw(fractions(0, 4)) * lease, draw)
    if not draw(st.integers(0, 3)):
        run.cut(base + draw(fractions(0, 3)) * lease, draw(fractions(0, 3)) * lease, draw(st.booleans()), draw)
    if not draw(st.integers(0, 3)):
        run.slow(base + draw(fractions(0, 3)) * lease, draw(fractions(0, 0.5)) * lease, draw(st.booleans()), draw)
    if not draw(st.integers(0, 3)):
        run.retire(base + draw(fractions(0.001, 3)) * lease, draw(fractions(0, 0.5)) * lease, draw)
    if not draw(st.integers(0, 3)):  # a server node paused: maybe a new leader restarts the lease
        start, end = run.lasting(base + draw(fractions(-1, 3)) * lease, draw(fractions(0, 2)) * lease, draw,
                                 "start-pause", "stop-pause", node="n1")
        if run.terms.failover_extends and draw(st.booleans()):
            run.holder.restarts.append(draw(fractions(start, end)))
    if not draw(st.integers(0, 3)):  # noise: another client's pause, another's indeterminate op
        run.t.fault("start-client-pause", base + 0.1 * lease, client=2)
        run.t.op(2, "acquire", base, base + draw(fractions(0, 3)) * lease, status="info")
    if draw(st.booleans()):
        at = draw(st.sampled_from(anchors(run))) + draw(fractions(-0.1, 0.1)) * lease
    else:
        at = run.applied + draw(fractions(0.001, 6)) * lease
    wait = draw(st.sampled_from([0.1, 0.1, 3.0])) * draw(fractions(0, 1)) * lease
    run.grant(draw, at, wait, draw(fractions(0, 0.1)) * lease)
    window(run, draw)
    return run


def contains(span, x: float) -> bool:
    """`x` within the bounds, but for the nanoseconds the recorded times were rounded to."""
    return span.lo - 1e-6 <= x <= span.hi + 1e-6


def story(run: Run, c) -> str:
    return (f"truth: lease ended {run.end:.4f}, granted {run.granted:.4f}, lost {run.lost}; {c.kind}: {c.headline()}\n"
            + "\n".join(json.dumps(e.to_dict()) for e in run.t.history().events))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs())
def test_never_a_bug_past_the_lease_never_past_the_lease_inside_it(run):
    c = run.verdict()
    if run.past or run.lost:
        assert c.kind != BUG, story(run, c)
    if not run.past:
        assert c.kind != PAST_LEASE, story(run, c)
    assert c.kind != FOREIGN_RELEASE
    assert contains(c.lease_left, run.end - run.granted), story(run, c)
    assert contains(c.granted_at, run.granted - run.applied), story(run, c)


@st.composite
def clear_runs(draw) -> tuple[Run, str]:
    """Runs whose truth is far from every margin, and the class they must get."""
    mode = draw(st.sampled_from(["early", "renewed", "expired", "paused", "killed"]))
    renews = {"early": None, "expired": False}.get(mode, True)
    terms, lasts = draw(leases(renews=renews, promise=True if mode == "renewed" else None))
    lease, longest = terms.shortest, terms.longest
    run = Run(terms, lasts, draw(fractions(0.1, 0.3)) * lease)
    run.acquire(draw, 0.01 * lease)
    base = run.acquired
    if mode == "early":
        at = run.applied + draw(fractions(0.05, 0.3)) * lease
    elif mode == "renewed":  # a pause shorter than the lease, long after the acquire
        start = base + draw(fractions(2, 4)) * lease
        run.pause(start, 0.4 * lease, draw)
        at = start + draw(fractions(0.05, 0.35)) * lease
    elif mode == "expired":
        at = base + draw(fractions(2.5, 4)) * longest
    elif mode == "paused":
        start = base + draw(fractions(0, 2)) * lease
        run.pause(start, draw(fractions(2.5, 4)) * longest, draw)
        at = start + draw(fractions(2, 2.5)) * longest
    else:
        start, length = base + draw(fractions(0.001, 2)) * lease, draw(fractions(0, 0.5)) * lease
        run.retire(start, length, draw)
        at = start + length + KILL_DELAY + draw(fractions(2, 3)) * longest
    run.grant(draw, at, draw(fractions(0, 0.01)) * lease, draw(fractions(0, 0.01)) * lease)
    window(run, draw, harmless=False)
    if mode in ("early", "renewed"):
        return run, STATE_LOST if run.lost else BUG
    return run, STATE_LOST if run.extended else PAST_LEASE


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clear_runs())
def test_far_from_the_margins_the_classifier_decides(case):
    run, expected = case
    c = run.verdict()
    assert c.kind == expected, story(run, c)


# ---- a session older than the acquire (ZooKeeper): the look-back ---------------------------------

def session_end(run: Run, born: float, grant: float, touch: float | None) -> float:
    """When the holder's session really ends, as far as `grant` can tell: created at `born`,
    renewed by every ping sent while its process ran (`run.holder`), and by the acquire's own
    request at `touch` (None: the acquire's touch reached the leader too late to count, the
    case the declared `shortest` = 0 allows for). Nothing revives an expired session."""
    holder, period = run.holder, run.holder.period
    pings = [born + k * period for k in range(1, int((grant - born) / period) + 1)]
    touches = sorted([holder.lands(s) for s in pings if not holder.stopped(s)] + ([touch] if touch else []))
    end = born + holder.lasts
    for at in touches:
        if at > grant or at >= end:
            break
        end = max(end, at + holder.lasts)
    return end


@st.composite
def session_runs(draw) -> tuple[Run, float]:
    """A session created at 1.0 s and pinged every `period`; maybe a pause of the holder before
    its acquire (the look-back's business) and one after; the later grant anywhere. Returns
    the run and the session's true end; runs whose session was dead at the acquire are dropped
    (ZooKeeper refuses a dead session's request)."""
    lease = draw(st.sampled_from([0.5, 1.0, 2.0, 10.0]))
    longest = lease * (1 + draw(st.sampled_from([0.0, 0.25, 1.0])))
    terms = LeaseTerms(0.0, longest, renews=True, renew_every=0.35 * lease, renewed=lease,
                       session_bound=False, failover_extends=False)
    true = draw(fractions(lease, longest))
    lasts = true * (1 + draw(fractions(-0.99 * RATE, 0.99 * RATE))) + draw(fractions(-0.99 * SLACK, 0.99 * SLACK))
    run = Run(terms, lasts, draw(fractions(0.1, 0.3)) * lease)
    born, ready = 1.0, 1.0
    if draw(st.booleans()):  # the holder paused before it acquires
        start = born + draw(fractions(0, 2)) * lease
        run.pause(start, draw(fractions(0, 1.5)) * lease, draw)
        ready = run.holder.frozen[-1][1] + 0.001
    invoke = max(born + draw(fractions(0.01, 3)) * lease, ready + draw(fractions(0, 0.6)) * lease)
    run.applied = invoke
    run.acquired = invoke + draw(fractions(0, 0.05)) * lease
    hypothesis_assume(session_end(run, born, invoke, None) > run.acquired)
    run.first = run.t.op(0, "acquire", invoke, run.acquired, value="t0")
    if draw(st.booleans()):  # and after
        run.pause(run.acquired + draw(fractions(0, 2)) * lease, draw(fractions(0, 3)) * lease, draw)
    run.grant(draw, run.acquired + draw(fractions(0.001, 5)) * lease, draw(fractions(0, 0.1)) * lease,
              draw(fractions(0, 0.05)) * lease)
    touch = draw(st.sampled_from([None, "acquire"]))
    touch = None if touch is None else draw(fractions(invoke, run.acquired))
    return run, session_end(run, born, run.granted, touch)


def hypothesis_assume(condition: bool) -> None:
    from hypothesis import assume

    assume(condition)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(session_runs())
def test_a_session_older_than_the_acquire_is_a_bug_only_while_its_pings_certainly_kept_it(case):
    """`renewed`: the look-back before the acquire never calls a grant after the session
    truly ended a bug, nor one before it past the lease; and where no pause came near,
    a grant soon after the acquire is shown to be inside the session."""
    run, end = case
    c = run.verdict()
    truth = f"session ended {end:.4f}, granted {run.granted:.4f}; {c.kind}: {c.headline()}"
    if run.granted >= end:
        assert c.kind != BUG, truth
    else:
        assert c.kind != PAST_LEASE, truth
    assert contains(c.lease_left, end - run.granted), truth
    if not run.holder.frozen and run.granted < run.acquired + 0.3 * run.terms.renewed:
        assert c.kind == BUG, truth  # undisturbed pings: without the look-back this was undetermined


def test_without_the_look_back_a_session_lock_is_never_shown_inside_its_lease():
    t = Timeline()
    terms = LeaseTerms(0.0, 2.0, renews=True, renew_every=0.7, renewed=2.0, session_bound=False)
    assert verdict(t, (1.0, 1.01), terms).kind == BUG  # no fault anywhere: pinged throughout
    paused_before = paused(-1.0, -0.05)  # the holder was frozen until just before it acquired
    assert verdict(paused_before, (1.0, 1.01), terms).kind == UNDETERMINED
    old = LeaseTerms(0.0, 2.0, renews=True, renew_every=0.7, session_bound=False)  # no `renewed`
    assert verdict(Timeline(), (1.0, 1.01), old).kind == UNDETERMINED
    with pytest.raises(ValueError):
        LeaseTerms(0.0, 2.0, renews=True, renewed=2.0)  # a renewal's lease needs a promised interval
