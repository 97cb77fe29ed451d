"""`taala check` and `taala models`: judge recorded history files against a model.

Parsed with argparse and printed without rich (see `taala.cli.args`, `taala.cli.term`):
these are the commands people run in loops and scripts, so they start in a fraction of
the time the Typer commands take. `main(argv)` returns the exit status.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from taala.checker.all_checks import check as run_check
from taala.checker.result import UNKNOWN
from taala.cli.args import at_least, command_parser, parse
from taala.cli.render import clean, render_result
from taala.cli.term import Out
from taala.formats import DEFAULT_MAX_BYTES, FORMATS, STDIN, load
from taala.formats.jsonl import to_json_bytes
from taala.history import HistoryError

EXIT_VALID, EXIT_INVALID, EXIT_BAD_INPUT, EXIT_UNKNOWN = 0, 1, 2, 3
HISTORY_SUFFIXES = {".jsonl", ".json", ".ndjson", ".edn", ".txt", ".log"}

CHECK_DOC = """Check recorded histories for linearizability and lock-safety violations.

Exit status: 0 all valid, 1 any invalid, 2 bad input or usage, 3 any unknown (and none invalid).

Examples:

  taala check histories/ --model mutex

  taala check store/latest/history.edn --model cas-register:initial=0 --json

  taala check history.txt --model cas-register --independent --time-limit 30
"""
MODELS_DOC = "List the models `--model` accepts, with how each treats indeterminate operations."


def _load(path: Path, fmt: str | None, independent: bool, max_bytes: int = DEFAULT_MAX_BYTES):
    history = load(path, format=fmt, independent=independent, max_bytes=max_bytes)
    if not history.events:  # almost always a recorder that crashed: say so, don't bless it
        raise HistoryError("no events found (an empty history proves nothing)", source=str(path))
    return history


def _expand(paths: list[Path]) -> list[Path]:
    """Files as given; directories contribute their history files (recursively, sorted)."""
    files: list[Path] = []
    for p in paths:
        if str(p) != STDIN and p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in HISTORY_SUFFIXES)
        else:
            files.append(p)
    return files


def check_parser(list_models: bool = False):
    """The options of `taala check`; `list_models` names every model in --model's help (for --help)."""
    p = command_parser("check", CHECK_DOC)
    models = "`taala models` lists them"
    if list_models:
        from taala.models import available

        models = "one of: " + ", ".join(available())
    p.add_argument("files", nargs="+", type=Path, metavar="FILE",
                   help="History files or directories (JSONL, Jepsen EDN, Jepsen op lines); - reads standard input.")
    p.add_argument("--model", "-m", required=True,
                   help=f"Model to check against, NAME or NAME:param=value,... ({models}).")
    p.add_argument("--json", dest="json_out", action="store_true", help="Print one JSON object per file instead of text.")
    p.add_argument("--time-limit", "-t", type=at_least(0.0), metavar="SECONDS",
                   help="Seconds for the linearizability search per file; past it the verdict is 'unknown'.")
    p.add_argument("--format", "-f", dest="fmt", metavar="FORMAT", help=f"Force the input format: {', '.join(FORMATS)}.")
    p.add_argument("--independent", action="store_true",
                   help="Values are Jepsen independent [key value] pairs: check each key separately.")
    p.add_argument("--workers", type=at_least(1, int), metavar="N", help="Processes to use: a history of 200,000 ops or more over several keys has its keys checked in N processes (peak memory grows by about the history's size); the search of long keys forks too (default: one process, and up to 2 for long searches).")
    p.add_argument("--direct-only", action="store_true",
                   help="Skip the linearizability search; run only the linear-time lock checks.")
    p.add_argument("--report", type=Path, metavar="DIR",
                   help="Write report.html and results.json into this directory (a subdirectory per file when several).")
    p.add_argument("--max-bytes", type=at_least(1, int), default=DEFAULT_MAX_BYTES, metavar="BYTES",
                   help="Refuse a history larger than this many bytes (default: %(default)s).")
    return p


