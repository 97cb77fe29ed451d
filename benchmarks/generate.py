"""Realistic histories for benchmarks, by simulating real concurrent objects.

Each client process runs ops back to back with random latencies. Every op takes effect at
one instant inside its [invoke, complete] window (its linearization point), in the order
of those instants, against a true sequential object, so the history is linearizable. A
fraction of ops time out: the client records `info`, is retired (Jepsen gives it a new
process id), and the op took effect with probability 1/2 - at its point, or never.

Lock histories use try-lock semantics (an acquire of a held lock fails) and leases: a lock
taken by a client that then timed out is freed when its lease runs out, as in Redis or
etcd. That expiry is invisible in the history, and the checker copes because the timed-out
acquire may be treated as never having taken effect.

    python benchmarks/generate.py cas  --seed 1 > cas.jsonl
    python benchmarks/generate.py lock --ops 1000000 --keys 1000 --processes 50 > lock.jsonl
    python benchmarks/generate.py register --ops 1000000 > register.jsonl
    python benchmarks/generate.py etcd --seed 7 > etcd_007.log
"""

from __future__ import annotations

import argparse
import heapq
import random
import sys

from taala.formats.jsonl import to_json_bytes
from taala.history import Event


def _timeline(rng: random.Random, n_ops: int, processes: int, info_rate: float, mean_latency: float):
    """Yield (invoke_t, point_t, complete_t, process, is_info, effective) for each op."""
    clock = [rng.random() * mean_latency for _ in range(processes)]
    pids = list(range(processes))
    next_pid = processes
    heap = [(clock[i], i) for i in range(processes)]
    heapq.heapify(heap)
    for _ in range(n_ops):
        t, slot = heapq.heappop(heap)
        latency = rng.expovariate(1 / mean_latency)
        point = t + rng.random() * latency
        is_info = rng.random() < info_rate
        effective = not is_info or rng.random() < 0.5
        yield t, point, t + latency, pids[slot], is_info, effective
        if is_info:
            pids[slot] = next_pid
            next_pid += 1
        heapq.heappush(heap, (t + latency + rng.expovariate(1 / mean_latency), slot))


def _emit(ops: list[tuple]) -> list[Event]:
    """ops: (invoke_t, complete_t, process, f, invoke_value, type, complete_value, key)."""
    raw = []
    for n, (t0, t1, p, f, v0, typ, v1, key) in enumerate(ops):
        raw.append((t0, 0, n, "invoke", p, f, v0, key))
        raw.append((t1, 1, n, typ, p, f, v1, key))
    raw.sort(key=lambda r: (r[0], r[1], r[2]))
    return [
        Event(i, typ, p, f, v, time=int(t * 1e9), key=key) for i, (t, _, _, typ, p, f, v, key) in enumerate(raw)
    ]


def cas_register(seed: int, n_ops: int = 100, processes: int = 20, info_ops: int = 15) -> list[Event]:
    """A cas-register history like Knossos's memstress corpus (~100 ops, ~20 procs, ~15 info)."""
    rng = random.Random(seed)
    ops_t = list(_timeline(rng, n_ops, processes, info_ops / n_ops, 0.01))
    value = 0
    ops = []
    for t0, point, t1, p, is_info, effective in sorted(ops_t, key=lambda o: o[1]):
        f = rng.choice(["read", "write", "cas"])
        if f == "read":
            typ, v0, v1 = "ok", None, value
        elif f == "write":
            v0 = v1 = rng.randrange(5)
            typ = "ok"
            if effective:
                value = v0
        else:
            v0 = v1 = (rng.randrange(5), rng.randrange(5))
            ok = effective and value == v0[0]
            typ = "ok" if ok else "fail"
            if ok:
                value = v0[1]
        if is_info:
            typ, v1 = "info", v0
        ops.append((t0, t1, p, f, v0, typ, v1, None))
    return _emit(ops)


