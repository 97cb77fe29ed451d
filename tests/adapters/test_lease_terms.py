"""Every adapter's lease terms (`Adapter.lease_terms`): declared, consistent with the adapter's
other declarations, refused at load when wrong, and, for the servers cheap to start, measured.

The violation classifier (`taala.checker.lease`) calls a violation a bug or the lease's known
weakness from these numbers alone, so they are tested from both sides: against what the
adapter says elsewhere (pure, no servers), and against what the server really does (Redis,
memcached: acquire, then poll until another client gets the lock).
"""

from __future__ import annotations

import time

import pytest
from taala.adapter import Adapter, LeaseTerms, keepalive_promise
from taala.adapters import available, get
from taala.checker.lease import RATE, SLACK

ADAPTERS = available()
FIXTURES = "tests.adapters.misdeclared"

# `timing` keys that name the lease itself (how long a grant lasts), and keys that name a renewal
LEASE_KEYS = ("lease", "session", "expiry", "true lease", "invalidation")
RENEWAL_KEYS = ("renewal", "renewal interval", "keepalive", "heartbeat")
LEADER_BASED = {"etcd", "zookeeper"}  # a new leader restarts every lease
OWN_CLOCK = {"redis", "memcached", "mariadb", "postgres"}  # one server times the lease and keeps time through a pause


def campaign_ttls(cls: type[Adapter]) -> tuple[float, float]:
    """The leases campaigns run the adapter at: the quarter second (or its minimum), and `none`'s 10 s."""
    return max(0.25, cls.min_ttl), max(10.0, cls.min_ttl)


def terms_at(cls: type[Adapter], ttl: float) -> LeaseTerms:
    terms = cls.lease_terms(ttl)
    assert isinstance(terms, LeaseTerms), f"{cls.name} declares no lease terms at ttl {ttl:g}"
    return terms


# ---- declared, and consistent with the rest of the declaration ------------------------------

@pytest.mark.parametrize("name", ADAPTERS)
def test_every_adapter_declares_its_lease_terms_at_its_campaign_leases(name):
    cls = ADAPTERS[name]
    for ttl in campaign_ttls(cls):
        terms = terms_at(cls, ttl)
        if terms.leased:
            assert terms.longest >= ttl * cls.timing.get("lease", 0.0), (name, ttl, terms)


@pytest.mark.parametrize("name", ADAPTERS)
def test_the_lease_lasts_as_long_as_the_timing_says_it_can(name):
    """At the campaign lease (where `timing` is drawn from), a leased lock's longest lease covers
    every duration its `timing` gives the lease itself (memcached's true lease, etcd's expiry
    sweep, Consul's invalidation): the schedules' pauses straddle those, and a grant after one
    of them is past the lease only if the server really is done by then."""
    cls = ADAPTERS[name]
    ttl = campaign_ttls(cls)[0]
    terms = terms_at(cls, ttl)
    named = [cls.timing[k] * ttl for k in LEASE_KEYS if k in cls.timing]
    if terms.leased and named:
        assert terms.longest >= max(named) * (1 - 1e-9), (name, terms, cls.timing)


@pytest.mark.parametrize("name", ADAPTERS)
def test_a_renewal_in_the_timing_is_a_renewing_lease_and_no_promise_beats_it(name):
    cls = ADAPTERS[name]
    ttl = campaign_ttls(cls)[0]
    terms = terms_at(cls, ttl)
    renewals = [cls.timing[k] * ttl for k in RENEWAL_KEYS if k in cls.timing]
    if renewals:
        assert terms.renews, (name, terms)
    if terms.renew_every is not None:
        # a renewal the timing names is the one promised (a session's pings, which the client
        # library paces from the session timeout itself, need not be named)
        assert not renewals or terms.renew_every >= max(renewals), (name, terms, cls.timing)
        # a promise the classifier can use: a renewal lands well inside the lease a renewal leaves
        renewed = terms.shortest if terms.renewed is None else terms.renewed
        assert terms.renew_every * (1 + RATE) + SLACK < renewed * (1 - RATE) - SLACK, (name, terms)


@pytest.mark.parametrize("name", ADAPTERS)
def test_a_blocking_lock_keeps_its_lease_through_the_wait(name):
    """Every built-in blocking lock waits on the server (a queue, a session lock, a probe loop)
    holding no lease, or one it keeps alive meanwhile: none could lose its place to a lease
    that ran out during a wait of `max_wait` leases."""
    cls = ADAPTERS[name]
    if cls.blocking:
        terms = terms_at(cls, campaign_ttls(cls)[0])
        assert not terms.leased or terms.renews, (name, terms)


@pytest.mark.parametrize("name", ADAPTERS)
def test_connection_kill_expectations_agree_with_the_session(name):
    """A lock that dies with its session is unsafe when the connections are dropped under its
    holder; one that outlives them is safe (fenced locks are safe either way)."""
    cls = ADAPTERS[name]
    declared = cls.expectations.get("connection-kill")
    if declared is not None and not cls.fenced:
        assert terms_at(cls, campaign_ttls(cls)[0]).session_bound == (not declared.safe), (name, declared)


@pytest.mark.parametrize("name", ADAPTERS)
def test_only_a_leader_change_restarts_a_lease(name):
    cls = ADAPTERS[name]
    terms = terms_at(cls, campaign_ttls(cls)[0])
    if terms.leased and cls.backend in LEADER_BASED:
        assert terms.failover_extends, (name, terms)
    if terms.leased and cls.backend in OWN_CLOCK:
        assert not terms.failover_extends, (name, terms)


