"""Argument parsing for the commands on the checker's hot path (`check`, `show`, `models`).

These use the standard library's argparse, not Typer: Typer (0.29) imports pydantic to
convert its parameters, which with Typer itself is about 0.2 s before a command runs,
as long as a whole `taala check` of a small file may take. Usage errors exit 2 and
`--help` exits 0, as they do under Typer.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable


def command_parser(name: str, doc: str) -> argparse.ArgumentParser:
    """A parser for `taala NAME` whose --help is `doc` (summary, examples, exit status) verbatim."""
    return argparse.ArgumentParser(prog=f"taala {name}", description=inspect.cleandoc(doc),
                                   formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)


def at_least(low: float, kind: Callable = float) -> Callable[[str], float]:
    """An argparse `type` that reads `kind` and refuses values below `low` (as Typer's min=)."""
    def read(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{text} is below the minimum {low}")
        return value

    read.__name__ = kind.__name__
    return read


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | int:
    """The parsed options, or the exit status argparse chose (0 after --help, 2 on a usage error)."""
    try:
        return parser.parse_intermixed_args(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
