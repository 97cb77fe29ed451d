"""What `taala vet`, `taala replay` and `taala adapters` share: exit statuses, the one-line
error, loading an adapter the user named, and the progress bar."""

from __future__ import annotations

import importlib.util
import os
import sys

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from taala.adapter import Adapter
from taala.adapters import get
from taala.process_adapter import ProcessAdapter

EXIT_SAFE, EXIT_VIOLATION, EXIT_BAD_INPUT, EXIT_INCONCLUSIVE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
# which extra of pyproject.toml brings a module an adapter `requires`
EXTRA_OF = {"kazoo": "zookeeper", "etcd3gw": "etcd", "psycopg": "postgres", "pymysql": "mariadb",
            "pymemcache": "memcached", "redis": "vet", "pottery": "adapters", "redis_lock": "adapters"}


def fail(message: str) -> None:
    """Say `message` on one line of stderr and exit with the bad-input status."""
    Console(stderr=True, markup=False, highlight=False, soft_wrap=True).print(f"taala: {message}")
    raise typer.Exit(EXIT_BAD_INPUT)


def load_adapter(name: str, *, import_path: bool = True) -> type[Adapter]:
    """The adapter `name` names, or a one-line exit. `import_path=False` for a name read from
    a file: then only registered adapters are accepted and nothing is imported by path."""
    try:
        cls = get(name, import_path=import_path)
    except ValueError as e:
        fail(str(e))
    missing = [m for m in cls.requires if importlib.util.find_spec(m) is None]
    if missing:
        extras = ",".join(sorted({EXTRA_OF.get(m, "adapters") for m in missing}))
        fail(f"adapter {name!r} needs the Python module(s) {', '.join(missing)}: pip install 'taala[{extras}]'")
    # a process adapter whose program or build tool is not installed (Consul's `unavailable` is
    # about an agent, which `--target` may provide: not asked here)
    if issubclass(cls, ProcessAdapter) and (reason := cls.unavailable()):
        fail(f"adapter {cls.name!r} is unavailable here: {reason}")
    return cls


def quiet(json_out: bool) -> bool:
    """No progress bar: JSON output, CI, or stderr not a terminal."""
    return json_out or os.environ.get("CI") == "true" or not sys.stderr.isatty()


def progress_bar(quiet: bool) -> Progress | None:
    if quiet:
        return None
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)


def with_workload(reproducer: dict) -> str:
    """The words " running WORKLOAD" after an adapter's name, or nothing for the default counter."""
    workload = reproducer.get("workload", "counter")
    return "" if workload == "counter" else f" running {workload}"
