"""`taala index`: one page over stores from several machines (files made here, no servers)."""

from __future__ import annotations

import json

from taala.store_index import write_index


def stored_run(store, adapter: str, when: str, explanation: str, **extra) -> None:
    run = store / adapter / when
    run.mkdir(parents=True)
    data = {"taala_reproducer": 2, "adapter": adapter, "faults": ["pause"], "schedule": [["acquire", 0]] * 3,
            "explanation": explanation, **extra}
    (run / "reproducer.json").write_text(json.dumps(data))
    (run / "report.html").write_text("<html></html>")


def test_runs_of_two_machines_are_listed_together_newest_first_with_working_links(tmp_path):
    a, b = tmp_path / "machine-a" / "store", tmp_path / "machine-b" / "store"
    stored_run(a, "seed-redis", "20261128T100000.000", "two holders")
    stored_run(b, "seed-redlock", "20261128T120000.000", "lost update", workload="oversell")
    (b / "seed-redlock" / "latest").symlink_to("20261128T120000.000")
    page, count, problems = write_index([a, b], tmp_path / "site" / "index.html")
    text = page.read_text()
    assert count == 2 and problems == []
    assert text.index("seed-redlock") < text.index("seed-redis")  # newest first
    assert "oversell" in text and "counter" in text
    href = "../machine-b/store/seed-redlock/20261128T120000.000/report.html"
    assert f'href="{href}"' in text and (page.parent / href).exists()


def test_text_from_a_run_is_escaped_and_an_unreadable_run_is_reported(tmp_path):
    store = tmp_path / "store"
    stored_run(store, "seed-redis", "20261128T100000.000", "<script>alert(1)</script>")
    broken = store / "seed-redis" / "20261128T110000.000"
    broken.mkdir()
    (broken / "reproducer.json").write_text("{not json")
    page, count, problems = write_index([store], tmp_path / "index.html")
    assert count == 1 and "<script>alert" not in page.read_text()
    assert len(problems) == 1 and "20261128T110000.000" in problems[0]
