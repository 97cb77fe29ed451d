"""`taala replay`: re-execute a reproducer and count how often its violation recurs.

A reproducer is shared between teams and attached to bug reports, so reading one never
runs code: the adapter it names must be a registered one (a built-in or an installed
entry point). To replay against an adapter under development, name it on the command line
(`--adapter mypkg.my_lock:MyLock`), the one place an import path is accepted.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from taala.adapter import Adapter
from taala.cli.app import app
from taala.cli.vetting import EXIT_INTERRUPTED, EXIT_SAFE, EXIT_VIOLATION, fail, load_adapter, progress_bar, quiet, \
    with_workload
from taala.runner.client import AdapterError
from taala.formats.jsonl import to_json_bytes
from taala.servers import ServerError


@app.command()
def replay(
    file: Path = typer.Argument(..., help="A reproducer.json written by `taala vet`."),
    runs: int = typer.Option(10, "--runs", min=1, help="How many times to re-execute the schedule."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object instead of text."),
    adapter: Optional[str] = typer.Option(None, "--adapter", help="Replay against this adapter instead of the one the "
                                          "file names: a registered name or, for an adapter under development, an "
                                          "import path module:Class (a reproducer itself names registered adapters "
                                          "only)."),
) -> None:
    """Re-execute a reproducer on fresh servers and report how often the violation recurs.

    Exit status: 1 if the violation recurred at least once, 0 if never, 2 bad input.
    """
    from taala.vet import load_reproducer, reproducer_problems

    try:
        data = load_reproducer(file)
    except (OSError, ValueError) as e:
        fail(f"{file}: {e}")
    cls = _replayed_adapter(file, data, adapter)
    problems = reproducer_problems(cls, data)
    if problems:
        fail(f"{file}: {'; '.join(problems)}")
    name = data["adapter"] if adapter is None else cls.name
    result = _run_replay(file, cls, name, data, runs, json_out)
    if json_out:
        sys.stdout.buffer.write(to_json_bytes(result.to_dict()) + b"\n")
    else:
        Console(highlight=False).print(
            f"{name}{with_workload(data)}: {'leak' if result.expected_class == 'leaked' else 'violation'} "
            f"reproduced in {result.reproduced} of {result.runs} runs "
            f"({result.elapsed_s:.1f} s)" + (f"; {result.same_class} of them {result.expected_class}, as saved"
                                             if result.expected_class else ""))
    raise typer.Exit(EXIT_VIOLATION if result.reproduced else EXIT_SAFE)


def _replayed_adapter(file: Path, data: dict[str, Any], option: str | None) -> type[Adapter]:
    """The adapter to replay with: `--adapter` when given, else the registered adapter the
    file names. A name read from the file is never imported as a module."""
    if option is not None:
        return load_adapter(option)
    named = data["adapter"]
    if not isinstance(named, str):
        fail(f"{file}: adapter must be a registered adapter's name, got {named!r}")
    if ":" in named:
        fail(f"{file}: names the adapter {named!r} by import path; a reproducer names registered adapters only "
             f"(see `taala adapters`): to replay against an adapter under development, give it on the command "
             f"line: taala replay {file} --adapter module:Class")
    return load_adapter(named, import_path=False)


def _run_replay(file: Path, cls: type[Adapter], name: str, data: dict[str, Any], runs: int, json_out: bool) -> Any:
    from taala.vet import replay as run_replay

    bar = progress_bar(quiet(json_out))
    try:
        if bar is None:
            return run_replay(cls, data, runs=runs)
        with bar:
            task = bar.add_task(f"replaying {file}", total=runs)
            return run_replay(cls, data, runs=runs, progress=lambda e: bar.update(task, completed=e["run"]))
    except ServerError as e:
        fail(str(e).splitlines()[0])
    except AdapterError as e:
        fail(f"adapter {name!r} could not be set up: {e}")
    except KeyboardInterrupt:
        Console(stderr=True).print("taala: interrupted; servers and clients stopped")
        raise typer.Exit(EXIT_INTERRUPTED)
