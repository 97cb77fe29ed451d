"""`taala check`: judge recorded history files against a model."""

from __future__ import annotations

import os
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.text import Text
from taala.checker import check as run_check
from taala.cli.app import app
from taala.cli.render import clean, plain, render_result
from taala.formats import DEFAULT_MAX_BYTES, FORMATS, STDIN, load
from taala.formats.jsonl import to_json_bytes
from taala.history import HistoryError
from taala.models import available, get
from taala.result import UNKNOWN
from taala.store import report_run

EXIT_VALID, EXIT_INVALID, EXIT_BAD_INPUT, EXIT_UNKNOWN = 0, 1, 2, 3
HISTORY_SUFFIXES = {".jsonl", ".json", ".ndjson", ".edn", ".txt", ".log"}


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


def _model_help() -> str:
    return "Model to check against, NAME or NAME:param=value,... One of: " + ", ".join(available())


@app.command()
def check(
    files: list[Path] = typer.Argument(..., help="History files or directories (JSONL, Jepsen EDN, Jepsen op lines); - reads standard input."),
    model: str = typer.Option(..., "--model", "-m", help=_model_help()),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object per file instead of text."),
    time_limit: Optional[float] = typer.Option(
        None, "--time-limit", "-t", min=0.0, help="Seconds for the linearizability search per file; past it the verdict is 'unknown'."
    ),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help=f"Force the input format: {', '.join(FORMATS)}."),
    independent: bool = typer.Option(False, "--independent", help="Values are Jepsen independent [key value] pairs: check each key separately."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Processes for the search (default: up to 2 cores)."),
    direct_only: bool = typer.Option(False, "--direct-only", help="Skip the linearizability search; run only the linear-time lock checks."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write report.html and results.json into this directory (a subdirectory per file when several)."),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", min=1, help="Refuse a history larger than this many bytes."),
) -> None:
    """Check recorded histories for linearizability and lock-safety violations.

    Exit status: 0 all valid, 1 any invalid, 2 bad input or usage, 3 any unknown (and none invalid).

    Examples:

      taala check histories/ --model mutex

      taala check store/latest/history.edn --model cas-register:initial=0 --json

      taala check history.txt --model cas-register --independent --time-limit 30
    """
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)  # messages quote user text
    try:
        the_model = get(model)
    except ValueError as e:
        err.print(clean(f"taala check: {e}"))
        raise typer.Exit(EXIT_BAD_INPUT)
    if fmt is not None and fmt not in FORMATS:
        err.print(clean(f"taala check: unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}"))
        raise typer.Exit(EXIT_BAD_INPUT)
    targets = _expand(files)
    if not targets:
        err.print(clean("taala check: no history files found in " + ", ".join(map(str, files))))
        raise typer.Exit(EXIT_BAD_INPUT)
    show_progress = not json_out and err.is_terminal and os.environ.get("CI") != "true"
    verdicts = []
    for path in targets:
        try:
            history = None
            with err.status(clean(f"checking {path} ...")) if show_progress else nullcontext():
                history = _load(path, fmt, independent, max_bytes)
                result = run_check(history, the_model, time_limit=time_limit, workers=workers, linearizability=not direct_only)
            warn(err, history)
        except HistoryError as e:
            verdicts.append("error")
            if json_out:
                record = {"file": str(path), "valid": None, "error": str(e), "model": model, "ops": None,
                          "partitions": None, "elapsed_s": None, "counterexample": None}
                sys.stdout.buffer.write(to_json_bytes(record) + b"\n")
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
            run = report_run(report, path, several=len(targets) > 1)
            run.write_results(result)
            run.write_report(history, result)
        if json_out:
            sys.stdout.buffer.write(to_json_bytes(result.to_dict()) + b"\n")
            sys.stdout.flush()
        else:
            render_result(out, result)
    raise typer.Exit(exit_status(verdicts))


def _out_of_memory(out: Console, path: Path, json_out: bool, model: str) -> None:
    """One line (or one JSON record) saying the verdict is unknown for lack of memory."""
    if json_out:
        record = {"file": str(path), "valid": UNKNOWN, "error": "out of memory", "model": model, "ops": None,
                  "partitions": None, "elapsed_s": None, "counterexample": None}
        sys.stdout.buffer.write(to_json_bytes(record) + b"\n")
    else:
        out.print(clean(f"{path}: unknown (out of memory while reading or checking it)"), highlight=False)


def warn(err: Console, history) -> None:
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


@app.command()
def models() -> None:
    """List the models `--model` accepts, with how each treats indeterminate operations."""
    out = Console(highlight=False, soft_wrap=True)
    for name, cls in available().items():
        out.print(Text(name, style="bold") + plain(f": {cls.summary}"))
        out.print(plain(f"    indeterminate ops: {cls.indeterminate}"))
