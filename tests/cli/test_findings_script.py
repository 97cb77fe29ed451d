"""scripts/findings: the findings table from the JSON lines `pytest verifier/` writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "findings"

CASES = [
    {"adapter": "a-lock", "fault": "pause", "expected": "unsafe", "outcome": "violation",
     "size": {"clients": 2, "operations": 2, "faults": 1, "waits": 0}, "time_to_find_s": 12.3, "elapsed_s": 30.0,
     "examples": 9, "ttl": 1.0},
    {"adapter": "a-lock", "fault": "none", "expected": "safe", "outcome": "no violation found", "size": None,
     "time_to_find_s": None, "elapsed_s": 15.2, "examples": 14, "ttl": 10.0},
    {"adapter": "b-lock", "fault": "none", "expected": "safe", "outcome": "violation",
     "size": {"clients": 2, "operations": 3, "faults": 0, "waits": 0}, "time_to_find_s": 2.0, "elapsed_s": 5.0,
     "examples": 3, "ttl": 10.0},
]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], check=False, capture_output=True, text=True, timeout=60)


def test_table_rows_in_fault_order_with_sizes_times_and_mismatches(tmp_path):
    results = tmp_path / "findings.jsonl"
    results.write_text("".join(json.dumps(c) + "\n" for c in CASES))
    done = run(str(results))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[2].startswith("| `a-lock` | none | 10 s | safe | none found | yes |")
    assert lines[3] == "| `a-lock` | pause | 1 s | unsafe | **unsafe** | yes |  | 2 / 2 / 1 | 12 s | 30 s | 9 |"
    assert "| `b-lock` | none | 10 s | safe | **unsafe** | **no** |  | 2 / 3 / 0 |" in lines[4]
    assert "3 cases over 2 adapters: 2 violations found, 1 not as declared, 0 with a bug class" in done.stdout


@pytest.mark.parametrize(("extra", "shown"), [
    ({"class": "past-lease"}, "past-lease"),
    ({"class": "past-lease", "hunt_class": "foreign-release"}, "past-lease; behind it **foreign-release**"),
    ({"replayed": {"runs": 3, "violations": 3, "classes": {"bug": 2, "undetermined": 1}}},
     "**bug** 2/3, undetermined 1/3 (replayed)"),
    ({"replayed": {"runs": 3, "violations": 0, "classes": {"no violation": 3}}}, "did not recur (0 of 3 replays)"),
])
def test_the_class_column_says_the_campaigns_class_or_what_replays_showed(tmp_path, extra, shown):
    results = tmp_path / "findings.jsonl"
    results.write_text(json.dumps(dict(CASES[0], **extra)) + "\n")
    done = run(str(results))
    assert done.returncode == 0, done.stderr
    assert f"| yes | {shown} | 2 / 2 / 1 |" in done.stdout
    assert ("1 with a bug class" in done.stdout) == ("**" in shown)


@pytest.mark.parametrize("option", ["--into", "--readme"])  # --readme: its name when the table lived in README.md
def test_docs_table_replaced_between_the_markers_only(tmp_path, option):
    results = tmp_path / "findings.jsonl"
    results.write_text(json.dumps(CASES[0]) + "\n")
    page = tmp_path / "findings.md"
    page.write_text("before\n<!-- findings:start -->\nold table\n<!-- findings:end -->\nafter\n")
    assert run(str(results), option, str(page)).returncode == 0
    text = page.read_text()
    assert text.startswith("before\n<!-- findings:start -->\n| adapter |") and text.endswith("<!-- findings:end -->\nafter\n")
    assert "old table" not in text and "| `a-lock` | pause |" in text
    page.write_text("no markers\n")
    assert run(str(results), option, str(page)).returncode == 1



def test_one_row_per_case_from_runs_under_several_seeds_on_several_machines(tmp_path):
    """A campaign split by seed range over two machines: one row per (adapter, fault)."""
    base = CASES[0]
    machine_a = [dict(base, seed=0, outcome="no violation found", size=None, time_to_find_s=None, examples=5),
                 dict(base, seed=1, size={"clients": 2, "operations": 4, "faults": 1, "waits": 0}, time_to_find_s=20.0)]
    machine_b = [dict(base, seed=2, time_to_find_s=7.5),
                 dict(CASES[1], seed=2), dict(CASES[1], seed=3, outcome="inconclusive")]
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("".join(json.dumps(c) + "\n" for c in machine_a))
    b.write_text("".join(json.dumps(c) + "\n" for c in machine_b))
    done = run(str(a), str(b))
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| `")]
    assert len(rows) == 2
    # found by 2 of 3 seeds; the smaller reproducer (seed 2's) and the shortest time to find
    assert rows[1] == "| `a-lock` | pause | 1 s | unsafe | **unsafe** (2 of 3 seeds) | yes |  | 2 / 2 / 1 | 8 s | 90 s | 23 |"
    # safe, but one seed tested nothing: the case is inconclusive, not "none found"
    assert "| `a-lock` | none | 10 s | safe | inconclusive | no (tested nothing) |" in rows[0]
    assert "2 cases over 1 adapters: 1 violations found, 1 not as declared" in done.stdout
