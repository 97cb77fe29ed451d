"""The store: one directory per run, Jepsen-style, so every run can be looked at later.

    store/<name>/<YYYYmmddTHHMMSS.fff>/   history.jsonl, results.json, report.html,
                                          schedule.json, reproducer.json, logs/...
    store/<name>/latest -> <timestamp>    the newest run of that test
    store/latest -> <name>/<timestamp>    the newest run of any test

Directory names sort by time (Jepsen's layout, which `jepsen.web` and people's habits expect).
The `latest` links are replaced atomically (rename over the old link), so a reader never
finds them missing while a run starts.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from taala.checker.result import CheckResult
from taala.formats import jsonl
from taala.history import Event, History


class Store:
    """A store root directory (default `store/`)."""

    def __init__(self, root: str | Path = "store"):
        self.root = Path(root)

    def new_run(self, name: str) -> RunDir:
        """Create `<root>/<name>/<timestamp>/` and point the `latest` links at it."""
        if not name or "/" in name or name in (".", "..", "latest"):
            raise ValueError(f"bad test name for the store: {name!r}")
        test_dir = self.root / name
        test_dir.mkdir(parents=True, exist_ok=True)
        path = _fresh_dir(test_dir)
        _link(test_dir / "latest", path.name)
        _link(self.root / "latest", f"{name}/{path.name}")
        return RunDir(path)


class RunDir:
    """One run's directory. Each writer returns the path it wrote."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def write_history(self, history: History | Iterable[Event]) -> Path:
        path = self.path / "history.jsonl"
        jsonl.write(history, path)
        return path

    def write_results(self, result: CheckResult | dict[str, Any]) -> Path:
        return self.write_json("results", result.to_dict() if isinstance(result, CheckResult) else result)

    def write_json(self, name: str, obj: Any) -> Path:
        """`name` or `name.json` in the run directory (the schedule, the reproducer, ...)."""
        path = self.path / (name if name.endswith(".json") else f"{name}.json")
        path.write_bytes(jsonl.to_json_bytes(obj) + b"\n")
        return path

    def copy_logs(self, paths: Iterable[str | Path]) -> list[Path]:
        """Copy server logs (files or directories) into `logs/`; missing ones are skipped."""
        logs = self.path / "logs"
        copied = []
        for src in map(Path, paths):
            if not src.exists():
                continue
            logs.mkdir(exist_ok=True)
            dest = _unused(logs / src.name)
            if src.is_dir():
                shutil.copytree(src, dest)
            else:
                shutil.copy2(src, dest)
            copied.append(dest)
        return copied

    def write_report(self, history: History, result: CheckResult, lock: Any = None, **lease: Any) -> Path:
        """`lock`: the lock semantics to draw holds with, when `result.model` has none (a workload);
        `lease`: `lease=` terms and the violation's `classification=` (`taala.report.report_data`)."""
        from taala.report import write_report  # jinja2 and templates only when a report is wanted

        return write_report(history, result, self.path / "report.html", lock, **lease)


def _fresh_dir(parent: Path) -> Path:
    """A new timestamped directory; two runs in the same millisecond get distinct names."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S.%f")[:-3]
    candidate, n = parent / stamp, 1
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            n += 1
            candidate = parent / f"{stamp}-{n}"


def _link(link: Path, target: str) -> None:
    tmp = link.with_name(f".{link.name}.{os.getpid()}")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    os.replace(tmp, link)


def _unused(path: Path) -> Path:
    n = 1
    candidate = path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def report_run(out_dir: str | Path, source: str | Path, several: bool) -> RunDir:
    """Where `taala check --report DIR` writes one file's report: DIR itself when checking one
    file, else a subdirectory named after the file's path (distinct for distinct paths)."""
    out = Path(out_dir)
    if several:
        out = out / "_".join(p for p in Path(source).parts if p not in ("/", ".", ".."))
    out.mkdir(parents=True, exist_ok=True)
    return RunDir(out)
