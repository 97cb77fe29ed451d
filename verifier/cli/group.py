"""The Typer group behind `taala.cli.app.app`, for the commands written with Typer.

Imported only when a Typer command runs (`vet`, `replay`, `cluster`, ...) or a test drives
the CLI through Typer's `CliRunner`. Commands are looked up lazily from `COMMANDS`; the
argparse commands (`check`, `show`, `models`) are registered as pass-throughs that hand
their words to the same `entry` the `taala` script calls.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from taala.cli.commands import COMMANDS, SUMMARY, Lazy, missing_extra_message, run_entry


class LazyGroup(TyperGroup):
    """A typer group whose commands are imported the first time they are looked up."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS) + [name for name in super().list_commands(ctx) if name not in COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        lazy = COMMANDS[cmd_name]
        if self._listing:  # the group's own --help: a name and a line, no import
            return TyperCommand(name=cmd_name, help=lazy.summary, short_help=lazy.summary)
        try:
            importlib.import_module(lazy.module)
        except ModuleNotFoundError as e:
            message = missing_extra_message(e)
            if message is None:
                raise
            return _unavailable(cmd_name, message)
        for name, command in typer.main.get_command(app).commands.items():
            self.commands.setdefault(name, command)
        return super().get_command(ctx, cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> Any:
        self._listing = True
        try:
            return super().format_help(ctx, formatter)
        finally:
            self._listing = False


_PASS_EVERYTHING = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}


def _unavailable(name: str, message: str) -> Any:
    def explain() -> None:
        typer.echo(f"taala {name}: {message}", err=True)
        raise typer.Exit(2)

    return TyperCommand(name=name, callback=explain, add_help_option=False, context_settings=_PASS_EVERYTHING)


def _pass_through(name: str, lazy: Lazy) -> None:
    def run(ctx: typer.Context) -> None:
        raise typer.Exit(run_entry(lazy, ctx.args))

    run.__doc__ = lazy.summary
    app.command(name, help=lazy.summary, add_help_option=False, context_settings=_PASS_EVERYTHING)(run)


app = typer.Typer(
    name="taala",
    help=SUMMARY,
    cls=LazyGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback()
def _group() -> None:
    """Find mutual-exclusion and linearizability violations in distributed locks."""
    # A callback keeps `app` a group even when only one subcommand module is loaded.


for _name, _lazy in COMMANDS.items():
    if _lazy.entry is not None:
        _pass_through(_name, _lazy)
