"""`taala workloads` and `taala vet --workload`, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

from taala.workloads import WORKLOADS


def taala(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "taala", *args], capture_output=True, text=True, timeout=timeout)


def test_workloads_lists_every_workload_with_its_invariants():
    done = taala("workloads", "--json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert set(listed) == {"counter", *WORKLOADS}
    assert all(row["invariants"] for row in listed.values())
    assert listed["transfer"]["locks_per_operation"] == 2
    assert listed["hierarchical"]["locks_per_operation"] == 3


def test_an_unknown_workload_is_refused_in_one_line():
    done = taala("vet", "seed-redis", "--workload", "double-debt", "--faults", "none")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "unknown workload 'double-debt'" in done.stderr and "double-debit" in done.stderr


def test_a_retried_debit_is_caught_and_told_in_business_words(tmp_path):
    done = taala("vet", "seed-redis", "--workload", "double-debit", "--faults", "none", "--budget", "60",
                 "--store", str(tmp_path), "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["workload"] == "double-debit"
    assert result["explanation"].startswith("request r0 debited twice")
    reproducer = json.loads(open(result["reproducer"]).read())
    assert reproducer["workload"] == "double-debit"
    replayed = taala("replay", result["reproducer"], "--runs", "2")
    assert replayed.returncode == 1 and "running double-debit" in replayed.stdout
