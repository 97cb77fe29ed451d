"""The `taala` command table, and the Typer application built from it on demand.

Two kinds of subcommand, both listed in `COMMANDS` (the order `taala --help` shows):

- **argparse commands** (`entry` set): the checker's hot path, `check`, `show`, `models`.
  Their module has a function `entry(argv) -> exit status`; `taala.cli.main` calls it
  directly, without importing Typer, pydantic or rich (about 0.2 s of start-up).
- **Typer commands** (`entry` None): everything else (`vet`, `replay`, `cluster`, ...).
  Their module does `from taala.cli.app import app` and decorates a function with
  `@app.command()`; it is imported only when that command runs or its --help is asked for.

To add a command, add one line to `COMMANDS` (`taala.cli.commands`) and write its module. `app` (the Typer group, in
`taala.cli.group`) is built the first time someone imports it, so importing this module
costs nothing; the argparse commands are registered on it as pass-throughs, so
`CliRunner().invoke(app, ["check", ...])` runs the same code as the `taala` script.
"""

from __future__ import annotations

from typing import Any

from taala.cli.commands import (  # noqa: F401  (the table, where callers have always found it)
    COMMANDS,
    EXTRAS,
    SUMMARY,
    Lazy,
    group_help,
    missing_extra_message,
    run_entry,
)


def __getattr__(name: str) -> Any:
    if name == "app":  # the Typer group: built on first use (Typer and pydantic take ~0.2 s to import)
        from taala.cli.group import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