def lock(seed: int, n_ops: int, keys: int, processes: int, info_rate: float = 0.01, lease: float = 0.05) -> list[Event]:
    """A try-lock history over many keys: each client acquires a random key, then releases it."""
    rng = random.Random(seed)
    holder: dict[int, tuple[int, float]] = {}  # key -> (process, lease expiry)
    held_by: dict[int, int] = {}  # process -> key it holds
    ops = []
    for t0, point, t1, p, is_info, effective in sorted(_timeline(rng, n_ops, processes, info_rate, 0.002), key=lambda o: o[1]):
        if p in held_by:
            key = held_by.pop(p)
            f = "release"
            if effective and holder.get(key, (None,))[0] == p:
                del holder[key]
            typ = "info" if is_info else "ok"
        else:
            key = rng.randrange(keys)
            f = "acquire"
            current = holder.get(key)
            free = current is None or current[1] < point
            if free and effective:
                holder[key] = (p, point + lease)
                typ = "info" if is_info else "ok"
                if not is_info:
                    held_by[p] = key
            else:
                typ = "info" if is_info else "fail"
        ops.append((t0, t1, p, f, None, typ, None, f"lock-{key}"))
    return _emit(ops)


def etcd_log(seed: int, n_ops: int = 85, faulty: bool = False) -> str:
    """A Jepsen etcd cas-register test's op lines (`jepsen.log` shape, as in Porcupine's
    `test_data/jepsen`): ~170 events, 5-15 processes, ~15 % timed out, values 0-4, register
    initially nil. Timed-out writes and cas are `:info ... :timed-out` (the process is
    retired), timed-out reads `:fail` (reads are idempotent). With `faulty`, one read
    returns a value the register did not hold at any point of its window: not linearizable
    (most of the time: an info op may still explain it, which both checkers then agree on).
    Reads never return nil once the register was written, so Knossos's nil rule and
    Porcupine's model agree on every history."""
    rng = random.Random(seed)
    processes = rng.randint(5, 15)
    timeline = sorted(_timeline(rng, n_ops, processes, 0.15, 0.01), key=lambda o: o[1])
    bad = rng.randrange(len(timeline)) if faulty else -1
    value = None
    ops = []
    for n, (t0, point, t1, p, is_info, effective) in enumerate(timeline):
        f = "read" if n == bad else rng.choice(["read", "write", "cas"])
        if f == "read":
            seen = value if n != bad else rng.choice([v for v in range(5) if v != value])
            typ, v0, v1 = ("fail", "nil", ":timed-out") if is_info else ("ok", "nil", _edn(seen))
        elif f == "write":
            w = rng.randrange(5)
            typ, v0, v1 = ("info", str(w), ":timed-out") if is_info else ("ok", str(w), str(w))
            if effective:
                value = w
        else:
            old, new = rng.randrange(5), rng.randrange(5)
            swapped = effective and value == old
            typ = "info" if is_info else ("ok" if swapped else "fail")
            v0 = f"[{old} {new}]"
            v1 = ":timed-out" if is_info else v0
            if swapped:
                value = new
        ops.append((t0, t1, p, f, v0, typ, v1, None))
    return "".join(
        f"INFO  jepsen.util - {e.process}\t:{e.type}\t:{e.f}\t{e.value}\n" for e in _emit(ops)
    )


def _edn(value) -> str:
    return "nil" if value is None else str(value)


def sequential_register(n_ops: int) -> list[Event]:
    """One key, no concurrency: op i (a write of i, or a read of the last write) is invoked
    and completed by its own process before op i + 1 starts. Linearizable; the case where
    memory must follow concurrency (one op in flight), not length."""
    events: list[Event] = []
    value = None
    for i in range(n_ops):
        f = "write" if i % 2 == 0 else "read"
        if f == "write":
            value = i
        events.append(Event(2 * i, "invoke", i, f, i if f == "write" else None, time=2 * i))
        events.append(Event(2 * i + 1, "ok", i, f, value, time=2 * i + 1))
    return events


def write(events: list[Event], out=sys.stdout.buffer) -> None:
    for e in events:
        out.write(to_json_bytes(e.to_dict()) + b"\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["cas", "lock", "register", "etcd"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ops", type=int, default=None)
    ap.add_argument("--keys", type=int, default=1000)
    ap.add_argument("--processes", type=int, default=None)
    args = ap.parse_args()
    if args.kind == "etcd":
        sys.stdout.write(etcd_log(args.seed, args.ops or 85))
        return
    if args.kind == "cas":
        events = cas_register(args.seed, args.ops or 100, args.processes or 20)
    elif args.kind == "register":
        events = sequential_register(args.ops or 1_000_000)
    else:
        events = lock(args.seed, args.ops or 1_000_000, args.keys, args.processes or 50)
    write(events)


if __name__ == "__main__":
    main()
