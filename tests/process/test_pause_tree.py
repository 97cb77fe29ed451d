"""A client pause stops the client's whole process tree: a process adapter's lock client is a
child of the client process, and must freeze with it (a real child process, SIGSTOP/SIGCONT)."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time

import psutil
import pytest
from taala.nemesis import ProcessClient

pytestmark = pytest.mark.timeout(60)

# A client with a child, which has a child of its own (a wrapper script and its program).
TREE = ("import subprocess, sys, time\n"
        "inner = 'import subprocess, sys, time; subprocess.Popen([sys.executable, \"-c\", \"import time; time.sleep(60)\"]); time.sleep(60)'\n"
        "subprocess.Popen([sys.executable, '-c', inner])\n"
        "time.sleep(60)\n")


def _statuses(procs: list[psutil.Process], settled=lambda s: True) -> set[str]:
    """Their statuses, once `settled` holds of them (signals land asynchronously), or after 2 s."""
    deadline = time.monotonic() + 2
    while not settled(statuses := {p.status() for p in procs}) and time.monotonic() < deadline:
        time.sleep(0.02)
    return statuses


def test_pause_stops_the_client_and_every_descendant_and_resume_continues_them():
    client = subprocess.Popen([sys.executable, "-c", TREE])
    try:
        root = psutil.Process(client.pid)
        deadline = time.monotonic() + 10
        while len(root.children(recursive=True)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        tree = [root, *root.children(recursive=True)]
        assert len(tree) == 3
        paused = ProcessClient(client.pid, "c0")
        paused.pause()
        assert _statuses(tree, lambda s: s == {psutil.STATUS_STOPPED}) == {psutil.STATUS_STOPPED} and paused.paused
        ProcessClient(client.pid, "c0").resume()  # the session makes a new handle per step
        assert psutil.STATUS_STOPPED not in _statuses(tree, lambda s: psutil.STATUS_STOPPED not in s)
        assert not paused.paused
    finally:
        for p in psutil.Process(client.pid).children(recursive=True):
            p.kill()
        client.kill()
        client.wait()


def test_resume_of_a_client_that_is_gone_is_no_error():
    client = subprocess.Popen([sys.executable, "-c", "pass"])
    handle = ProcessClient(client.pid)
    client.wait()
    handle.resume()
    assert not handle.paused


def _acquire(cls, results) -> None:
    adapter = cls(["127.0.0.1:1"], ttl=0.2, client=0)
    results.put("started")
    try:
        results.put(adapter.acquire("k"))
    except Exception as e:
        results.put(f"{type(e).__name__}: {e}")
    adapter.close()


def test_a_pause_longer_than_the_deadline_does_not_time_the_op_out(declare):
    """A client paused mid-op (its child with it) for longer than the op's deadline gets its
    reply once resumed: time spent stopped is not the child's delay."""
    cls = declare("slow")  # acquire answers after 0.5 s; the deadline is 1.2 s
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    client = ctx.Process(target=_acquire, args=(cls, results), daemon=True)
    client.start()
    try:
        assert results.get(timeout=20) == "started"
        time.sleep(0.1)
        ProcessClient(client.pid).pause()
        time.sleep(2.5)
        ProcessClient(client.pid).resume()
        assert results.get(timeout=10) == "t1"
    finally:
        client.join(5)
        client.kill()
