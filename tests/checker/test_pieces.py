"""Long one-key histories are decided in pieces: same verdicts, a counterexample from the
failing piece, and running out of memory is "unknown", never a traceback or "invalid"."""

from __future__ import annotations

import random

from taala.checker import linearizability, pieces
from taala.checker.linearizability import check, partition, searchable
from taala.checker.pieces import cut_points, decide
from taala.checker.result import UNKNOWN
from taala.checker.wgl import search
from taala.history import Event, History
from taala.models import get


def sequential_register(n: int, stale_at: int | None = None) -> list[Event]:
    """write i / read i, one op at a time; op `stale_at` (a read) sees the value before."""
    events, value = [], None
    for i in range(n):
        f = "write" if i % 2 == 0 else "read"
        seen = i if f == "write" else (value if i != stale_at else value - 2)
        if f == "write":
            value = i
        events += [Event(2 * i, "invoke", i, f, i if f == "write" else None), Event(2 * i + 1, "ok", i, f, seen)]
    return events


def test_sequential_history_is_cut_into_pieces_and_valid():
    ops = History(sequential_register(5_000)).operations()
    assert len(cut_points(ops)) > 10
    assert check(ops, get("register"), workers=1).valid is True


def test_stale_read_deep_in_a_long_history_is_explained_from_its_piece():
    ops = History(sequential_register(5_000, stale_at=3_501)).operations()
    outcome = check(ops, get("register"), workers=1)
    assert outcome.valid is False
    ce = outcome.counterexample
    assert ce.facts.culprit.process == 3_501
    assert "read 3498 but the register held 3500" in ce.explanation


def _concurrent_with_infos(seed: int, n: int = 160) -> list[Event]:
    """Bursts of 1-3 overlapping ops on one register, some writes timing out (info)."""
    rng = random.Random(seed)
    events, value, pid, index = [], 0, 0, 0
    for _ in range(n // 2):
        burst = []
        for _ in range(rng.randint(1, 3)):
            f = rng.choice(["write", "read"])
            v = rng.randrange(3)
            burst.append((pid, f, v))
            events.append(Event(index, "invoke", pid, f, v if f == "write" else None))
            pid, index = pid + 1, index + 1
        for p, f, v in burst:
            if f == "write":
                typ = "info" if rng.random() < 0.15 else "ok"
                if typ == "ok" or rng.random() < 0.5:
                    value = v
                events.append(Event(index, typ, p, f, v))
            else:  # mostly right, sometimes a stale value
                events.append(Event(index, "ok", p, f, value if rng.random() < 0.97 else rng.randrange(3)))
            index += 1
    return events


def test_pieces_agree_with_the_whole_search_on_concurrent_histories_with_infos():
    model = get("register:initial=0")
    verdicts = set()
    for seed in range(40):
        (part,) = partition(History(_concurrent_with_infos(seed)).operations()).values()
        ops = searchable(part, model)
        whole = search(ops, model).valid
        for min_piece in (1, 8):
            assert decide(ops, model, split_after=0, min_piece=min_piece).valid == whole, (seed, min_piece)
        verdicts.add(whole)
    assert len(verdicts) == 2


def test_out_of_memory_in_the_search_is_unknown(monkeypatch):
    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(pieces, "search", exhausted)
    ops = History(sequential_register(10) + [Event(20, "invoke", 99, "write", 5)]).operations()
    outcome = linearizability.check(ops, get("register"), workers=1)
    assert outcome.valid == UNKNOWN
    assert outcome.details["cause"].startswith("out of memory")
