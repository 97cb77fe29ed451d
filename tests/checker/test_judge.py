"""The verdict on one vetting run (`taala.checker.judge`), without servers: what each part
is judged by, as objects. The lock part's `CheckResult.model` is the `Model` itself; a
workload's part is a `WorkloadResult` with the same JSON shape (its name under "model"),
and the report draws either without parsing a name."""

from __future__ import annotations

from taala.checker.judge import judge
from taala.checker.result import UNKNOWN, CheckResult, Result
from taala.history import Event, History
from taala.model import Model
from taala.report import render_report
from taala.report.data import lock_semantics, report_data
from taala.workloads.base import AUDIT, WorkloadResult
from taala.workloads import get as get_workload


def _debits(ledger: list[str], balance: int, audit: bool = True) -> History:
    """Two clients, one lock each time, each debiting request r0 (a retry); then the audit."""
    events: list[Event] = []

    def add(type_, p, f, value=None, key=None):
        events.append(Event(len(events), type_, p, f, value, len(events) * 1000, key))

    for p in (0, 1):
        add("invoke", p, "acquire", None, "user:0")
        add("ok", p, "acquire", None, "user:0")
        add("invoke", p, "debit", {"request": "r0", "amount": 30}, "account:0")
        add("ok", p, "debit", {"request": "r0", "amount": 30}, "account:0")
        add("invoke", p, "release", None, "user:0")
        add("ok", p, "release", None, "user:0")
    if audit:
        add("invoke", 99, AUDIT, None, AUDIT)
        add("ok", 99, AUDIT, {"balance": balance, "ledger": ledger}, AUDIT)
    return History(events, source="<double-debit>")


def test_the_lock_part_holds_its_model_and_the_workload_part_its_own_result():
    workload = get_workload("double-debit")
    verdict = judge(_debits(["r0", "r0"], 40), fenced=False, workload=workload)
    assert isinstance(verdict.lock, CheckResult) and isinstance(verdict.lock.model, Model)
    assert verdict.lock.valid is True and lock_semantics(verdict.lock) is verdict.lock.model.lock
    resource = verdict.resource
    assert isinstance(resource, WorkloadResult) and not isinstance(resource, CheckResult)
    assert resource.workload is workload and resource.valid is False and verdict.violation
    assert verdict.counterexample is resource.counterexample
    assert "request r0 debited twice" in resource.counterexample.explanation
    as_json = resource.to_dict()
    assert as_json["model"] == "double-debit" and as_json["valid"] is False
    assert list(as_json) == list(verdict.lock.to_dict())  # the same JSON shape as a CheckResult's
    assert as_json["checks"]["invariant"]["broken"][0]["invariant"] == "at most one applied debit per request id"


def test_a_workload_result_is_drawn_with_the_locks_semantics_it_is_given():
    history = _debits(["r0", "r0"], 40)
    verdict = judge(history, fenced=False, workload=get_workload("double-debit"))
    assert lock_semantics(verdict.resource) is None  # judged by invariants: no lock of its own
    data = report_data(history, verdict.resource, verdict.lock.model.lock)
    assert data["model"] == "double-debit" and data["verdict"] is False
    assert data["holds"]["keys"] and "debited twice" in data["explanation"]["checker"]
    assert report_data(history, verdict.resource)["holds"]["keys"] == []  # given none, it draws no holds
    assert "double-debit" in render_report(history, verdict.resource)


def test_no_audit_is_unknown_and_a_kept_invariant_is_valid():
    workload = get_workload("double-debit")
    cut_short = judge(_debits([], 100, audit=False), fenced=False, workload=workload)
    assert cut_short.resource.valid == UNKNOWN and not cut_short.violation
    kept = judge(_debits(["r0"], 70), fenced=False, workload=workload)
    assert kept.resource.valid is True and not kept.violation


def test_both_results_share_the_result_surface():
    verdict = judge(_debits(["r0"], 70), fenced=False, workload=get_workload("double-debit"))
    for result in (verdict.lock, verdict.resource):
        assert isinstance(result, Result)
        assert result.to_dict()["model"] == str(result.judged_by)
    assert verdict.lock.judged_by is verdict.lock.model and verdict.resource.judged_by is verdict.resource.workload
