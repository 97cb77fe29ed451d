"""`nil-reads`: Knossos's rule (a nil read is always legal) by default; `nil-reads=value`
makes nil a real value, so a write lost when a server restarted empty is caught."""

import pytest
from taala.checker import check
from taala.history import Event, History
from taala.models import get


def write_then_read(read_value, initial_write=1):
    return History([
        Event(0, "invoke", 0, "write", initial_write), Event(1, "ok", 0, "write", initial_write),
        Event(2, "invoke", 1, "read", None), Event(3, "ok", 1, "read", read_value),
    ])


@pytest.mark.parametrize("name", ["register", "cas-register"])
def test_nil_read_after_a_write_is_legal_by_default(name):
    assert check(write_then_read(None), get(name)).valid is True


@pytest.mark.parametrize("name", ["register", "cas-register"])
def test_nil_read_after_a_write_is_a_lost_write_when_nil_is_a_value(name):
    result = check(write_then_read(None), get(f"{name}:nil-reads=value"))
    assert result.valid is False
    assert "read None but the register held 1" in result.counterexample.explanation


def test_nil_read_of_the_initial_nil_is_legal_when_nil_is_a_value():
    h = History([Event(0, "invoke", 1, "read", None), Event(1, "ok", 1, "read", None)])
    assert check(h, get("register:nil-reads=value")).valid is True
    assert check(h, get("register:initial=0,nil-reads=value")).valid is False


def test_nil_reads_takes_any_or_value_only():
    with pytest.raises(ValueError, match="nil-reads must be any or value"):
        get("cas-register:nil-reads=strict")
