"""Jepsen text op lines (`history.txt`, op lines of a `jepsen.log`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from taala.formats import load
from taala.history import HistoryError

from tests.support.parsing import error_of as _error_of
from tests.support.parsing import parser, summary

DATA = Path(__file__).parent.parent / "data"
T = "\t"


parse = parser("jepsen-text", "jepsen.log")


def error_of(text: str, **kw) -> HistoryError:
    return _error_of(parse, text, **kw)


# --------------------------------------------------------------------------- valid input


def test_history_txt_lines():
    h = load(DATA / "cas_history.txt")
    assert summary(h)[:6] == [
        (0, "invoke", 0, "write", 1, None, 1),
        (1, "ok", 0, "write", 1, None, 2),
        (2, "invoke", 1, "cas", (1, 2), None, 3),
        (3, "invoke", 2, "read", None, None, 4),
        (4, "ok", 1, "cas", (1, 2), None, 5),
        (5, "ok", 2, "read", 2, None, 6),
    ]
    nem = h.events[6]
    assert (nem.process, nem.type, nem.f, nem.is_nemesis) == ("nemesis", "info", "stop", True)
    assert h.events[7].value == "a string with {braces} and ; semicolon"
    assert (h.events[8].type, h.events[8].error) == ("fail", "not-leader")
    assert [op.status for op in h.operations()] == ["ok", "ok", "ok", "fail"]


def test_log_with_prefixes_and_chatter_keeps_file_lines():
    h = load(DATA / "mutex_jepsen.log")
    assert [(e.process, e.type, e.f, e.line) for e in h.events] == [
        (0, "invoke", "acquire", 4),
        (0, "ok", "acquire", 5),
        (1, "invoke", "acquire", 6),
        ("nemesis", "info", "start", 7),
        ("nemesis", "info", "start", 11),
        (1, "info", "acquire", 12),
        (0, "invoke", "release", 13),
        (0, "ok", "release", 14),
    ]
    assert h.events[4].value == ("isolated", {"n1": frozenset({"n2", "n3"})})
    assert h.events[5].error == "timeout"
    assert [e.index for e in h.events] == list(range(8))
    assert [(op.process, op.f, op.status) for op in h.operations()] == [
        (0, "acquire", "ok"),
        (1, "acquire", "info"),
        (0, "release", "ok"),
    ]


def test_newer_log_prefix_with_timestamp_and_thread():
    text = (
        "INFO [2017-03-07 18:03:44,126] main - jepsen.core Running test\n"
        f"INFO [2017-03-07 18:03:44,200] jepsen worker 3 - jepsen.util 3{T}:invoke{T}:write{T}4\n"
        f"INFO [2017-03-07 18:03:44,210] jepsen worker 3 - jepsen.util 3{T}:ok{T}:write{T}4\n"
        f"INFO [2017-03-07 18:03:44,300] jepsen nemesis - jepsen.util :nemesis{T}:info{T}:start{T}nil\n"
    )
    h = parse(text)
    assert [(e.process, e.type, e.f, e.value, e.line) for e in h.events] == [
        (3, "invoke", "write", 4, 2),
        (3, "ok", "write", 4, 3),
        ("nemesis", "info", "start", None, 4),
    ]


def test_values_are_edn():
    text = (
        f"0{T}:invoke{T}:write{T}[1 [2 3] #{{4}} {{:a \"b\\tc\"}}]\n"
        f"0{T}:ok{T}:write{T}\"tab\\tinside\"\n"
        f"1{T}:invoke{T}:read{T}nil\n"
        f"1{T}:ok{T}:read\n"  # no value column at all
        f"-2{T}:invoke{T}:read{T}:kw\n"
    )
    h = parse(text)
    assert h.events[0].value == (1, (2, 3), frozenset({4}), {"a": "b\tc"})
    assert h.events[1].value == "tab\tinside"
    assert h.events[2].value is None and h.events[3].value is None
    assert (h.events[4].process, h.events[4].value) == (-2, "kw")


def test_f_without_colon_and_string_process():
    h = parse(f"worker-1{T}:invoke{T}read{T}nil\nworker-1{T}:ok{T}read{T}5\n")
    assert [(e.process, e.f) for e in h.events] == [("worker-1", "read"), ("worker-1", "read")]


def test_independent_values():
    text = f"0{T}:invoke{T}:write{T}[:k1 3]\n:nemesis{T}:info{T}:start{T}nil\n0{T}:ok{T}:write{T}[:k1 3]\n"
    plain = parse(text)
    assert plain.events[0].key is None and plain.events[0].value == ("k1", 3)
    h = parse(text, independent=True)
    assert [(e.key, e.value) for e in h.events] == [("k1", 3), (None, None), ("k1", 3)]


def test_independent_tuple_tag_in_value():
    h = parse(f"0{T}:invoke{T}:read{T}#jepsen.independent.Tuple{{:key 7 :value nil}}\n")
    assert (h.events[0].key, h.events[0].value) == (7, None)


# --------------------------------------------------------------------------- malformed input


def test_no_op_lines_at_all():
    e = error_of("INFO  jepsen.core - Running test\nnothing to see\n")
    assert str(e).startswith("jepsen.log: ") and "no Jepsen op lines" in e.message


@pytest.mark.parametrize(
    "bad, fragment",
    [
        (f"INFO  jepsen.util - 0{T}:ok{T}:read{T}[1 2", "cannot read the value"),
        (f"0{T}:ok{T}:read{T}#{{1 2", "cannot read the value"),
        (f"0{T}:ok{T}:read{T}#weird/tag 3", "cannot read the value"),
        (f"0{T}:ok{T}:read{T}3{T}{{:a", "cannot read the error"),
        (f"0{T}:ok{T}:read{T}\"unterminated", "cannot read the value"),
        (f"0{T}:ok{T}: {T}3", "`f`"),
    ],
)
def test_malformed_op_line_reports_its_file_line(bad, fragment):
    text = f"INFO  jepsen.core - start\n0{T}:invoke{T}:read{T}nil\n\nsome chatter\n{bad}\n0{T}:invoke{T}:read{T}nil\n"
    e = error_of(text)
    assert e.line == 5, str(e)
    assert str(e).startswith("jepsen.log:5: ")
    assert fragment in e.message


def test_independent_non_pair_reports_line():
    e = error_of(f"junk\n0{T}:invoke{T}:read{T}[1 nil]\n0{T}:ok{T}:read{T}9\n", independent=True)
    assert str(e).startswith("jepsen.log:3: ")


def test_pairing_errors_use_file_lines_not_op_positions():
    text = f"chatter\n0{T}:invoke{T}:read{T}nil\nmore chatter\n\n1{T}:ok{T}:read{T}3\n"
    e = pytest.raises(HistoryError, parse(text).operations).value
    assert str(e).startswith("jepsen.log:5: ")
    text = f"0{T}:invoke{T}:read{T}nil\nx\n0{T}:invoke{T}:write{T}3\n"
    e = pytest.raises(HistoryError, parse(text).operations).value
    assert str(e).startswith("jepsen.log:3: ") and "line 1" in e.message


# --------------------------------------------------------------------------- bugs found


@pytest.mark.parametrize("process", ["--1", "²", "1²"])
def test_odd_process_column_never_raises_value_error(process):
    """`jepsen_text.parse` calls `int(process_s)` whenever `process_s.lstrip('-').isdigit()`:
    '--1' and '²' (a digit to `isdigit`, not to `int`) raise a bare ValueError."""
    try:
        h = parse(f"{process}{T}:invoke{T}:read{T}nil\n")
    except HistoryError as e:
        assert e.line == 1
    else:
        assert len(h.events) == 1


@pytest.mark.parametrize("sep", ["\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_raw_line_separator_inside_string_value(sep):
    """Clojure's pr-str leaves these characters unescaped inside strings, but
    `jepsen_text.parse` splits lines with `str.splitlines()`, which breaks the op line in
    two: the op is lost or mis-read."""
    text = f'0{T}:invoke{T}:write{T}"a{sep}b"\n0{T}:ok{T}:write{T}"a{sep}b"\n'
    h = parse(text)
    assert [(e.type, e.value) for e in h.events] == [("invoke", f"a{sep}b"), ("ok", f"a{sep}b")]
