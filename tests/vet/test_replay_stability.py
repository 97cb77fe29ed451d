"""The same reproducer replayed 20 times back to back gives the same verdict every time:
each run starts clean (faults healed, Redis flushed, a lock key of its own), so nothing one
run leaves behind (a key under its lease, a session still holding a lock) changes the next."""

import pytest
from taala.adapters import get
from taala.vet import REPRODUCER_VERSION, replay

pytestmark = pytest.mark.timeout(600)
RUNS = 20


def _reproducer(adapter: str, schedule: list, ttl: float = 0.25) -> dict:
    return {"taala_reproducer": REPRODUCER_VERSION, "adapter": adapter, "ttl": ttl, "clients": 2,
            "schedule": schedule}


@pytest.mark.parametrize("adapter, schedule, violation", [
    # the holder is paused past its lease and never releases inside the schedule: the next
    # run would be blocked for the rest of that lease if it shared the key
    ("seed-redis", [["acquire", 0], ["pause", 0, 2.0], ["acquire", 1]], True),
    ("seed-redis", [["acquire", 0], ["acquire", 1], ["release", 0], ["acquire", 1]], False),
    # the server restarts empty under a holder that never notices; client 1's first acquire
    # dies with its connection (info, retired), its fresh process then takes the lock
    ("postgres-advisory", [["acquire", 0], ["kill", 0], ["acquire", 1], ["acquire", 1]], True),
    # a holder that never releases inside the schedule, and a waiter blocked on it
    ("postgres-advisory", [["acquire", 0], ["acquire", 1], ["pause", 0, 1.1]], False),
])
def test_twenty_replays_give_the_same_verdict(adapter, schedule, violation):
    result = replay(get(adapter), _reproducer(adapter, schedule), runs=RUNS)
    assert result.verdicts == [violation] * RUNS, result.verdicts
