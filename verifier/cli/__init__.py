"""The `taala` command line.

Subcommand modules register themselves on `taala.cli.app.app` and are imported only when
their command runs (see `taala.cli.app`), so `taala check` stays fast and needs no extras.
"""

from __future__ import annotations

import sys

from taala.cli.app import app, missing_extra_message


def main() -> None:
    try:
        app()
    except ModuleNotFoundError as e:  # an optional extra's package, imported late by a command
        message = missing_extra_message(e)
        if message is None:
            raise
        print(f"taala: {message}", file=sys.stderr)
        sys.exit(2)
