"""The `taala` command line. Each subcommand is a module registering itself on `app`."""

from __future__ import annotations

import importlib

from taala.cli.app import app

# Subcommand modules; a missing optional one (being built) must not break the others.
for _name in ("check", "cluster", "show", "vet"):
    try:
        importlib.import_module(f"taala.cli.{_name}")
    except ModuleNotFoundError as e:
        if e.name != f"taala.cli.{_name}":
            raise


def main() -> None:
    app()
