"""The `taala` command-line application object.

Subcommands live in sibling modules (`check.py`, `cluster.py`, ...) and register themselves
on this `app`; `taala.cli` imports them all. Keeping the app object in its own module lets a
subcommand module import it without importing every other subcommand.
"""

import typer

app = typer.Typer(
    name="taala",
    help="Find mutual-exclusion and linearizability violations in distributed locks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
