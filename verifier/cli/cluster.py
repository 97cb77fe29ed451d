"""`taala cluster BACKEND`: start real servers for your own experiments, Ctrl-C to stop.

The same servers the tests use (free ports, own data dirs, cleaned up however the
command ends, even on SIGKILL), so a user can point a lock client at them by hand.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Optional

import typer
from taala.cli.app import app


@app.command()
def cluster(
    backend: str = typer.Argument(
        ..., help="redis, zookeeper, etcd, postgres, mariadb or memcached"),
    nodes: int = typer.Option(
        1, "--nodes", "-n", min=1, max=9,
        help="Number of nodes (redis: independent servers; zookeeper/etcd: one ensemble)."),
    clock: bool = typer.Option(
        False, "--clock", help="redis only: start under libfaketime so clocks can jump."),
    workdir: Optional[Path] = typer.Option(
        None, "--workdir", help="Keep data and logs here (default: a temp dir, deleted)."),
) -> None:
    """Start real servers on free loopback ports, print their addresses, wait for Ctrl-C."""
    from taala.servers import BACKENDS, ServerError

    if backend not in BACKENDS:
        raise typer.BadParameter(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
    start, multi_node = BACKENDS[backend]
    if nodes > 1 and not multi_node:
        raise typer.BadParameter(f"{backend} runs as a single server")
    options: dict = {"workdir": workdir}
    if multi_node:
        options["nodes"] = nodes
    if clock:
        if backend != "redis":
            raise typer.BadParameter("--clock is only for redis (others time leases monotonically)")
        options["clock"] = True
    try:
        started = start(**options)
    except ServerError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(3) from error

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        for server in getattr(started, "servers", [started]):
            typer.echo(f"{server.name}\t{server.address}\tpid {server.pid}\tlog {server.log_path}")
        if hasattr(started, "hosts"):
            typer.echo(f"connection string: {started.hosts}")
        if hasattr(started, "dsn"):
            typer.echo(f"dsn: {started.dsn}")
        typer.echo("Ctrl-C to stop.")
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        started.close()
        typer.echo("stopped.")
