"""What each Redis adapter does, against real Redis servers: semantics, not vetting.

For every adapter with backend "redis": the lock excludes a second client while held,
hands over on release, expires after its TTL (or keeps renewing), and refuses a stale
holder's release. Then the flaw each seed/library adapter is there to exhibit, shown
directly: an unchecked DEL, a colliding timestamp token with a release on the failed path,
a Redlock majority forgetting the key, a renewal thread dying without a word.
"""

from __future__ import annotations

import threading
import time
import uuid
from types import SimpleNamespace

import pytest
import redis
from taala.adapters import available
from taala.adapters import seed_redis_phonepe as phonepe_module

TTL = 0.3
ALL = available()
REDIS_ADAPTERS = sorted(n for n, c in ALL.items() if c.backend == "redis")
RENEWING = {"python-redis-lock-renewal", "tooz-redis-heartbeat"}
# Redis adapters with no lease at all (a record held until handed back, a Pub/Sub subscription)
NO_LEASE = {"occ-redis-watch", "seed-ola-cas", "portalocker-redis-lock", "portalocker-redis-lock-fenced"}
REDLOCKS = ["seed-redlock", "pottery-redlock"]
# Redis adapters that exclude nobody by design (their flaw, shown below)
NO_EXCLUSION = {"sherlock-redis-no-expire"}


def ttl_for(cls) -> float:
    return max(TTL, getattr(cls, "min_ttl", 0.0))


@pytest.fixture
def cluster(redis_servers):
    """Five lock nodes plus a sixth for the protected resource (the fencing counter)."""
    return redis_servers(6)


@pytest.fixture
def make(cluster):
    made = []

    def make(name, client, ttl=None):
        cls = ALL[name]
        unavailable = getattr(cls, "unavailable", None)  # a process adapter whose program is not installed
        if unavailable is not None and (reason := unavailable()):
            pytest.skip(f"{name}: {reason}")
        adapter = cls(cluster.addresses[: cls.nodes], ttl=ttl or ttl_for(cls), client=client,
                      resource=cluster.addresses[-1])
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        adapter.close()


@pytest.fixture
def distinct_seconds(monkeypatch):
    """PhonePe tokens from a clock that ticks a whole second per call: no two collide."""
    ticks = iter(range(1_700_000_000, 1_800_000_000))
    monkeypatch.setattr(phonepe_module, "time", SimpleNamespace(time=lambda: float(next(ticks))))


@pytest.fixture
def key():
    return f"lock:{uuid.uuid4().hex[:8]}"


def node_client(address) -> redis.Redis:
    host, _, port = address.rpartition(":")
    return redis.Redis(host=host, port=int(port), socket_timeout=1, decode_responses=True)


# ---- every Redis adapter ---------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(set(REDIS_ADAPTERS) - NO_EXCLUSION))
def test_excludes_while_held_and_hands_over_on_release(name, make, key, distinct_seconds):
    a, b = make(name, 0), make(name, 1)
    ta = a.acquire(key)
    assert ta
    assert b.acquire(key) is None
    assert a.release(key, ta) is True
    tb = b.acquire(key)
    assert tb
    assert b.release(key, tb) is True
    assert a.acquire(key)


@pytest.mark.parametrize("name", sorted(set(REDIS_ADAPTERS) - RENEWING - NO_LEASE - NO_EXCLUSION))
def test_lease_expires_after_ttl(name, make, key, distinct_seconds):
    a, b = make(name, 0), make(name, 1)
    ta = a.acquire(key)
    assert ta
    assert b.acquire(key) is None
    time.sleep(a.ttl + 0.15 if not hasattr(a, "lease") else a.lease + 0.15)
    tb = b.acquire(key)
    assert tb, "the lease outlived its TTL"
    # The stale holder's release: refused by every ownership-checking adapter ...
    if name == "seed-redis-unchecked-release":
        assert a.release(key, ta) is True  # ... but a plain DEL "succeeds" (see below)
    else:
        assert a.release(key, ta) is False
        assert b.release(key, tb) is True


