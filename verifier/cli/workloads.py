"""`taala workloads`: the talk's business workloads `taala vet --workload` runs."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from taala.cli.app import app


@app.command()
def workloads(json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List the workloads `taala vet --workload` runs, with the invariants each must keep."""
    from taala.workloads import DEFAULT, WORKLOADS

    rows = {DEFAULT: {"summary": "one lock, one counter: every holder reads it and writes it back plus one (the default)",
                      "invariants": ["at most one holder at a time", "no increment lost (cas-register)"],
                      "variant": "", "locks_per_operation": 1}}
    for name, cls in WORKLOADS.items():
        w = cls()
        rows[name] = {"summary": cls.summary, "invariants": list(cls.invariants), "variant": cls.variant,
                      "locks_per_operation": max(len(w.op(c, 0).keys) for c in (0, 1))}
    if json_out:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table(show_lines=True)
    for col in ("workload", "locks per op", "invariants"):
        table.add_column(col)
    for name, row in rows.items():
        table.add_row(Text(f"{name}\n", style="bold") + Text(row["summary"]), str(row["locks_per_operation"]),
                      "\n".join(row["invariants"]))
    Console(highlight=False).print(table)
