"""What the report draws, checked on the extracted data (no browser needed)."""

from __future__ import annotations

import json
import re

from taala.checker import check
from taala.history import Event, History
from taala.models import get
from taala.report import render_report, report_data, window
from taala.report.bands import fault_bands
from taala.report.data import PRIMARY, lock_semantics, source_label
from taala.report.html import script_json

from tests.report.conftest import FENCED, STALE_READ, checked
from tests.support.dsl import history


def data_for(history, result):
    return report_data(history, result, lock_semantics(result))


def nemesis(index, f, value=None, time=None, type="info"):
    return Event(index, type, "nemesis", f, value, time=time)


def test_one_lane_per_process_on_a_seconds_axis(redis):
    d = data_for(*redis)
    assert d["lanes"] == ["p0", "p1"] and d["unit"] == "s"
    assert len(d["ops"]) == 5 and not d["summarized"]
    first = d["ops"][0]
    assert (first["p"], first["f"], first["status"], first["t0"], first["t1"]) == ("p0", "acquire", "ok", 0.0, 0.002)
    assert {op["status"] for op in d["ops"]} == {"ok", "fail"}
    assert d["extent"] == [0.0, 12.502]


def test_client_pause_is_a_band_on_the_paused_clients_lane(redis):
    (band,) = data_for(*redis)["faults"]
    assert band["name"] == "client-pause" and band["lanes"] == [0]
    assert (band["t0"], band["t1"]) == (0.005, 12.005)


def test_holds_per_key_with_the_violating_ones_marked(redis):
    (lane,) = data_for(*redis)["holds"]["keys"]
    assert lane["key"] == "'lock:orders'"
    assert [(h["p"], h["t0"], h["t1"], h["hl"]) for h in lane["holds"]] == [("p0", 0.002, 12.006, PRIMARY), ("p1", 10.052, 12.5, PRIMARY)]


def test_violating_ops_are_highlighted_and_explained(redis):
    history, result = redis
    d = data_for(history, result)
    marked = {op["index"] for op in d["ops"] if op["hl"] == PRIMARY}
    assert marked == {op.index for op in result.counterexample.ops} == {0, 5, 8, 10}
    assert d["explanation"]["plain"] == (
        "p0 held 'lock:orders' from 0.002 s; p1 acquired it at 10.052 s; p0's release then failed. "
        "This happened during the nemesis fault client-pause (0.005 s to 12.005 s)."
    )


def test_etcd_explanation_names_the_culprit_the_failed_release_and_the_pause(etcd):
    d = data_for(*etcd)
    assert d["explanation"]["plain"].startswith("p0's acquire (index 2) returned at 5.094 s")
    assert "p3's release, invoked at 3.1 s, failed at 5.101 s" in d["explanation"]["plain"]
    assert "pause n3 (0.09 s to 5.09 s)" in d["explanation"]["plain"]
    assert [step["label"] for step in d["linearization"]["steps"]] == ["p3 acquire"]


def test_fencing_tokens_on_acquires_and_holds_without_timestamps():
    d = data_for(*checked(FENCED))
    assert d["unit"] == "event"  # no `time` in this history: positions, not invented seconds
    assert [op["token"] for op in d["ops"] if op["f"] == "acquire"] == ["1", "2", "1"]
    assert [h["token"] for h in d["holds"]["keys"][0]["holds"]] == ["1", "2", "1"]
    assert d["holds"]["keys"][0]["holds"][-1]["t1"] is None  # never released: open to the end
    assert "fencing token 1, but p1 had been given token 2" in d["explanation"]["plain"]
    assert d["explanation"]["plain"].endswith("during the nemesis fault kill (event 6 to event 7).")
    assert d["latency"] == []


def test_non_lock_models_name_the_culprit_and_have_no_holds():
    history, result = checked(STALE_READ)
    d = data_for(history, result)
    assert d["explanation"]["plain"].startswith("p2's read 1 (index 4) returned at event 5, but no order")
    assert d["explanation"]["checker"] == result.counterexample.explanation
    assert d["holds"] == {"keys": [], "more_keys": 0}
    assert [s["state"] for s in d["linearization"]["steps"]] == ["1", "4"]


def test_pending_op_runs_to_the_end_and_counts_are_per_f_and_outcome():
    events = [Event(0, "invoke", 0, "acquire", time=0), Event(1, "ok", 0, "acquire", time=10**9),
              Event(2, "invoke", 1, "acquire", time=2 * 10**9), Event(3, "invoke", 0, "release", time=3 * 10**9)]
    history = History(events)
    d = data_for(history, check(history, get("mutex")))
    assert [op["t1"] for op in d["ops"]] == [1.0, None, None]
    assert d["counts"] == {"acquire": {"ok": 1, "pending": 1}, "release": {"pending": 1}}
    assert d["verdict"] is True and d["explanation"] is None


