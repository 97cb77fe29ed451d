"""The `taala` command-line application object, with subcommands loaded on demand.

Subcommands live in sibling modules (`check.py`, `show.py`, `cluster.py`, `vet.py`) and
register themselves on this `app` when imported. `taala.cli` does not import them: the
group below imports a subcommand's module only when that command runs (or its own
`--help` is asked for). `taala --help` lists every command from `COMMANDS` without
importing any of them, and `taala check` never loads the vetting machinery (Hypothesis,
the servers, the adapters), so the checker starts fast and works without the `vet` extra.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

import typer
from typer.core import TyperCommand, TyperGroup


class Lazy(NamedTuple):
    module: str
    summary: str  # the first line of the command's docstring (a test keeps them equal)


# Every subcommand, in the order `taala --help` lists them.
COMMANDS: dict[str, Lazy] = {
    "check": Lazy("taala.cli.check", "Check recorded histories for linearizability and lock-safety violations."),
    "show": Lazy("taala.cli.show", "Summarize a history: ops and outcomes, keys, nemesis faults; with --model, the verdict."),
    "models": Lazy("taala.cli.check", "List the models `--model` accepts, with how each treats indeterminate operations."),
    "vet": Lazy("taala.cli.vet", "Search for a fault schedule that breaks a lock, shrink it, and save a reproducer."),
    "replay": Lazy("taala.cli.vet", "Re-execute a reproducer on fresh servers and report how often the violation recurs."),
    "adapters": Lazy("taala.cli.vet", "List the lock adapters, their backends, and their expected verdict under each fault."),
    "cluster": Lazy("taala.cli.cluster", "Start real servers on free loopback ports, print their addresses, wait for Ctrl-C."),
}

# Third-party modules that only an optional extra installs, and which extra that is.
EXTRAS = {"hypothesis": "vet", "redis": "vet", "pottery": "adapters", "redis_lock": "adapters"}


def missing_extra_message(error: ModuleNotFoundError) -> str | None:
    """One line naming the extra that provides a missing module (None: not an extra's)."""
    top = (error.name or "").split(".")[0]
    extra = EXTRAS.get(top)
    if extra is None:
        return None
    return f"this command needs the Python package {top!r}, which taala installs as an extra: pip install 'taala[{extra}]'"


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


def _unavailable(name: str, message: str) -> Any:
    def explain() -> None:
        typer.echo(f"taala {name}: {message}", err=True)
        raise typer.Exit(2)

    return TyperCommand(name=name, callback=explain, add_help_option=False,
                        context_settings={"ignore_unknown_options": True, "allow_extra_args": True})


app = typer.Typer(
    name="taala",
    help="Find mutual-exclusion and linearizability violations in distributed locks.",
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