def test_renewal_keeps_the_lock_past_its_ttl(make, key):
    a, b = make("python-redis-lock-renewal", 0), make("python-redis-lock-renewal", 1)
    ta = a.acquire(key)
    assert ta
    time.sleep(a.lease * 2.2)  # three renewals at expire * 2/3
    assert b.acquire(key) is None
    assert a.release(key, ta) is True
    assert b.acquire(key)


def test_no_lock_lets_everybody_in(key):
    cls = ALL["no-lock"]
    a, b = cls([], ttl=TTL, client=0), cls([], ttl=TTL, client=1)
    ta, tb = a.acquire(key), b.acquire(key)
    assert ta and tb and ta != tb
    assert a.release(key, ta) and b.release(key, tb)


def test_sherlock_without_expiry_deletes_the_key_it_just_set(make, key, cluster):
    """expire=None: the script's `EXPIRE key -1` (the "-1" ~= -1 guard never holds) deletes it."""
    a, b = make("sherlock-redis-no-expire", 0), make("sherlock-redis-no-expire", 1)
    ta = a.acquire(key)
    assert ta and node_client(cluster.addresses[0]).exists(key) == 0
    assert b.acquire(key), "a second client was kept out: the key was not deleted"


def test_sherlock_with_a_lease_not_in_whole_seconds_leaves_its_key_for_ever(make, key, cluster):
    """The script's EXPIRE fails after its SETNX: the acquire raises, the key has no TTL."""
    a = make("sherlock-redis", 0, ttl=1.5)
    with pytest.raises(redis.exceptions.ResponseError):
        a.acquire(key)
    server = node_client(cluster.addresses[0])
    assert server.exists(key) == 1 and server.ttl(key) == -1  # no TTL: never granted again
    assert make("sherlock-redis", 1, ttl=1.5).acquire(key) is None  # SETNX fails: no EXPIRE, no error
    time.sleep(1.6)  # past the lease it asked for
    assert make("sherlock-redis", 2, ttl=1.5).acquire(key) is None and server.ttl(key) == -1


def test_fenced_tokens_increase(make, key):
    a, b = make("fenced-redis", 0), make("fenced-redis", 1)
    t1 = a.acquire(key)
    assert a.release(key, t1)
    t2 = b.acquire(key)
    time.sleep(TTL + 0.15)  # b's lease expires under it: the next token must still be newer
    t3 = a.acquire(key)
    assert isinstance(t1, int) and t1 < t2 < t3


# ---- the flaws ---------------------------------------------------------------------------

def test_unchecked_release_deletes_the_next_holders_lock(make, key):
    a, b, c = (make("seed-redis-unchecked-release", i) for i in range(3))
    ta = a.acquire(key)
    time.sleep(TTL + 0.15)  # a stalls past its lease
    assert b.acquire(key)
    assert a.release(key, ta) is True  # DEL by name: b's lock is gone
    assert c.acquire(key), "c should get in beside b"


def test_phonepe_failed_acquire_deletes_the_holders_key_when_tokens_collide(make, key, monkeypatch):
    monkeypatch.setattr(phonepe_module, "time", SimpleNamespace(time=lambda: 1_700_000_000.25))
    a, b, c = (make("seed-redis-phonepe", i) for i in range(3))
    ta = a.acquire(key)
    assert ta == "user:1700000000"  # `userID:<unix-seconds>` (seed L949)
    assert b.acquire(key) is None  # PAYMENT_IN_PROGRESS ... and the `finally` release runs
    assert c.acquire(key) == ta, "the failed contender should have deleted a's key"


def test_phonepe_failed_acquire_is_harmless_without_a_collision(make, key, distinct_seconds):
    a, b = make("seed-redis-phonepe", 0), make("seed-redis-phonepe", 1)
    ta = a.acquire(key)
    assert b.acquire(key) is None
    assert b.acquire(key) is None  # the holder's key survived the contender's release
    assert a.release(key, ta) is True


def test_phonepe_real_clock_collides_within_a_second(make, key):
    """Unpatched: two turns within one second collide (what the runner's schedules do)."""
    a, b, c = (make("seed-redis-phonepe", i) for i in range(3))
    for _ in range(3):  # a second boundary may fall between the two calls; three tries
        if a.acquire(key) and b.acquire(key) is None and c.acquire(key):
            return
        node_client(c.addresses[0]).delete(key)
    pytest.fail("no token collision within a second")


