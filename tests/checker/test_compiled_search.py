"""The compiled WGL loop (`taala._wgl`) is the Python loop, step for step.

Besides the oracle tests (tests/checker/test_against_oracle.py runs every history through
both paths), this compares the two searches directly: same verdict, same number of model
steps, same linearization (and, verbose, the same longest partial ones), on histories larger than brute force can judge.
"""

from __future__ import annotations

import shutil
import sysconfig
import time

import pytest
import taala.checker.wgl as wgl
from hypothesis import HealthCheck, given, settings
from taala.checker.linearizability import partition, searchable
from taala.checker.result import UNKNOWN
from taala.history import Event, History
from taala.models import get

from tests.support.histories import MODELS, random_history, simulated_history

BUILT = wgl.compiled
needs_build = pytest.mark.skipif(BUILT is None, reason="taala._wgl is not built (no C compiler at install time)")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def both(ops, model, monkeypatch, **kwargs):
    monkeypatch.setattr(wgl, "compiled", None)
    slow = wgl.search(ops, model, **kwargs)
    monkeypatch.setattr(wgl, "compiled", BUILT)
    fast = wgl.search(ops, model, **kwargs)
    return slow, fast


def test_the_extension_is_built_where_a_compiler_is():
    """A broken build must not pass silently as "optional": CI has a compiler."""
    if shutil.which(sysconfig.get_config_var("CC").split()[0] if sysconfig.get_config_var("CC") else "cc") is None:
        pytest.skip("no C compiler here")
    assert BUILT is not None, "taala._wgl did not build: see the pip install log"


@needs_build
@pytest.mark.parametrize("spec", sorted(MODELS))
@pytest.mark.parametrize("strategy", [random_history, simulated_history])
def test_same_verdict_steps_and_linearization(spec, strategy, monkeypatch):
    model = get(spec)

    @SETTINGS
    @given(strategy(spec, max_ops=14, keys=1))
    def run(history):
        for part in partition(history.operations()).values():
            ops = searchable(part, model)
            slow, fast = both(ops, model, monkeypatch, want_linearization=True)
            assert (fast.valid, fast.steps) == (slow.valid, slow.steps)
            assert fast.linearization == slow.linearization
            small_cache = both(ops, model, monkeypatch, cache_limit=2)
            assert small_cache[1].valid == small_cache[0].valid == slow.valid
            slow, fast = both(ops, model, monkeypatch, verbose=True)  # explain's search
            assert (fast.valid, fast.steps, fast.longest) == (slow.valid, slow.steps, slow.longest)

    run()


def _hard(writers: int = 16) -> list:
    """Concurrent indeterminate writes, then a read of a value nobody wrote: exponential."""
    events = [Event(p, "invoke", p, "write", p) for p in range(writers)]
    events += [Event(writers, "invoke", writers, "read", None), Event(writers + 1, "ok", writers, "read", 999)]
    return History(events).operations()


@needs_build
def test_a_passed_deadline_is_unknown_after_the_same_steps(monkeypatch):
    model = get("cas-register")
    slow, fast = both(searchable(_hard(), model), model, monkeypatch, deadline=time.monotonic() - 1)
    assert fast.valid == slow.valid == UNKNOWN
    assert fast.steps == slow.steps == 1024


@needs_build
def test_the_hard_history_is_decided_invalid_with_the_same_steps(monkeypatch):
    model = get("cas-register")
    slow, fast = both(searchable(_hard(10), model), model, monkeypatch)
    assert fast.valid == slow.valid is False and fast.steps == slow.steps > 1024


@needs_build
def test_a_given_initial_state_is_used(monkeypatch):
    model = get("register")
    ops = searchable(History([Event(0, "invoke", 0, "read", None), Event(1, "ok", 0, "read", 7)]).operations(), model)
    slow, fast = both(ops, model, monkeypatch, init=7)
    assert fast.valid == slow.valid is True
    slow, fast = both(ops, model, monkeypatch, init=8)
    assert fast.valid == slow.valid is False


@needs_build
def test_an_unhashable_state_raises_as_in_python(monkeypatch):
    model = get("register")
    h = History([Event(0, "invoke", 0, "write", 1), Event(1, "ok", 0, "write", 1)])
    ops = searchable(h.operations(), model)
    monkeypatch.setattr(model, "step", lambda state, op: [op.value])
    monkeypatch.setattr(wgl, "compiled", BUILT)
    with pytest.raises(TypeError):
        wgl.search(ops, model)
