"""The report in a real browser: headless Chromium from Debian's packages.

One browser serves the whole module (starting Chromium costs about a second).
"""

from __future__ import annotations

import pytest
from taala.checker.result import CheckOutcome, CheckResult, Counterexample
from taala.history import Event, History
from taala.models import get
from taala.report import render_report, report_data
from taala.report.data import lock_semantics

from tests.report.browser import MISSING, chromium, open_report
from tests.report.conftest import ETCD, REDIS, checked

pytestmark = [pytest.mark.skipif(MISSING is not None, reason=MISSING or ""), pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def write(tmp_path, history, result, name="report.html"):
    path = tmp_path / name
    path.write_text(render_report(history, result), encoding="utf-8")
    return path


def js(driver, script):
    return driver.execute_script(script)


@pytest.mark.parametrize("source", [REDIS, ETCD], ids=["redis-client-pause", "etcd-lease-expired"])
def test_violation_is_marked_and_explained(browser, tmp_path, source):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    history, result = checked(source)
    path = write(tmp_path, history, result)
    open_report(browser, path)
    browser.save_screenshot(str(tmp_path / "report.png"))
    assert (tmp_path / "report.png").stat().st_size > 10_000

    expected = report_data(history, result, lock_semantics(result))["explanation"]["plain"]
    assert browser.find_element(By.ID, "explanation-text").text == expected
    assert browser.find_element(By.ID, "verdict").text == "INVALID"

    marked = browser.find_elements(By.CSS_SELECTOR, "rect.op.violating")
    assert sorted(int(m.get_attribute("data-index")) for m in marked) == sorted(op.index for op in result.counterexample.ops)
    assert len(browser.find_elements(By.CSS_SELECTOR, "rect.hold.violating")) == 2
    labels = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#timeline text.lane-label")]
    assert labels[:2] == ["p0", "p1"] if source == REDIS else labels[:2] == ["p0", "p3"]

    ActionChains(browser).move_to_element(marked[0]).perform()
    tip = browser.find_element(By.ID, "tooltip")
    assert tip.is_displayed() and "part of the violation" in tip.text

    ticks = "return [...document.querySelectorAll('#timeline text.tick')].map(t => t.textContent).join()"
    before = js(browser, ticks)
    browser.find_element(By.ID, "zoom-in").click()
    WebDriverWait(browser, 5).until(lambda d: js(d, ticks) != before)  # redrawn on the next frame


PAYLOADS = [
    "<script>window.pwned = 1; alert(1)</script>",
    "<img src=x onerror=\"window.pwned = 2; alert(2)\">",
    "</script><script>window.pwned = 3</script>",
    "<!--<script>window.pwned = 4</script>",
    "<svg onload=\"window.pwned = 5\"></svg>",
    "{{ 7 * 7 }}\u2028\" onmouseover=\"window.pwned = 6",
]


def hostile_report(tmp_path):
    """A history with markup in every string field, and a result that quotes it back."""
    a, b, f, key = PAYLOADS[0], PAYLOADS[1], PAYLOADS[2], PAYLOADS[3]
    events = [
        Event(0, "invoke", a, "acquire", PAYLOADS[4], time=0, key=key),
        Event(1, "ok", a, "acquire", PAYLOADS[4], time=10**8, key=key),
        Event(2, "info", "nemesis", "start-" + PAYLOADS[5], {"client": a}, time=2 * 10**8),
        Event(3, "invoke", b, "acquire", None, time=3 * 10**8, key=key),
        Event(4, "ok", b, "acquire", None, time=4 * 10**8, key=key, error=PAYLOADS[1]),
        Event(5, "invoke", b, f, PAYLOADS[0], time=5 * 10**8, key=key),
        Event(6, "fail", b, f, PAYLOADS[0], time=6 * 10**8, key=key, error=PAYLOADS[2]),
    ]
    history = History(events, source=PAYLOADS[2] + ".jsonl")
    ops = history.operations()
    ce = Counterexample("overlap", "checker says " + " ".join(PAYLOADS), ops[:2], key=key,
                        partial_linearizations=[[(ops[0], PAYLOADS[3]), (ops[2], PAYLOADS[1])]])
    result = CheckResult(get("mutex"), ops=len(ops), partitions=1, elapsed_s=0.0,
                         checks={"overlap": CheckOutcome("overlap", False, ce)}, source=history.source)
    return write(tmp_path, history, result, "hostile.html")


def test_hostile_history_runs_no_script_and_shows_its_text(browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    open_report(browser, hostile_report(tmp_path))
    for bar in browser.find_elements(By.CSS_SELECTOR, "rect.op, rect.hold, rect.fault-band"):
        ActionChains(browser).move_to_element(bar).perform()  # tooltips render history strings too
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
    assert js(browser, "return typeof window.pwned") == "undefined"
    assert js(browser, "return document.querySelectorAll('img, script').length") == 2  # our own two scripts
    assert js(browser, "return document.querySelectorAll('[onerror], [onload], [onmouseover]').length") == 0
    assert not [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]

    page_text = browser.find_element(By.TAG_NAME, "body").text
    for payload in PAYLOADS[:2]:
        assert payload in page_text  # shown as text, literally
    lanes = js(browser, "return [...document.querySelectorAll('#timeline text.lane-label')].map(t => t.textContent)")
    assert PAYLOADS[0] in lanes and PAYLOADS[1] in lanes
    assert "{{ 7 * 7 }}" in page_text and "49" not in page_text  # no template evaluation of history text


def test_lease_end_is_drawn_on_each_hold_bar(browser, tmp_path):
    """Given the lock's lease, each hold bar gets the span where its lease ended; p1's
    grant (at 10.05 s) starts inside p0's span, so a reader sees it came near the lease's end."""
    from selenium.webdriver.common.by import By
    from taala.checker.lease import LeaseTerms, classify

    history, result = checked(REDIS)
    ops = [op for op in history.operations() if op.f == "acquire" and op.status == "ok"]
    c = classify(history, ops[0], ops[1], LeaseTerms(10.0, 11.0))
    path = tmp_path / "lease.html"
    path.write_text(render_report(history, result, lease=c.terms, classification=c), encoding="utf-8")
    open_report(browser, path)
    spans = browser.find_elements(By.CSS_SELECTOR, "rect.lease-span")
    ends = browser.find_elements(By.CSS_SELECTOR, "line.lease-end")
    assert len(spans) == 1 and len(ends) == 1  # p1's lease ends after the history does: not drawn
    p1_bar = [b for b in browser.find_elements(By.CSS_SELECTOR, "rect.hold") if "violating" in b.get_attribute("class")]
    x = sorted(float(b.get_attribute("x")) for b in p1_bar)[1]  # the later grant's bar
    (first_span,) = spans
    x0 = float(first_span.get_attribute("x"))
    assert x0 <= x <= x0 + float(first_span.get_attribute("width"))
    assert browser.find_element(By.ID, "violation-class").text.startswith(c.kind)