@pytest.mark.parametrize("name", REDLOCKS)
def test_redlock_needs_a_majority(name, make, key, cluster):
    a = make(name, 0)
    held = "someone-else"
    for address in cluster.addresses[:2]:
        node_client(address).set(key if name == "seed-redlock" else f"redlock:{key}", held, px=5000)
    ta = a.acquire(key)
    assert ta, "3 of 5 nodes is a majority"
    assert a.release(key, ta) is True
    node_client(cluster.addresses[2]).set(key if name == "seed-redlock" else f"redlock:{key}", held, px=5000)
    assert a.acquire(key) is None, "2 of 5 nodes is not"


@pytest.mark.parametrize("name", REDLOCKS)
def test_redlock_majority_restarted_empty_grants_the_lock_twice(name, make, key, cluster):
    a, b = make(name, 0, ttl=5.0), make(name, 1, ttl=5.0)
    assert a.acquire(key)
    assert b.acquire(key) is None
    for node in list(cluster)[:3]:
        node.restart(wipe=True)
    assert b.acquire(key), "a majority forgot a's key: b holds the lock too"


@pytest.mark.parametrize("name", REDLOCKS)
def test_redlock_with_a_majority_stopped_returns_none_in_bounded_time(name, make, key, cluster):
    """Errors count as "no" votes: neither the seed nor pottery raises (the outcome is reported
    as not acquired, even though a stopped node will execute the SET when it resumes)."""
    a = make(name, 0)
    stopped = list(cluster)[:3]
    for node in stopped:
        node.pause()
    try:
        started = time.monotonic()
        assert a.acquire(key) is None
        assert time.monotonic() - started < 4.0
    finally:
        for node in stopped:
            node.resume()


@pytest.mark.parametrize("name", REDLOCKS)
def test_redlock_one_node_stopped_still_acquires(name, make, key, cluster):
    """A contended acquire now waits for the stopped node's timeouts: ~1.2 s for the seed
    (3 tries x (0.2 s SET + 0.2 s release)), ~1 s for pottery (0.5 s SET + 0.5 s release),
    longer than a short lease: hence the 5 s TTL."""
    a, b = make(name, 0, ttl=5.0), make(name, 1, ttl=5.0)
    node = list(cluster)[4]
    node.pause()
    try:
        ta = a.acquire(key)
        assert ta
        started = time.monotonic()
        assert b.acquire(key) is None
        assert time.monotonic() - started < 2.0
        assert a.release(key, ta) is True
    finally:
        node.resume()


def test_seed_redlock_release_succeeds_if_any_node_released(make, key, cluster):
    a, b = make("seed-redlock", 0, ttl=5.0), make("seed-redlock", 1, ttl=5.0)
    ta = a.acquire(key)
    for address in cluster.addresses[1:5]:
        node_client(address).delete(key)  # a holds the key on one node only
    assert b.acquire(key), "b takes a majority"
    assert a.release(key, ta) is True  # L1335: any node released => True


def test_python_redis_lock_refuses_sub_second_ttls(cluster):
    for name in ("python-redis-lock", "python-redis-lock-renewal"):
        with pytest.raises(ValueError, match="whole seconds"):
            ALL[name](cluster.addresses[:1], ttl=0.3, client=0)


def test_renewal_thread_dies_silently_once_the_key_is_gone(make, key, cluster):
    a, b = make("python-redis-lock-renewal", 0), make("python-redis-lock-renewal", 1)
    ta = a.acquire(key)
    lock = a._held[ta]
    node_client(cluster.addresses[0]).delete(f"lock:{key}")  # as a restart without persistence would
    failures = []
    previous = threading.excepthook
    threading.excepthook = lambda args: failures.append(args.exc_type.__name__)
    try:
        time.sleep(a.lease * 2 / 3 + 0.3)  # the next renewal finds the key gone
    finally:
        threading.excepthook = previous
    assert failures == ["NotAcquired"]
    assert not lock._lock_renewal_thread.is_alive()
    assert b.acquire(key), "b takes the lock while a's object still thinks it holds it"
    assert a.release(key, ta) is False
