"""The `taala` command line.

`main` answers `taala --help` from the command table and runs the argparse commands
(`check`, `show`, `models`) itself, so they never import Typer, pydantic or rich; every
other command goes through the Typer group (see `taala.cli.app`).
"""

from __future__ import annotations

import os
import sys

from taala.cli.app import COMMANDS, group_help, missing_extra_message, run_entry


def main() -> None:
    argv = sys.argv[1:]
    if not argv or argv[0] in ("--help", "-h"):
        sys.stdout.write(group_help())
        sys.exit(0 if argv else 2)  # no command at all is a usage error, as under click
    lazy = COMMANDS.get(argv[0])
    if lazy is not None and lazy.entry is not None:
        sys.exit(_run_fast(lazy, argv[1:]))
    try:
        from taala.cli.app import app

        app()
    except ModuleNotFoundError as e:  # an optional extra's package, imported late by a command
        message = missing_extra_message(e)
        if message is None:
            raise
        print(f"taala: {message}", file=sys.stderr)
        sys.exit(2)


def _run_fast(lazy, argv: list[str]) -> int:
    """An argparse command, with Ctrl-C and a closed pipe (`| head`) ending it quietly."""
    try:
        code = run_entry(lazy, argv)
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        print("taala: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away: say nothing more, as `cat` does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
