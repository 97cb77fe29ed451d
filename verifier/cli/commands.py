"""The `taala` command table: every subcommand, its module and its summary.

Read by `taala --help` (without importing any command), by `taala.cli.main` to run the
argparse commands directly, and by the Typer group (`taala.cli.group`) to look the Typer
commands up lazily. See `taala.cli.app` for the two kinds of command; to add one, add a
line to `COMMANDS` and write its module.
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