def main(argv: list[str]) -> int:
    """`taala check ARGV...`: the exit status."""
    args = parse(check_parser(list_models="-h" in argv or "--help" in argv), argv)
    if isinstance(args, int):
        return args
    return check(args.files, args.model, json_out=args.json_out, time_limit=args.time_limit, fmt=args.fmt,
                 independent=args.independent, workers=args.workers, direct_only=args.direct_only,
                 report=args.report, max_bytes=args.max_bytes)


def check(files: list[Path], model: str, *, json_out: bool = False, time_limit: float | None = None,
          fmt: str | None = None, independent: bool = False, workers: int | None = None,
          direct_only: bool = False, report: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    from taala.models import get

    out, err = Out(), Out(stderr=True)
    try:
        the_model = get(model)
    except ValueError as e:
        err.print(clean(f"taala check: {e}"))
        return EXIT_BAD_INPUT
    if fmt is not None and fmt not in FORMATS:
        err.print(clean(f"taala check: unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}"))
        return EXIT_BAD_INPUT
    targets = _expand(files)
    if not targets:
        err.print(clean("taala check: no history files found in " + ", ".join(map(str, files))))
        return EXIT_BAD_INPUT
    show_progress = not json_out and err.is_terminal and os.environ.get("CI") != "true"
    verdicts = []
    for path in targets:
        try:
            history = None
            if show_progress:
                err.stream.write(clean(f"checking {path} ...") + "\r")
                err.stream.flush()
            try:
                history = _load(path, fmt, independent, max_bytes)
                result = run_check(history, the_model, time_limit=time_limit, workers=workers, linearizability=not direct_only)
            finally:
                if show_progress:
                    err.stream.write("\x1b[2K")  # erase the progress line
            warn(err, history)
        except HistoryError as e:
            verdicts.append("error")
            if json_out:
                record = {"file": str(path), "valid": None, "error": str(e), "model": model, "ops": None,
                          "partitions": None, "elapsed_s": None, "counterexample": None}
                _write_json(record)
            else:
                err.print(clean(f"error: {e}"))
            continue
        except MemoryError:  # reading or pairing a history too big for this machine: undecided
            history = result = None
            verdicts.append(UNKNOWN)
            _out_of_memory(out, path, json_out, model)
            continue
        verdicts.append(result.valid)
        if report is not None:
            from taala.store import report_run

            run = report_run(report, path, several=len(targets) > 1)
            run.write_results(result)
            run.write_report(history, result)
        if json_out:
            _write_json(result.to_dict())
        else:
            render_result(out, result)
    return exit_status(verdicts)


def _write_json(record: dict) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(to_json_bytes(record) + b"\n")
    sys.stdout.buffer.flush()


def _out_of_memory(out: Out, path: Path, json_out: bool, model: str) -> None:
    """One line (or one JSON record) saying the verdict is unknown for lack of memory."""
    if json_out:
        _write_json({"file": str(path), "valid": UNKNOWN, "error": "out of memory", "model": model, "ops": None,
                     "partitions": None, "elapsed_s": None, "counterexample": None})
    else:
        out.print(clean(f"{path}: unknown (out of memory while reading or checking it)"))


def warn(err: Out, history) -> None:
    """A history's warnings, one line each, on standard error (stdout stays the verdict)."""
    for warning in history.warnings:
        err.print(clean(f"warning: {warning}"))


def exit_status(verdicts: list) -> int:
    if "error" in verdicts:
        return EXIT_BAD_INPUT
    if any(v is False for v in verdicts):
        return EXIT_INVALID
    if any(v == UNKNOWN for v in verdicts):
        return EXIT_UNKNOWN
    return EXIT_VALID


def models_main(argv: list[str]) -> int:
    """`taala models`: every model with its summary and how it treats indeterminate ops."""
    args = parse(command_parser("models", MODELS_DOC), argv)
    if isinstance(args, int):
        return args
    from taala.models import available

    out = Out()
    for name, cls in available().items():
        out.print(out.style(clean(name), "bold"), clean(f": {cls.summary}"))
        out.print(clean(f"    indeterminate ops: {cls.indeterminate}"))
    return 0
