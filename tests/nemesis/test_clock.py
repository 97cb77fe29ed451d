"""Clock jumps through libfaketime on a running Redis: expiry follows the faked wall clock."""

import time

import pytest


def test_forward_jump_expires_a_lock_early_and_back_extends_it(redis_servers, client_for,
                                                                nemesis, nemesis_history):
    a, b = redis_servers(2, clock=True)
    ca = client_for(a)
    assert ca.set("lock:a", "tok1", nx=True, px=30000)
    nemesis.clock_jump(a, +60)
    time.sleep(0.05)
    assert ca.pttl("lock:a") == -2  # gone 30 s early
    assert ca.set("lock:a", "tok2", nx=True, px=30000)  # a second holder gets the lock
    assert client_for(b).time()[0] < ca.time()[0] - 50  # b's clock did not move
    nemesis.reset_clock(a)  # back by 60 s: tok2 now has ~90 s to live
    time.sleep(0.05)
    assert ca.pttl("lock:a") > 80_000
    assert [e["f"] for e in nemesis_history] == ["clock-jump", "clock-reset"]
    assert nemesis_history[0]["value"]["offset"] == 60


def test_jumps_accumulate(redis_servers, client_for, nemesis):
    (a,) = redis_servers(1, clock=True)
    nemesis.clock_jump(a, 20)
    nemesis.clock_jump(a, -5)
    assert a.clock.offset == 15
    assert abs(client_for(a).time()[0] - time.time() - 15) < 2


def test_clock_jump_needs_a_fake_clock_on_redis(redis_servers, nemesis):
    (a,) = redis_servers(1)
    with pytest.raises(ValueError, match="clock=True"):
        nemesis.clock_jump(a, 10)
