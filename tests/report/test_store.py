"""The run store (Jepsen's layout) and `taala check --report`."""

from __future__ import annotations

import json
import os
import re

from taala.cli.app import app
from taala.formats import load
from taala.store import Store
from typer.testing import CliRunner

from tests.report.conftest import ETCD, REDIS, checked


def test_new_run_is_timestamped_and_linked_as_latest(tmp_path):
    store = Store(tmp_path / "store")
    first, second = store.new_run("redis-lock"), store.new_run("redis-lock")
    assert first.path != second.path  # same millisecond or not, runs never share a directory
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{3}(-\d+)?", second.path.name)
    assert (tmp_path / "store/redis-lock/latest").resolve() == second.path.resolve()
    assert (tmp_path / "store/latest").resolve() == second.path.resolve()
    assert os.readlink(tmp_path / "store/redis-lock/latest") == second.path.name  # relative: the store can move


def test_run_writes_history_results_json_logs_and_report(tmp_path):
    history, result = checked(REDIS)
    run = Store(tmp_path).new_run("t")
    assert load(run.write_history(history)).to_dicts() == history.to_dicts()
    assert json.loads(run.write_results(result).read_text())["valid"] is False
    assert json.loads(run.write_json("schedule", {"steps": [1, 2]}).read_text()) == {"steps": [1, 2]}
    log = tmp_path / "redis.log"
    log.write_text("ready\n")
    assert [p.name for p in run.copy_logs([log, tmp_path / "missing.log", log])] == ["redis.log", "redis-2.log"]
    report = run.write_report(history, result)
    assert report == run.path / "report.html" and "What went wrong" in report.read_text()


def test_bad_test_names_are_refused(tmp_path):
    for name in ("", "a/b", "..", "latest"):
        try:
            Store(tmp_path).new_run(name)
        except ValueError:
            continue
        raise AssertionError(f"accepted {name!r}")


def test_check_report_writes_one_directory_per_file(tmp_path):
    out = CliRunner().invoke(app, ["check", str(REDIS), str(ETCD), "--model", "mutex", "--report", str(tmp_path / "r")])
    assert out.exit_code == 1, out.output
    dirs = sorted(p.name for p in (tmp_path / "r").iterdir())
    assert len(dirs) == 2 and all((tmp_path / "r" / d / "report.html").is_file() for d in dirs)
    assert all(json.loads((tmp_path / "r" / d / "results.json").read_text())["valid"] is False for d in dirs)
    single = CliRunner().invoke(app, ["check", str(ETCD), "--model", "mutex", "--report", str(tmp_path / "one")])
    assert single.exit_code == 1 and (tmp_path / "one/report.html").is_file()
