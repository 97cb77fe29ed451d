"""A vetting run's damage page: the minimal schedule replayed with the holders' writes,
drawn in a real browser with the lost update marked on the resource's lane."""

import json

import pytest
from taala.adapters import get
from taala.vet import vet

from tests.report.browser import MISSING, chromium, open_report

pytestmark = [pytest.mark.skipif(MISSING is not None, reason=MISSING or ""), pytest.mark.timeout(300)]


def test_the_damage_page_marks_the_lost_update(tmp_path):
    from selenium.webdriver.common.by import By

    campaign = vet(get("no-lock"), ["none"], budget=30, store=tmp_path, seed=1)
    assert campaign.violation and campaign.damage_verdict is not None
    page = tmp_path / "no-lock" / "latest" / "damage.html"
    assert page.exists()
    lost = campaign.damage_verdict.resource.counterexample
    assert lost is not None and any(op.f == "cas" for op in lost.ops)
    events = [json.loads(line) for line in (page.parent / "damage-history.jsonl").read_text().splitlines()]
    assert any(e["f"] == "cas" for e in events) and any(e["f"] == "acquire" for e in events)

    with chromium() as browser:
        open_report(browser, page)
        assert browser.find_element(By.ID, "verdict").text == "INVALID"
        marked = browser.find_elements(By.CSS_SELECTOR, "rect.op.violating")
        assert sorted(int(m.get_attribute("data-index")) for m in marked) == sorted(op.index for op in lost.ops)
        assert "cas" in browser.find_element(By.ID, "explanation-text").text
