"""Checker throughput on realistic histories (run on demand; not part of the test suite).

    python benchmarks/bench_checker.py            # both benchmarks
    python benchmarks/bench_checker.py cas        # cas-register, ~100 ops (target: median <= 5 ms)
    python benchmarks/bench_checker.py lock       # 1,000,000-op lock history (target: <= 10 s, <= 1 GiB)
    python benchmarks/bench_checker.py register   # 1,000,000-op sequential one-key register (same target)
    python benchmarks/bench_checker.py pathological  # 30 concurrent timed-out writes, --time-limit 5
                                                     # (target: unknown, exit 3, <= 6 s whole process)
    python benchmarks/bench_checker.py lock --workers 1 2  # the lock history once per worker count

The lock and register benchmarks write the generated history to a temporary JSONL file and runs the
real command, `python -m taala check FILE --model mutex --json`, in a child process,
sampling the proportional set size (PSS) of that process and its children every 100 ms,
so memory shared copy-on-write with forked workers is counted once. It then
repeats the phases in-process to show where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import cas_register, lock, sequential_register, write  # noqa: E402

import taala  # noqa: E402
from taala.checker.linearizability import check as check_linearizability  # noqa: E402
from taala.history import History  # noqa: E402


def machine() -> str:
    mem = psutil.virtual_memory().total / 2**30
    cpu = platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def bench_cas(histories: int = 200) -> None:
    model = taala.get_model("cas-register:initial=0")
    times, infos, procs, verdicts = [], [], [], []
    for seed in range(histories):
        h = History(cas_register(seed))
        ops = h.operations()
        infos.append(sum(op.status == "info" for op in ops))
        procs.append(len({op.process for op in ops}))
        started = time.perf_counter()
        result = check_linearizability(ops, model, workers=1)
        times.append(time.perf_counter() - started)
        verdicts.append(result.valid)
    times.sort()
    print(f"cas-register: {histories} histories of 100 ops, median {statistics.median(procs):.0f} processes, "
          f"median {statistics.median(infos):.0f} info ops; all valid: {all(v is True for v in verdicts)}")
    print(f"  check time: median {statistics.median(times) * 1e3:.2f} ms, "
          f"p90 {times[int(0.9 * len(times))] * 1e3:.2f} ms, max {times[-1] * 1e3:.1f} ms  (target: median <= 5 ms)")


def _peak_rss(proc: subprocess.Popen, peak: list[int], stop: threading.Event) -> None:
    try:
        root = psutil.Process(proc.pid)
        while not stop.is_set():
            total = 0
            for p in [root, *root.children(recursive=True)]:
                try:  # PSS: pages shared copy-on-write with forked workers count once
                    total += p.memory_full_info().pss
                except psutil.Error:
                    pass
            peak[0] = max(peak[0], total)
            time.sleep(0.1)
    except psutil.Error:
        pass


def _whole_process(path: Path, model: str, *extra: str, target: str = "<= 10 s, <= 1 GiB") -> None:
    """Run `taala check` as a child process; print its wall time and peak PSS."""
    cmd = [sys.executable, "-m", "taala", "check", str(path), "--model", model, "--json", *extra]
    peak, stop = [0], threading.Event()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    sampler = threading.Thread(target=_peak_rss, args=(proc, peak, stop), daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    verdict = out.split('"valid":', 1)[1].split(",", 1)[0] if '"valid":' in out else "?"
    print(f"  taala check {' '.join(extra)} end to end: {wall:.2f} s, peak memory {peak[0] / 2**20:.0f} MiB, "
          f"valid={verdict}, exit {proc.returncode}  (target: {target})")


def bench_register(n_ops: int = 1_000_000) -> None:
    """One key, one op in flight at a time: memory must follow concurrency, not length."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.jsonl"
        with path.open("wb") as fh:
            write(sequential_register(n_ops), fh)
        print(f"register: {n_ops:,} sequential ops on one key ({path.stat().st_size / 2**20:.0f} MiB of JSONL)")
        _whole_process(path, "register")
        started = time.perf_counter()
        h = taala.load(path)
        t_load = time.perf_counter() - started
        started = time.perf_counter()
        h.operations()
        t_pair = time.perf_counter() - started
        result = taala.check(h, taala.get_model("register"))
        print(f"  phases in-process: parse {t_load:.2f} s, pair {t_pair:.2f} s, check {result.elapsed_s:.2f} s")


def bench_pathological(writers: int = 30, time_limit: float = 5.0) -> None:
    """Every write times out, all concurrent, then a read of a value nobody wrote: deciding it
    means trying every subset and order of the writes. The search must stop at the limit
    and say unknown (exit 3), not run on or guess."""
    events = [{"type": "invoke", "process": p, "f": "write", "value": p} for p in range(writers)]
    events += [{"type": "info", "process": p, "f": "write", "value": p} for p in range(writers)]
    events += [{"type": "invoke", "process": writers, "f": "read", "value": None},
               {"type": "ok", "process": writers, "f": "read", "value": writers + 1}]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pathological.jsonl"
        path.write_text("".join(json.dumps(e) + "\n" for e in events))
        print(f"pathological: {writers} concurrent timed-out writes, then a read of a value nobody wrote")
        _whole_process(path, "cas-register", "--time-limit", str(time_limit),
                       target=f"valid=\"unknown\", exit 3, <= {time_limit + 1:g} s")


def bench_lock(n_ops: int = 1_000_000, keys: int = 1000, processes: int = 50, workers: tuple[int, ...] = ()) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lock.jsonl"
        events = lock(1, n_ops, keys, processes)
        with path.open("wb") as fh:
            write(events, fh)
        infos = sum(e.type == "info" for e in events)
        del events
        print(f"lock: {n_ops:,} ops over {keys} keys, {processes} processes, {infos:,} info ops "
              f"({path.stat().st_size / 2**20:.0f} MiB of JSONL)")
        for w in workers or (None,):
            _whole_process(path, "mutex", *(() if w is None else ("--workers", str(w))))
        started = time.perf_counter()
        h = taala.load(path)
        t_load = time.perf_counter() - started
        started = time.perf_counter()
        h.operations()
        t_pair = time.perf_counter() - started
        result = taala.check(h, taala.get_model("mutex"))
        phases = {name: c for name, c in result.checks.items()}
        print(f"  phases in-process: parse {t_load:.2f} s, pair {t_pair:.2f} s, "
              f"check {result.elapsed_s:.2f} s ({', '.join(phases)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("which", nargs="*", help="cas, lock, register and/or pathological (default: all)")
    ap.add_argument("--workers", type=int, nargs="+", default=[], help="lock: run `taala check --workers N` for each N")
    args = ap.parse_args()
    kinds = ["cas", "lock", "register", "pathological"]
    args.which = args.which or kinds
    if set(args.which) - set(kinds):
        ap.error("choose from: " + ", ".join(kinds))
    print(f"machine: {machine()}")
    if "cas" in args.which:
        bench_cas()
    if "lock" in args.which:
        bench_lock(workers=tuple(args.workers))
    if "register" in args.which:
        bench_register()
    if "pathological" in args.which:
        bench_pathological()


if __name__ == "__main__":
    main()
