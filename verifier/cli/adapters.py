"""`taala adapters`: the registered lock adapters, where each is defined, and what each declares."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from taala.adapter import Adapter
from taala.adapters import scan
from taala.cli.app import app
from taala.cli.vetting import EXIT_BAD_INPUT


@app.command()
def adapters(json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List the lock adapters, their backends, and their expected verdict under each fault.

    Each adapter says where it is defined (file and line). An adapter whose declarations are
    wrong is left out and named on stderr in one line, with why; the status is then 2.
    """
    found, broken = scan()
    if json_out:
        sys.stdout.write(json.dumps({name: _as_json(cls) for name, cls in found.items()}, indent=2) + "\n")
    else:
        Console(highlight=False).print(_table(found))
    if broken:
        err = Console(stderr=True, markup=False, highlight=False, soft_wrap=True)
        for line in broken.values():
            err.print(f"taala: broken adapter: {line}")
        raise typer.Exit(EXIT_BAD_INPUT)


def _as_json(cls: type[Adapter]) -> dict[str, Any]:
    return {
        "summary": cls.summary,
        "backend": cls.backend,
        "nodes": cls.nodes,
        "fenced": cls.fenced,
        "model": cls.judged_by(),
        "modes": list(cls.modes),
        "clients": cls.clients,
        "expectations": {f: {"verdict": e.verdict, "reason": e.reason} for f, e in cls.expectations.items()},
        "defined_at": cls.defined_at(),
    }


def _table(found: dict[str, type[Adapter]]) -> Table:
    table = Table(show_lines=True)
    for col in ("adapter", "backend", "faults: expected verdict (reason)"):
        table.add_column(col)
    for name, cls in found.items():
        lines = Text()
        for fault, exp in cls.expectations.items():
            lines.append(f"{fault}: ", style="bold")
            lines.append(exp.verdict, style="green" if exp.safe else "red")
            lines.append(f" ({exp.reason})\n")
        backend = "none" if cls.backend is None else f"{cls.backend} x{cls.nodes}"
        if cls.model or cls.modes:  # judged by something other than a mutex: say by what
            backend += f"\njudged as {cls.judged_by()}" + (f"\nmodes: {', '.join(cls.modes)}" if cls.modes else "")
        described = Text(f"{name}\n", style="bold") + Text(cls.summary) + Text(f"\n{cls.defined_at()}", style="dim")
        table.add_row(described, backend, lines)
    return table
