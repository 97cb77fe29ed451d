"""How fast a report for a 100,000-op history opens in a browser (target: rendered in <= 3 s).

    python benchmarks/bench_report.py [--ops 100000] [--runs 5]

Generates a lock history (benchmarks/generate.py's `lock()`), turns one failed acquire in
the middle into a successful one so there is a real overlap to show, checks it, writes the
report, and loads it in headless Chromium (the Debian packages, as in tests/report) `--runs`
times. "Rendered" is the moment the page's script has drawn everything and set
`data-rendered`; it records `performance.now()` then, i.e. milliseconds since navigation
started, which includes reading and parsing the file.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import lock
from taala.checker import check
from taala.history import History
from taala.models import get
from taala.report import render_report

from tests.report.browser import CHROMIUM, chromium, open_report


def with_violation(events):
    """Flip the middle failed acquire to ok: that client now holds a lock someone else holds."""
    middle = len(events) // 2
    for e in events[middle:]:
        if e.type == "fail" and e.f == "acquire":
            e.type = "ok"
            return events
    raise RuntimeError("no failed acquire to flip")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor())
    chromium_version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}, {chromium_version}, load {os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    t = time.perf_counter()
    history = History(with_violation(lock(1, args.ops, keys=1000, processes=50)), source=f"generated lock history ({args.ops:,} ops)")
    print(f"generate: {time.perf_counter() - t:.2f} s, {len(history.events):,} events")
    t = time.perf_counter()
    result = check(history, get("mutex"), linearizability=False)
    print(f"check (direct checks): {time.perf_counter() - t:.2f} s, valid={result.valid}")
    t = time.perf_counter()
    page = render_report(history, result)
    print(f"render_report (Python): {time.perf_counter() - t:.2f} s, {len(page) / 1e6:.2f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.html"
        path.write_text(page, encoding="utf-8")
        rendered, wall = [], []
        with chromium() as driver:
            for _ in range(args.runs):
                driver.get("about:blank")
                t = time.perf_counter()
                open_report(driver, path)
                wall.append(time.perf_counter() - t)
                rendered.append(driver.execute_script("return window.taalaRenderedAt") / 1000)
                bars = driver.execute_script("return document.querySelectorAll('#timeline rect.op').length")
    print(f"browser: rendered marker at median {statistics.median(rendered):.3f} s (max {max(rendered):.3f} s) after navigation; "
          f"load+render as seen by the driver median {statistics.median(wall):.3f} s (max {max(wall):.3f} s); {bars} op bars drawn")
    print("target <= 3 s:", "met" if max(wall) <= 3 else "MISSED")


if __name__ == "__main__":
    main()
