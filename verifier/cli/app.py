"""The `taala` command table, and the Typer application built from it on demand.

Two kinds of subcommand, both listed in `COMMANDS` (the order `taala --help` shows):

- **argparse commands** (`entry` set): the checker's hot path, `check`, `show`, `models`.
  Their module has a function `entry(argv) -> exit status`; `taala.cli.main` calls it
  directly, without importing Typer, pydantic or rich (about 0.2 s of start-up).
- **Typer commands** (`entry` None): everything else (`vet`, `replay`, `cluster`, ...).
  Their module does `from taala.cli.app import app` and decorates a function with
  `@app.command()`; it is imported only when that command runs or its --help is asked for.

To add a command, add one line here and write its module. `app` (the Typer group, in
`taala.cli.group`) is built the first time someone imports it, so importing this module
costs nothing; the argparse commands are registered on it as pass-throughs, so
`CliRunner().invoke(app, ["check", ...])` runs the same code as the `taala` script.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple


class Lazy(NamedTuple):
    module: str
    summary: str  # the first line of the command's docstring (a test keeps them equal)
    entry: str | None = None  # argparse commands: the module's `entry(argv) -> exit status`


# Every subcommand, in the order `taala --help` lists them.
COMMANDS: dict[str, Lazy] = {
    "check": Lazy("taala.cli.check", "Check recorded histories for linearizability and lock-safety violations.", "main"),
    "show": Lazy("taala.cli.show", "Summarize a history: ops and outcomes, keys, nemesis faults; with --model, the verdict.", "main"),
    "models": Lazy("taala.cli.check", "List the models `--model` accepts, with how each treats indeterminate operations.", "models_main"),
    "vet": Lazy("taala.cli.vet", "Search for a fault schedule that breaks a lock, shrink it, and save a reproducer."),
    "replay": Lazy("taala.cli.replay", "Re-execute a reproducer on fresh servers and report how often the violation recurs."),
    "adapters": Lazy("taala.cli.adapters", "List the lock adapters, their backends, and their expected verdict under each fault."),
    "workloads": Lazy("taala.cli.workloads", "List the workloads `taala vet --workload` runs, with the invariants each must keep."),
    "index": Lazy("taala.cli.index", "Write one HTML page listing every stored run of the given stores, with links to each report."),
    "cluster": Lazy("taala.cli.cluster", "Start real servers on free loopback ports, print their addresses, wait for Ctrl-C."),
}
SUMMARY = "Find mutual-exclusion and linearizability violations in distributed locks."

# Third-party modules that only an optional extra installs, and which extra that is.
EXTRAS = {"hypothesis": "vet", "redis": "vet", "pottery": "adapters", "redis_lock": "adapters"}


def missing_extra_message(error: ModuleNotFoundError) -> str | None:
    """One line naming the extra that provides a missing module (None: not an extra's)."""
    top = (error.name or "").split(".")[0]
    extra = EXTRAS.get(top)
    if extra is None:
        return None
    return f"this command needs the Python package {top!r}, which taala installs as an extra: pip install 'taala[{extra}]'"


def run_entry(lazy: Lazy, argv: list[str]) -> int:
    """Run an argparse command on `argv` (the words after its name): its exit status."""
    return getattr(importlib.import_module(lazy.module), lazy.entry)(list(argv))


def group_help() -> str:
    """`taala --help`, from the table alone: nothing is imported to write it."""
    width = max(map(len, COMMANDS))
    rows = "\n".join(f"  {name.ljust(width)}  {lazy.summary}" for name, lazy in COMMANDS.items())
    return (f"Usage: taala COMMAND [ARGS]...\n\n{SUMMARY}\n\nCommands:\n{rows}\n\n"
            "Run `taala COMMAND --help` for a command's options and examples.\n"
            "Exit status of check and show: 0 valid, 1 invalid, 2 bad input or usage, 3 unknown.\n")


def __getattr__(name: str) -> Any:
    if name == "app":  # the Typer group: built on first use (Typer and pydantic take ~0.2 s to import)
        from taala.cli.group import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
