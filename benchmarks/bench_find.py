"""Time to find: how long each violation of the findings table takes to find today.

    python benchmarks/bench_find.py                       # every violation row of docs/findings.jsonl
    python benchmarks/bench_find.py --slowest 12          # the rows that took longest before
    python benchmarks/bench_find.py --adapter tooz-redis --out benchmarks/FIND.md

For each row: a fresh campaign (`taala.vet.vet`) of the row's adapter under the row's fault
and lease, stopped as soon as it has found a violation (shrinking is not timed: the table's
"time to find" is the time from the campaign's start, servers included, to its first
violation). "before" is the table's time, recorded when the row was made; the goal
(issue #21) is every row found in <= 30 s and the median <= 5 s, on this machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_checker import machine  # noqa: E402

from taala.adapters import get  # noqa: E402
from taala.vet import vet  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 240.0  # longer than the slowest row ever took (190 s), so "not found" means not found


class Found(KeyboardInterrupt):
    """Raised from the progress callback once the search has a violation: the campaign then
    ends as a Ctrl-C would, keeping what it found unshrunk (shrinking is not what is timed)."""


def time_to_find(row: dict, budget: float) -> tuple[float | None, int]:
    """(seconds from the campaign's start to its first violation or None, schedules run)."""
    cls = get(row["adapter"])
    found_at: list[float] = []

    def progress(event: dict) -> None:
        if event.get("phase") == "shrinking":
            found_at.append(event["elapsed_s"])
            raise Found

    with tempfile.TemporaryDirectory() as store:
        try:
            campaign = vet(cls, [row["fault"]], ttl=row["ttl"], budget=budget, store=store, progress=progress, hunt=0)
            examples = campaign.examples
        except Found:
            examples = -1
    return (found_at[0] if found_at else None), examples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=Path, default=ROOT / "docs" / "findings.jsonl")
    parser.add_argument("--adapter", action="append", help="only these adapters (repeatable)")
    parser.add_argument("--slowest", type=int, help="only the N rows that took longest to find before")
    parser.add_argument("--budget", type=float, default=BUDGET_S, help="search budget per row (s)")
    parser.add_argument("--out", type=Path, help="also write the results as Markdown here")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.findings.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r["outcome"] == "violation" and (not args.adapter or r["adapter"] in args.adapter)]
    if args.slowest:
        rows = sorted(rows, key=lambda r: -(r.get("time_to_find_s") or 0))[:args.slowest]
    lines = [f"# Time to find ({time.strftime('%Y-%m-%d')}; {machine()})", "",
             "| adapter | fault | lease | before | now | schedules |", "|---|---|---|---|---|---|"]
    now: list[float] = []
    for n, row in enumerate(rows, 1):
        found, examples = time_to_find(row, args.budget)
        now.append(found if found is not None else float("inf"))
        shown = "not found" if found is None else f"{found:.1f} s"
        before = row.get("time_to_find_s")
        lines.append(f"| `{row['adapter']}` | {row['fault']} | {row['ttl']:g} s | "
                     f"{'' if before is None else f'{before:.1f} s'} | {shown} | {'' if examples < 0 else examples} |")
        print(f"[{n}/{len(rows)}] {row['adapter']} under {row['fault']}: before {before} s, now {shown}", flush=True)
    befores = [r["time_to_find_s"] for r in rows if r.get("time_to_find_s") is not None]
    summary = (f"{len(rows)} rows: now median {statistics.median(now):.1f} s, max {max(now):.1f} s, "
               f"{sum(t <= 30 for t in now)} of {len(now)} within 30 s"
               + (f"; before median {statistics.median(befores):.1f} s, max {max(befores):.1f} s" if befores else "")
               + "  (goal: all <= 30 s, median <= 5 s)")
    lines += ["", summary]
    print(summary)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
