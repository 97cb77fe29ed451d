"""The search must agree with brute force on every small history, for every model.

This is the checker's soundness and completeness argument in executable form: a false
alarm (search says invalid, oracle finds a linearization) or a miss (the reverse) fails.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from taala.checker.linearizability import check as check_linearizability
from taala.checker.linearizability import partition, searchable
from taala.checker.pieces import decide
from taala.models import get

from tests.support.histories import MODELS, random_history, simulated_history
from tests.support.oracle import linearizable

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _agree(history, spec):
    model = get(spec)
    ops = history.operations()
    expected = linearizable(ops, model)
    got = check_linearizability(ops, model, workers=1).valid
    assert got == expected, f"search says {got}, brute force says {expected} for\n" + "\n".join(
        f"  {e.index} p{e.process} {e.type} {e.f} {e.value!r} key={e.key}" for e in history.events
    )
    return expected


@pytest.mark.parametrize("spec", sorted(MODELS))
def test_search_agrees_with_brute_force_on_random_histories(spec, search_path):
    verdicts = []

    @SETTINGS
    @given(random_history(spec))
    def run(history):
        verdicts.append(_agree(history, spec))

    run()
    # The generator must exercise both verdicts, or agreement proves little.
    assert True in verdicts and False in verdicts, f"{spec}: only saw {set(verdicts)}"


@pytest.mark.parametrize("spec", sorted(MODELS))
def test_simulated_linearizable_histories_are_valid(spec, search_path):
    @SETTINGS
    @given(simulated_history(spec))
    def run(history):
        assert _agree(history, spec) is True

    run()


def _agree_in_pieces(history, spec, max_carried):
    """Every part decided piece by piece (a cut at every quiescent point) agrees with brute
    force, with the carried configurations uncapped and capped (the whole-part fallback)."""
    model = get(spec)
    ops = history.operations()
    expected = linearizable(ops, model)
    parts = [searchable(p, model) for p in partition(ops).values()]
    got = all(decide(p, model, split_after=0, min_piece=1, max_carried=max_carried).valid is True for p in parts)
    assert got == expected, f"pieces say {got}, brute force says {expected} for\n" + "\n".join(
        f"  {e.index} p{e.process} {e.type} {e.f} {e.value!r} key={e.key}" for e in history.events
    )
    return expected


@pytest.mark.parametrize("max_carried", [1, 10_000])
@pytest.mark.parametrize("spec", sorted(MODELS))
def test_piecewise_search_agrees_with_brute_force(spec, max_carried, search_path):
    verdicts = []

    @SETTINGS
    @given(random_history(spec, max_ops=8, keys=1))
    def run(history):
        verdicts.append(_agree_in_pieces(history, spec, max_carried))

    run()
    assert True in verdicts and False in verdicts, f"{spec}: only saw {set(verdicts)}"