def test_fault_pairing_conventions():
    events = [
        nemesis(0, "start", ["partition", "n1"], type="invoke"), nemesis(1, "start", "cut off n1"),  # Jepsen logs both
        nemesis(2, "kill", "redis-1"), nemesis(3, "stop", None), nemesis(4, "stop", "healed"),
        nemesis(5, "restart", "redis-1"), nemesis(6, "partition", "halves"), nemesis(7, "bump-clock", 5),
        nemesis(8, "heal"), nemesis(9, "stop-pause"), nemesis(10, "start-pause", {"process": [1, 2]}),
    ]
    bands = [(b.label, b.start, b.end, b.targets) for b in fault_bands(events)]
    assert bands == [
        ("partition n1", 0, 3, ()),
        ("kill", 2, 5, ()),
        ("partition", 6, 8, ()),
        ("bump-clock", 7, 7, ()),  # an instant
        ("pause", 10, None, (1, 2)),  # never stopped: lasts to the end; the stray stop-pause is ignored
    ]


def test_large_histories_draw_a_window_around_the_violation():
    ops = list(range(12_000))
    history = History([e for n in ops for e in (Event(2 * n, "invoke", n % 7, "acquire", key=f"k{n}"), Event(2 * n + 1, "ok", n % 7, "acquire", key=f"k{n}"))])
    all_ops = history.operations()
    focus = [all_ops[9_000], all_ops[9_003]]
    shown, (lo, hi) = window.choose(all_ops, focus, len(history.events))
    assert len(shown) == window.WINDOW_OPS and all(op in shown for op in focus)
    assert lo <= focus[0].call and hi >= focus[1].ret
    few, span = window.choose(all_ops[:100], [], 200)
    assert len(few) == 100 and span == (0, 199)


def test_summarized_report_keeps_whole_run_aggregates():
    events = []
    for n in range(6_000):
        events += [Event(2 * n, "invoke", n % 5, "acquire", key=f"k{n % 40}", time=n * 10**6),
                   Event(2 * n + 1, "fail", n % 5, "acquire", key=f"k{n % 40}", time=n * 10**6 + 5 * 10**5)]
    history = History(events)
    d = data_for(history, check(history, get("mutex"), linearizability=False))
    assert d["summarized"] and len(d["ops"]) == window.WINDOW_OPS
    assert sum(sum(b.values()) for b in d["overview"]) == 6_000
    assert d["counts"] == {"acquire": {"fail": 6_000}}
    assert len(d["latency"]) <= 3_001


def test_embedded_json_cannot_break_out_of_its_script_block():
    payload = {"v": "</script><script>alert(1)</script><!-- & \u2028"}
    text = str(script_json(payload))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == payload


def test_rendered_page_is_self_contained(redis):
    page = render_report(*redis)
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    assert page.count("<script") == 2
    assert not re.search(r"\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write", page)


def test_page_title_names_the_adapter_as_typed():
    h = history("""
        p0 invoke acquire
        p0 ok acquire""")
    vetted = History(h.events, source="<seed-redis>")
    page = render_report(vetted, check(vetted, get("mutex")))
    assert "<title>taala report: seed-redis</title>" in page and "&lt;seed-redis&gt;" not in page
    assert source_label("<dsl>") == "<dsl>"  # not an adapter: left as recorded
    assert source_label("histories/mutex/x.edn") == "histories/mutex/x.edn" and source_label(None) == "history"


def test_each_hold_shows_where_its_lease_ended(redis):
    """p0 acquired between 0 and 0.002 s on a 10-11 s lease, so its lease ended between
    10 s and 11.002 s; p1's grant at 10.05 s lies inside that span, which the page hatches."""
    from taala.checker.lease import LeaseTerms

    history, result = redis
    d = report_data(history, result, lock_semantics(result), lease=LeaseTerms(10.0, 11.0))
    (lane,) = d["holds"]["keys"]
    first, second = lane["holds"]
    assert first["lease"] == {"renews": False, "every": None, "end": [10.0, 11.002]}
    assert first["lease"]["end"][0] < second["t0"] < first["lease"]["end"][1]
    renewed = report_data(history, result, lock_semantics(result), lease=LeaseTerms(10.0, 11.0, renews=True, renew_every=3.0))
    assert renewed["holds"]["keys"][0]["holds"][0]["lease"] == {"renews": True, "every": 3.0, "end": None}
    assert data_for(history, result)["holds"]["keys"][0]["holds"][0]["lease"] is None  # a file alone: no lease known


def test_the_violation_class_heads_the_explanation(redis):
    from taala.checker.lease import LeaseTerms, classify

    history, result = redis
    ops = [op for op in history.operations() if op.f == "acquire" and op.status == "ok"]
    c = classify(history, ops[0], ops[1], LeaseTerms(5.0, 6.0))
    assert c.kind == "past-lease"
    page = render_report(history, result, lease=c.terms, classification=c)
    assert 'id="violation-class"' in page and "past-lease" in page
    assert "after p0&#39;s" in page or "after p0's" in page
    assert 'id="violation-class"' not in render_report(history, result)