def test_the_lease_comes_in_the_units_the_library_takes():
    """Spot checks of the rounding each library does, at a lease it does not take as given."""
    assert get("seed-redis").lease_terms(0.25) == LeaseTerms(0.25, 0.25, session_bound=False, failover_extends=False)
    assert get("python-redis-lock").lease_terms(1.5).longest == 2.0  # EX, whole seconds, ceil
    assert get("tooz-redis").lease_terms(1.5).shortest == 2.0  # tooz reads int(timeout) of ceil(ttl)
    assert (get("memcached-add-lock").lease_terms(1.5).shortest, get("memcached-add-lock").lease_terms(1.5).longest) \
        == (1.0, 3.0)  # expire = ceil(ttl) + 1, one tick may count two seconds
    assert get("etcd-lease-lock").lease_terms(2.0).longest == 2.5  # the lessor's 500 ms sweep
    assert get("zookeeper-lock").lease_terms(2.0).longest == 2.75  # a tick bucket and half a tick's report
    assert get("seed-seat-locks-table").lease_terms(0.25).longest == 2.0  # second-truncated NOW() + 1 s
    assert not get("postgres-advisory").lease_terms(0.25).leased


def test_a_renewal_promise_needs_headroom():
    assert keepalive_promise(1 / 3, 1.0) == pytest.approx(1 / 3 + 1 / 4)  # etcd-lock's keep-alive
    assert keepalive_promise(0.5, 1.0) == pytest.approx(0.75)  # tooz's heart
    assert keepalive_promise(2 / 3, 1.0) is None  # python-redis-lock's renewal thread
    assert keepalive_promise(0.5, 0.0) is None  # nothing certain to renew


# ---- checked at load -----------------------------------------------------------------------

MISTAKES = [  # class, what the one-line error says
    ("LeaseTermsRaise", "`lease_terms(0.25)` raised ValueError: leases are whole seconds, not 0.25"),
    ("LeaseTermsNotTerms", "`lease_terms(0.25)` must return LeaseTerms(...) or None, not (0.25, 0.25)"),
    ("LeaseIgnoresTtl", "`lease_terms(10)` says the server keeps a grant at most 1 s, less than the 10 s lease "
                        "its `timing` names"),
]


@pytest.mark.parametrize("cls_name, said", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_wrong_lease_terms_are_refused_in_one_line(cls_name, said):
    with pytest.raises(ValueError) as e:
        get(f"{FIXTURES}:{cls_name}")
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith("adapter '") and "(tests/adapters/misdeclared.py): " in message, message
    assert message.endswith(said), message


def test_undeclared_terms_load_and_say_nothing():
    assert Adapter.lease_terms(1.0) is None
    assert get(f"{FIXTURES}:LeaseUndeclared").lease_terms(1.0) is None


def test_terms_are_only_asked_for_leases_the_adapter_supports():
    class WholeSeconds(get(f"{FIXTURES}:LeaseUndeclared")):
        name = "whole-seconds"
        min_ttl = 2.0

        @classmethod
        def lease_terms(cls, ttl):
            if ttl < cls.min_ttl:
                raise ValueError("below min_ttl")
            return LeaseTerms(float(ttl), float(ttl))

    assert WholeSeconds.problems() == []


# ---- measured on the real server -------------------------------------------------------------

def measured_lease(holder, contender, key: str, poll: float = 0.01, deadline: float = 10.0) -> tuple[float, float]:
    """Bounds on how long the server kept `holder`'s grant, (at least, at most) seconds: from its
    acquire to the last refused acquire of `contender` (the grant was still there when that one
    was invoked), and to the completion of the first granted one. A slow machine only widens
    them: the lease really lies inside."""
    before = time.monotonic()
    assert holder.acquire(key)
    granted = time.monotonic()
    refused = granted
    while time.monotonic() < granted + deadline:
        asked = time.monotonic()
        token = contender.acquire(key)
        if token:
            done = time.monotonic()
            contender.release(key, token)
            return refused - granted, done - before
        refused = asked
        time.sleep(poll)
    pytest.fail(f"nobody got {key} within {deadline:g} s of its grant")


LEASES = [  # adapter, ttl: leases of 0.5 s and more, each measured in at most 3 s
    ("seed-redis", 0.5),  # PX 500
    ("python-redis-lock", 1.2),  # EX ceil(1.2) = 2 s
    ("memcached-add-lock", 2.0),  # expire 3 on memcached's one-second clock: (2, 3] s, at least (1, 2]
]


@pytest.mark.parametrize("name, ttl", LEASES, ids=[f"{n}@{t:g}" for n, t in LEASES])
def test_the_server_keeps_a_grant_as_long_as_the_terms_say(name, ttl, make, key):
    terms = get(name).lease_terms(ttl)
    at_least, at_most = measured_lease(make(name, 0, ttl), make(name, 1, ttl), key)
    shortest, longest = terms.shortest * (1 - RATE) - SLACK, terms.longest * (1 + RATE) + SLACK
    said = f"{name} at ttl {ttl:g}: measured {at_least:.3f}..{at_most:.3f} s, declared {terms.describe()}"
    assert at_most >= shortest, f"expired too soon: {said}"
    assert at_least <= longest, f"lasted too long: {said}"
