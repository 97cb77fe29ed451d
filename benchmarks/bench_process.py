"""What a process adapter costs: per-op latency against its in-process Python twin.

    python benchmarks/bench_process.py [--ops 2000] [--rounds 5]

`seed-redis` (the seed's Redis lock, a Python class in the client's process) and
`seed-redis-process` (the same lock in `adapters/seed_redis_process/client.py`, a child
process taala speaks protocol v1 to: docs/process-adapters.md), each driven directly
(acquire, then release) against the same real Redis. Per-op latency: the median and p99 of
each op's wall time, rounds interleaved so both share the machine's noise. The target
(issue #20): the process adapter adds <= 1 ms at the median. Also timed: the child's
start-up (the hello round trip included), which a campaign pays per client per run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_checker import machine  # noqa: E402

from taala.adapters import get  # noqa: E402
from taala.servers import start_redis  # noqa: E402


def op_times(adapter, ops: int, key: str) -> list[float]:
    """Wall seconds of each acquire and each release, `ops` of each."""
    times = []
    for _ in range(ops):
        t0 = time.perf_counter()
        token = adapter.acquire(key)
        t1 = time.perf_counter()
        if not token:
            raise SystemExit(f"{adapter.name}: acquire refused on a free key")
        adapter.release(key, token)
        times += [t1 - t0, time.perf_counter() - t1]
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=2000, help="lock cycles per round and adapter")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    twin, process = get("seed-redis"), get("seed-redis-process")
    print(f"{machine()}")
    with start_redis(1, clock=True) as cluster:
        addresses = cluster.addresses
        starts = []
        for n in range(5):
            t = time.perf_counter()
            p = process(addresses, ttl=5.0, client=n)
            starts.append(time.perf_counter() - t)
            p.close()
        inproc, child = twin(addresses, ttl=5.0, client=0), process(addresses, ttl=5.0, client=1)
        a, b = [], []
        for _ in range(args.rounds):
            a += op_times(inproc, args.ops, "bench-a")
            b += op_times(child, args.ops, "bench-b")
        inproc.close()
        child.close()
    ms = [statistics.median(x) * 1000 for x in (a, b)]
    p99 = [statistics.quantiles(x, n=100)[98] * 1000 for x in (a, b)]
    print(f"per op ({len(a):,} each): in-process median {ms[0]:.3f} ms (p99 {p99[0]:.3f}), "
          f"process adapter median {ms[1]:.3f} ms (p99 {p99[1]:.3f}): +{ms[1] - ms[0]:.3f} ms at the median "
          f"(target: <= 1 ms)")
    print(f"child start-up, hello answered: median {statistics.median(starts) * 1000:.0f} ms "
          f"(min {min(starts) * 1000:.0f}, max {max(starts) * 1000:.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
