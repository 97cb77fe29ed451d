"""Jepsen op lines read their common values (nil, booleans, integers, keywords, vectors of
integers) without edn_format; the result must be exactly what edn_format would give."""

import edn_format
import pytest
from hypothesis import given
from hypothesis import strategies as st
from taala.formats.edn import _plain
from taala.formats.jepsen_text import simple_edn

SIMPLE = ["nil", "true", "false", "0", "-3", "42", "[1 2]", "[0, 4]", "[]", "[ 1  2 ]", ":timed-out", ":a.b", " 7 ", "-0"]
NOT_SIMPLE = ["007", "1N", '"x"', ":a/b", "[1 :a]", "+5", "[1 [2]]", "1.5", "nil nil", "truex", "[1 2", "[1-2]", "[01]"]


def edn(text):
    (form,) = edn_format.loads_all(text)
    return _plain(form)


@pytest.mark.parametrize("text", SIMPLE)
def test_simple_values_read_as_edn_format_reads_them(text):
    ok, value = simple_edn(text)
    assert ok and value == edn(text) and type(value) is type(edn(text))


@pytest.mark.parametrize("text", NOT_SIMPLE)
def test_anything_else_is_left_to_edn_format(text):
    assert simple_edn(text) == (False, None)


@given(st.one_of(st.integers(-10**20, 10**20).map(str), st.lists(st.integers(-99, 99), max_size=4).map(
    lambda xs: "[" + " ".join(map(str, xs)) + "]")))
def test_integers_and_vectors_agree_with_edn_format(text):
    ok, value = simple_edn(text)
    assert ok and value == edn(text)
