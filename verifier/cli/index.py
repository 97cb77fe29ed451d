"""`taala index`: one page over the stored runs of one or several stores."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from taala.cli.app import app


@app.command()
def index(
    stores: list[Path] = typer.Argument(..., help="Store directories (taala vet's --store), e.g. one per machine."),
    out: Path = typer.Option(Path("index.html"), "--out", help="Where to write the page."),
) -> None:
    """Write one HTML page listing every stored run of the given stores, with links to each report.

    Example (two machines' stores copied side by side):

      taala index machine-a/store machine-b/store --out runs/index.html
    """
    from taala.store_index import write_index

    err = Console(stderr=True, highlight=False)
    missing = [str(s) for s in stores if not s.is_dir()]
    if missing:
        err.print(f"taala: not a directory: {', '.join(missing)}")
        raise typer.Exit(2)
    page, count, problems = write_index(stores, out)
    for problem in problems:
        err.print(f"taala: {problem}")
    Console(highlight=False).print(f"{page}: {count} run(s) from {len(stores)} store(s)")
