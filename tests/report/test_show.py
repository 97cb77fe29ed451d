"""`taala show`: the terminal summary of a history, with and without a verdict."""

from __future__ import annotations

import json

from taala.cli.app import app
from taala.cli.show import summarize
from taala.formats import load
from typer.testing import CliRunner

from tests.report.conftest import ETCD, REDIS

runner = CliRunner()


def test_summary_counts_keys_and_faults():
    s = summarize(load(REDIS), top=5)
    assert s["counts"] == {"acquire": {"ok": 2, "fail": 1}, "release": {"ok": 1, "fail": 1}}
    assert s["keys"] == [{"key": "lock:orders", "ops": 5, "ok": 3, "fail": 2, "processes": 2}]
    assert s["faults"] == [{"fault": "client-pause", "from": "0.005 s", "to": "12.005 s", "targets": ["p0"]}]


def test_show_with_model_prints_verdict_and_counterexample_table():
    out = runner.invoke(app, ["show", str(ETCD), "--model", "mutex"], env={"CI": "true"})
    assert out.exit_code == 1, out.output
    for text in ("operations by outcome", "pause n3", "INVALID", "operations involved", "longest partial linearization"):
        assert text in out.output


def test_show_json_is_one_object_and_quiet():
    out = runner.invoke(app, ["show", str(REDIS), "--json", "--model", "mutex"])
    record = json.loads(out.stdout)
    assert record["ops"] == 5 and record["result"]["valid"] is False


def test_show_bad_file_exits_2(tmp_path):
    bad = tmp_path / "h.jsonl"
    bad.write_text("{not json\n")
    assert runner.invoke(app, ["show", str(bad)]).exit_code == 2
