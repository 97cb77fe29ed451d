"""`report.html`: the page a person opens to see what went wrong in a history.

Pure functions of (History, result): `data.py` extracts what to draw, `html.py` turns
it into one self-contained page whose script (`templates/report.js`) draws lanes, faults,
holds and latency, with zoom and hover.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taala.checker.lease import Classification, LeaseTerms
from taala.checker.result import Result
from taala.history import History
from taala.model import LockSemantics
from taala.report.data import lock_semantics, report_data
from taala.report.html import render_html

__all__ = ["render_report", "report_data", "write_report"]


def render_report(history: History, result: Result, lock: LockSemantics | None = None, *,
                  lease: LeaseTerms | None = None, classification: Classification | None = None) -> str:
    """The report page as a string. `lock` defaults to the semantics of `result.model`
    (a `CheckResult`'s; a workload's result has none). `lease` and `classification`: see
    `report_data` (a vetting run knows them; a history file alone does not)."""
    if lock is None:
        lock = lock_semantics(result)
    return render_html(report_data(history, result, lock, lease=lease, classification=classification))


def write_report(history: History, result: Result, path: str | Path, lock: LockSemantics | None = None,
                 **lease: Any) -> Path:
    """Write the report to `path` (a file, or a directory that gets `report.html`)."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(history, result, lock, **lease), encoding="utf-8")
    return path
