"""scripts/findings: the findings table from the JSON lines `pytest verifier/` writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
    assert lines[3] == "| `a-lock` | pause | 1 s | unsafe | **unsafe** | yes | 2 / 2 / 1 | 12 s | 30 s | 9 |"
    assert "| `b-lock` | none | 10 s | safe | **unsafe** | **no** | 2 / 3 / 0 |" in lines[4]
    assert "3 cases over 2 adapters: 2 violations found, 1 not as declared" in done.stdout


def test_readme_table_replaced_between_the_markers_only(tmp_path):
    results = tmp_path / "findings.jsonl"
    results.write_text(json.dumps(CASES[0]) + "\n")
    readme = tmp_path / "README.md"
    readme.write_text("before\n<!-- findings:start -->\nold table\n<!-- findings:end -->\nafter\n")
    assert run(str(results), "--readme", str(readme)).returncode == 0
    text = readme.read_text()
    assert text.startswith("before\n<!-- findings:start -->\n| adapter |") and text.endswith("<!-- findings:end -->\nafter\n")
    assert "old table" not in text
    readme.write_text("no markers\n")
    assert run(str(results), "--readme", str(readme)).returncode == 1
