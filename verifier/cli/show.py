"""`taala show`: what is in a history file, at a glance, before (or while) judging it.

Counts per op and outcome, the busiest keys (each key is a partition the checker judges on
its own), the nemesis faults as spans, and with `--model` the verdict and counterexample.
The summary is plain data (`summarize`), so `--json` and the terminal show the same thing.
Parsed with argparse like `check` (see `taala.cli.args`); `main(argv)` returns the exit status.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from taala.checker.all_checks import check as run_check
from taala.cli.args import at_least, command_parser, parse
from taala.cli.check import EXIT_BAD_INPUT, exit_status, warn
from taala.cli.render import clean, render_result, render_summary
from taala.cli.term import Out
from taala.formats import DEFAULT_MAX_BYTES, FORMATS, load
from taala.formats.jsonl import to_json_bytes
from taala.history import History, HistoryError
from taala.report.axis import TimeAxis
from taala.report.bands import fault_bands
from taala.report.labels import process_label, short


def summarize(history: History, top: int) -> dict[str, Any]:
    ops = history.operations()
    axis = TimeAxis(history.events)
    by_f: dict[str, Counter] = defaultdict(Counter)
    by_key: dict = defaultdict(Counter)
    procs_by_key: dict = defaultdict(set)
    for op in ops:
        by_f[op.f][op.status] += 1
        by_key[op.key][op.status] += 1
        procs_by_key[op.key].add(op.process)
    busiest = sorted(by_key, key=lambda k: (-sum(by_key[k].values()), str(k)))
    return {
        "file": history.source,
        "events": len(history.events),
        "ops": len(ops),
        "processes": len({op.process for op in ops}),
        "span": axis.describe(axis.end),
        "counts": {f: dict(c) for f, c in sorted(by_f.items())},
        "keys": [{"key": short(k), "ops": sum(by_key[k].values()), **by_key[k], "processes": len(procs_by_key[k])} for k in busiest[:top]],
        "more_keys": max(len(busiest) - top, 0),
        "faults": [{
            "fault": short(b.label),
            "from": axis.describe(axis.at(b.start)),
            "to": "end (never stopped)" if b.end is None else axis.describe(axis.at(b.end)),
            "targets": [process_label(t) for t in b.targets],
        } for b in fault_bands(history.events)],
    }


SHOW_DOC = """Summarize a history: ops and outcomes, keys, nemesis faults; with --model, the verdict.

Examples:

  taala show histories/mutex/invalid/etcd-lease-expired.edn

  taala show store/latest/history.jsonl --model mutex
"""


def show_parser():
    p = command_parser("show", SHOW_DOC)
    p.add_argument("file", type=Path, metavar="FILE",
                   help="A history file (JSONL, Jepsen EDN or Jepsen op lines); - reads standard input.")
    p.add_argument("--model", "-m", help="Also check against this model and show the verdict.")
    p.add_argument("--top", type=at_least(1, int), default=10, metavar="N",
                   help="How many keys (partitions) to list, busiest first (default: %(default)s).")
    p.add_argument("--format", "-f", dest="fmt", metavar="FORMAT", help=f"Force the input format: {', '.join(FORMATS)}.")
    p.add_argument("--json", dest="json_out", action="store_true", help="Print the summary (and result) as one JSON object.")
    p.add_argument("--max-bytes", type=at_least(1, int), default=DEFAULT_MAX_BYTES, metavar="BYTES",
                   help="Refuse a history larger than this many bytes (default: %(default)s).")
    return p


def main(argv: list[str]) -> int:
    """`taala show ARGV...`: the exit status."""
    args = parse(show_parser(), argv)
    if isinstance(args, int):
        return args
    return show(args.file, args.model, top=args.top, fmt=args.fmt, json_out=args.json_out, max_bytes=args.max_bytes)


def show(file: Path, model: str | None = None, *, top: int = 10, fmt: str | None = None, json_out: bool = False,
         max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    from taala.models import get

    out, err = Out(), Out(stderr=True)
    try:
        the_model = None if model is None else get(model)
        history = load(file, format=fmt, max_bytes=max_bytes)
        summary = summarize(history, top)
        result = None
        if the_model is not None:
            result = run_check(history, the_model)
    except (HistoryError, ValueError) as e:
        err.print(clean(f"taala show: {e}"))
        return EXIT_BAD_INPUT
    warn(err, history)
    if json_out:
        summary["result"] = None if result is None else result.to_dict()
        sys.stdout.flush()
        sys.stdout.buffer.write(to_json_bytes(summary) + b"\n")
        sys.stdout.buffer.flush()
    else:
        render_summary(out, summary)
        if result is not None:
            out.print()
            render_result(out, result)
    return 0 if result is None else exit_status([result.valid])
