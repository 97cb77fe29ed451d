"""Vetting speed and recording overhead (run on demand; not part of the test suite).

    python benchmarks/bench_vet.py [--seeds 5] [--cycles 3000]

1. Time to first violation + shrink for the seed's Redis lock under client pauses, over
   several seeds (target: median <= 10 s), with the size of each minimal schedule; and the
   seed's Redlock under clock jumps: broken by ONE jump through a split race (target:
   <= 2 clients, <= 6 ops, 1 fault).
2. How often `taala replay` reproduces the first reproducer in 10 runs (target: >= 9).
3. Recording overhead: lock cycles (acquire + release) on a real Redis, raw versus with
   every invocation and completion recorded as history events (target: <= 10 %), and, for
   scale, through the runner's client process (pipe round trips included).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_checker import machine  # noqa: E402

from taala.adapters import get  # noqa: E402
from taala.runner.client import ClientProcess  # noqa: E402
from taala.runner.recorder import Recorder  # noqa: E402
from taala.schedule import counts  # noqa: E402
from taala.servers import start_redis  # noqa: E402
from taala.vet import load_reproducer, replay, vet  # noqa: E402


def bench_vet(seeds: int) -> str | None:
    cls = get("seed-redis")
    times, first = [], None
    with tempfile.TemporaryDirectory() as store:
        for seed in range(1, seeds + 1):
            c = vet(cls, ["pause"], budget=120, seed=seed, store=store)
            times.append(c.elapsed_s)
            size = counts(c.schedule, c.clients) if c.schedule else None
            print(f"  seed {seed}: violation={c.violation} in {c.elapsed_s:.1f} s, {c.examples} schedules, minimal {c.schedule} {size}")
            if c.reproducer and first is None:
                first = c.reproducer
                data = load_reproducer(first)
        print(f"seed-redis under pause: median time to violation + shrink {statistics.median(times):.1f} s "
              f"(min {min(times):.1f}, max {max(times):.1f})  (target: median <= 10 s)")
        if first is not None:
            r = replay(cls, data, runs=10)
            print(f"replay of the first reproducer: reproduced in {r.reproduced} of {r.runs} runs  (target: >= 9)")
    return first


def bench_redlock_clock(seeds: int) -> None:
    cls = get("seed-redlock")
    with tempfile.TemporaryDirectory() as store:
        for seed in range(1, seeds + 1):
            # probe=False: the canonical majority probe (three jumps) would answer first;
            # this measures whether the random search finds the one-jump split race
            c = vet(cls, ["clock"], budget=120, seed=seed, store=store, probe=False)
            size = counts(c.schedule, c.clients) if c.schedule else None
            print(f"  seed-redlock under clock, seed {seed}: violation={c.violation} in {c.elapsed_s:.1f} s, "
                  f"minimal {c.schedule} {size}")


def bench_overhead(cycles: int) -> None:
    cls = get("seed-redis")
    with start_redis(1) as cluster:
        adapter = cls(cluster.addresses, ttl=5.0, client=0)

        def raw() -> float:
            t = time.perf_counter()
            for _ in range(cycles):
                token = adapter.acquire("bench")
                adapter.release("bench", token)
            return time.perf_counter() - t

        def recorded() -> float:
            rec = Recorder()
            t = time.perf_counter()
            for _ in range(cycles):
                rec.add("invoke", 0, "acquire", None, "bench")
                token = adapter.acquire("bench")
                rec.add("ok", 0, "acquire", token, "bench")
                rec.add("invoke", 0, "release", None, "bench")
                adapter.release("bench", token)
                rec.add("ok", 0, "release", None, "bench")
            return time.perf_counter() - t

        raws, recs = [], []
        for _ in range(5):  # interleave to share the machine's noise
            raws.append(raw())
            recs.append(recorded())
        r, c = statistics.median(raws), statistics.median(recs)
        print(f"lock cycles in-process: raw {cycles / r:,.0f}/s, recorded {cycles / c:,.0f}/s, "
              f"overhead {100 * (c - r) / r:.1f} %  (target: <= 10 %)")
        adapter.close()

        proc = ClientProcess(cls, cluster.addresses, 5.0, 0, cluster.addresses[0])
        t = time.perf_counter()
        for _ in range(cycles):
            _, token, _ = proc.call("acquire", "bench2", timeout=5)
            proc.call("release", "bench2", token, timeout=5)
        via = time.perf_counter() - t
        proc.stop()
        print(f"lock cycles through a runner client process (pipe round trips): {cycles / via:,.0f}/s "
              f"({100 * (via - r) / r:.0f} % slower than raw)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--cycles", type=int, default=3000)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    bench_vet(args.seeds)
    bench_redlock_clock(args.seeds)
    bench_overhead(args.cycles)


if __name__ == "__main__":
    main()
