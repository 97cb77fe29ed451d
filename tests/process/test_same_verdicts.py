"""seed-redis-process (the protocol's reference client) is seed-redis in a child process: under
the same fixed schedules, on real Redis servers the runner starts, both get the same verdicts
and the same op outcomes."""

from __future__ import annotations

from collections import Counter

import pytest
from taala.adapters import get
from taala.checker.judge import judge
from taala.runner import Environment, run

pytestmark = pytest.mark.timeout(180)

SCHEDULES = {  # name: (schedule, a violation expected)
    "no-fault": ([["acquire", 0], ["read", 0], ["write", 0], ["release", 0], ["acquire", 1], ["write", 1],
                  ["release", 1]], False),
    "contended": ([["acquire", 0], ["acquire", 1], ["write", 0], ["release", 0], ["acquire", 1], ["release", 1]], False),
    "pause-past-the-lease": ([["acquire", 0], ["read", 0], ["pause", 0, 2.0], ["acquire", 1], ["write", 1],
                              ["write", 0]], True),
}


def _outcomes(result) -> Counter:
    return Counter((e.type, e.f) for e in result.history.events if not e.is_nemesis)


def _verdict(name: str, schedule: list) -> tuple[bool, Counter]:
    with Environment(get(name)) as env:
        result = run(env, schedule, ttl=0.25, clients=2)
    assert not result.errors, f"{name}: {dict(result.errors)}"
    return judge(result.history, fenced=False).violation, _outcomes(result)


@pytest.mark.parametrize("schedule_name", SCHEDULES)
def test_the_process_twin_gets_the_same_verdict_as_seed_redis(schedule_name):
    schedule, violation = SCHEDULES[schedule_name]
    python_side = _verdict("seed-redis", schedule)
    process_side = _verdict("seed-redis-process", schedule)
    assert python_side[0] is violation and process_side[0] is violation
    assert process_side[1] == python_side[1]
