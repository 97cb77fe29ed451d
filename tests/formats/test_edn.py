"""Jepsen `history.edn`: op maps one per line or in one vector, and malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest
from taala.formats import load
from taala.history import HistoryError

from tests.support.parsing import error_of as _error_of
from tests.support.parsing import parser, summary

DATA = Path(__file__).parent.parent / "data"


parse = parser("edn", "history.edn")


def error_of(text: str, **kw) -> HistoryError:
    return _error_of(parse, text, **kw)


# --------------------------------------------------------------------------- valid input


def test_one_op_map_per_line():
    h = parse(
        "{:type :invoke, :f :read, :value nil, :process 0, :time 1234, :index 0}\n"
        "{:type :ok, :f :read, :value 3, :process 0, :time 2345, :index 1}\n"
        "{:index 2 :type :invoke :process 1 :f :cas :value [1 2]}\n"
        "{:index 3 :type :fail :process 1 :f :cas :value [1 2] :error :mismatch}\n"
    )
    assert summary(h) == [
        (0, "invoke", 0, "read", None, None, 1),
        (1, "ok", 0, "read", 3, None, 2),
        (2, "invoke", 1, "cas", (1, 2), None, 3),
        (3, "fail", 1, "cas", (1, 2), None, 4),
    ]
    assert [e.time for e in h.events] == [1234, 2345, None, None]
    assert h.events[3].error == "mismatch"


def test_single_vector_spanning_lines_keeps_each_maps_line():
    h = parse(
        "[{:type :invoke, :f :write, :value 1, :process 0}\n"
        " {:type :ok,\n"
        "  :f :write,\n"
        "  :value 1,\n"
        "  :process 0},\n"
        "\n"
        " {:type :invoke, :f :read, :value nil, :process 1} {:type :ok, :f :read, :value 1, :process 1}\n"
        "]\n"
    )
    assert [(e.type, e.f, e.line) for e in h.events] == [
        ("invoke", "write", 1),
        ("ok", "write", 2),
        ("invoke", "read", 7),
        ("ok", "read", 7),
    ]
    assert [e.index for e in h.events] == [0, 1, 2, 3]  # positions when :index is absent
    assert len(h.operations()) == 2


def test_keywords_sets_strings_with_braces_comments_and_chars():
    h = parse(
        "; a comment with an unbalanced { and ] in it\n"
        '{:type :invoke, :f :write, :process 0, :value "a {string} with ] and ; inside"} ; trailing }\n'
        '{:type :ok, :f :write, :process 0, :value "a {string} with ] and ; inside"}\n'
        '{:type :invoke, :f :read, :process 1, :value #{1 2 :three "four"}}\n'
        '{:type :ok, :f :read, :process 1, :value {:k [\\{ \\; "x\\"y}"]}}\n'
        ";; done\n"
    )
    assert [e.line for e in h.events] == [2, 3, 4, 5]
    assert h.events[0].value == "a {string} with ] and ; inside"
    assert h.events[2].value == frozenset({1, 2, "three", "four"})
    assert h.events[3].value == {"k": ("{", ";", 'x"y}')}


def test_multiline_string_counts_lines():
    h = parse('{:type :invoke, :f :write, :process 0, :value "line one\nline two\nthree"}\n'
              "{:type :ok, :f :write, :process 0, :value nil}\n")
    assert [e.line for e in h.events] == [1, 4]
    assert h.events[0].value == "line one\nline two\nthree"


def test_numbers_bigints_decimals_and_string_keys():
    h = parse(
        '{:type :invoke, :f :write, :process 0, :value 12345678901234567890N, :time 5}\n'
        '{:type :ok, :f :write, :process 0, :value 1.5M}\n'
        '{"type" "invoke", "f" "read", "process" 2}\n'
    )
    assert h.events[0].value == 12345678901234567890
    assert h.events[1].value == 1.5
    assert (h.events[2].type, h.events[2].f, h.events[2].process) == ("invoke", "read", 2)


def test_nemesis_process_kept_as_event_but_not_operation():
    h = load(DATA / "register_invalid.edn")
    nem = h.nemesis_events
    assert len(nem) == 1
    assert (nem[0].f, nem[0].value, nem[0].line) == ("start", ("isolated", frozenset({"n1", "n2"})), 6)
    assert len(h.events) == 7
    assert [(op.process, op.f) for op in h.operations()] == [(0, "write"), (0, "write"), (1, "read")]


def test_independent_tuple_tag_always_maps_to_key():
    h = load(DATA / "cas_independent.edn")
    assert [(e.f, e.key, e.value) for e in h.events][:3] == [("write", 1, 3), ("write", 1, 3), ("cas", 2, (None, 4))]
    ops = h.operations()
    assert {op.key for op in ops} == {1, 2}
    assert [op.value for op in ops if op.f == "read"] == [3, 4]


def test_plain_pairs_become_keys_only_with_independent():
    text = "{:type :invoke, :f :write, :process 0, :value [:x 1]}\n{:type :info, :f :start, :process :nemesis, :value [:a :b :c]}\n"
    plain = parse(text)
    assert [(e.key, e.value) for e in plain.events] == [(None, ("x", 1)), (None, ("a", "b", "c"))]
    indep = parse(text, independent=True)
    assert [(e.key, e.value) for e in indep.events] == [("x", 1), (None, ("a", "b", "c"))]


def test_nemesis_without_f_and_with_error():
    h = parse("{:type :info, :process :nemesis, :value :crash, :error [:node-down \"n3\"]}\n")
    e = h.events[0]
    assert (e.process, e.f, e.value, e.error) == ("nemesis", "nemesis", "crash", ("node-down", "n3"))
    assert h.operations() == []


def test_empty_vector_and_comment_only_file_are_empty_histories():
    assert parse("[]\n").events == []
    assert parse("; nothing here\n\n").events == []


# --------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        # a form that never closes is reported where it starts
        ("{:type :invoke :f :read :process 0}\n\n{:type :ok :f :read\n :process 0\n", 3, "unexpected end of file"),
        ("{:type :invoke :f :read :process 0}\n{:type :ok :f :read :process 0}}\n", 2, "unbalanced `}`"),
        ("{:type :invoke :f :read :process 0}\n\n\n{:type :ok :f :read :process 0 :value #foo{}}\n", 4, "unknown EDN tag #foo"),
        ("{:type :invoke :f :read :process 0}\n{:type :ok :f :read :process}\n", 2, "invalid EDN"),
        ("{:type :invoke :f :read :process 0}\n{:type :okay :f :read :process 0}\n", 2, "`type`"),
        ("{:type :invoke :f :read :process 0}\n:not-a-map\n", 2, "expected an op map"),
        ("{:type :invoke :f :read :process 0}\n42\n", 2, "expected an op map"),
        ("{:type :invoke :f :read :process 0}\n(:type :ok)\n", 2, "expected an op map"),
        ('{:type :invoke :f :read :process 0}\n{:type :ok :f :read :process 0 :value "oops}\n', 2, "unterminated string"),
        ("[{:type :invoke :f :read :process 0}\n {:type :ok :f :read :process 0}", 1, "not closed"),  # where `[` opened
        ("[{:type :invoke :f :read :process 0}]\n{:type :ok :f :read :process 0}\n", 1, "after the closing"),
        ("[{:type :invoke :f :read :process 0}\n [{:type :ok :f :read :process 0}]]\n", 2, "expected an op map"),
        ("{:type :invoke :f :read :process 0}\n{:type :ok :f :read :process 0 :value #jepsen.independent.Tuple[1 2]}\n", 2, "Tuple"),
        ("{:type :invoke :f :read :process 0}\n{:type :ok :f :read :process [0 1]}\n", 2, "`process`"),
        ("{:type :invoke :f :read :process 0}\n{:type :ok :f :read :process 0 :key {:a 1}}\n", 2, "`key`"),
        ("{:type :invoke :f :read :process 0}\n{:type :ok :f :read :process 0 :time :noon}\n", 2, "`time`"),
        ("{:type :invoke :f :read :process 0}\n{:type :ok :f :read :process 0 :index 1.5}\n", 2, "`index`"),
        ("{:type :invoke :f :read :process 0}\n{:type :ok :f nil :process 0}\n", 2, "`f`"),
    ],
)
def test_malformed_reports_exact_line(text, line, fragment):
    e = error_of(text)
    assert e.line == line, str(e)
    assert str(e).startswith(f"history.edn:{line}: ")
    assert fragment in e.message


def test_independent_non_pair_reports_line():
    e = error_of("{:type :invoke :f :read :process 0 :value [1 2]}\n\n{:type :ok :f :read :process 0 :value 7}\n", independent=True)
    assert str(e).startswith("history.edn:3: ")


def test_pairing_error_line_inside_vector():
    h = parse("[{:type :invoke :f :read :process 0}\n {:type :ok :f :read :process 0}\n {:type :ok :f :read :process 0}]\n")
    e = pytest.raises(HistoryError, h.operations).value
    assert str(e).startswith("history.edn:3: ")


# --------------------------------------------------------------------------- bugs found


def test_unclosed_vector_error_line_exists_in_the_file():
    """With a final newline, the end-of-file error names line 3 of a 2-line file
    (edn.py `_forms`, the `if unwrapped:` raise after the loop): it should name a real line,
    preferably the line of the opening `[`, as an unclosed map names its first line."""
    text = "[{:type :invoke :f :read :process 0}\n {:type :ok :f :read :process 0}\n"
    e = error_of(text)
    assert "not closed" in e.message
    assert 1 <= e.line <= 2, str(e)


def test_jepsen_history_op_tag_one_per_line():
    """Jepsen >= 0.3 prints ops as `#jepsen.history.Op{...}` records. `_forms` (the `depth == 0` branch that raises "expected an op map")
    rejects any top-level form that does not start with a bracket, so the tag is refused."""
    h = parse(
        "#jepsen.history.Op{:index 0, :time 10, :type :invoke, :process 0, :f :read, :value nil}\n"
        "#jepsen.history.Op{:index 1, :time 20, :type :ok, :process 0, :f :read, :value 1}\n"
    )
    assert summary(h) == [(0, "invoke", 0, "read", None, None, 1), (1, "ok", 0, "read", 1, None, 2)]


def test_jepsen_history_op_tag_inside_vector():
    h = parse(
        "[#jepsen.history.Op{:index 0, :type :invoke, :process 0, :f :read, :value nil}\n"
        " #jepsen.history.Op{:index 1, :type :ok, :process 0, :f :read, :value 1}]\n"
    )
    assert [(e.type, e.line) for e in h.events] == [("invoke", 1), ("ok", 2)]


def test_leading_comment_before_history_vector():
    """A `;` comment before the opening `[` must not stop the vector being unwrapped."""
    h = parse("; written by jepsen\n[{:type :invoke, :f :read, :process 0}\n {:type :ok, :f :read, :process 0, :value 1}]\n")
    assert [(e.type, e.line) for e in h.events] == [("invoke", 2), ("ok", 3)]


@pytest.mark.parametrize("time", ["1e400", "##Inf", "##-Inf", "##NaN", "1e999M"])
def test_non_finite_time_is_a_history_error(time):
    """`make_event` does `int(time)` on any float: OverflowError/ValueError escape."""
    e = error_of("{:type :invoke :f :read :process 0}\n{:type :ok :f :read :process 0 :time " + time + "}\n")
    assert e.line == 2


@pytest.mark.parametrize("value", ["#{{:a 1}}", "#{#{{:a 1}}}", "{:k #{{:b 2}}}"])
def test_set_containing_maps(value):
    """`_plain` builds `frozenset(...)` of plain dicts: TypeError escapes."""
    try:
        h = parse("{:type :invoke :f :read :process 0}\n{:type :ok :f :read :process 0 :value " + value + "}\n")
    except HistoryError as e:
        assert e.line == 2
    else:
        assert len(h.events) == 2


@pytest.mark.parametrize("depth", [1500, 5000])
def test_deeply_nested_value_fails_cleanly(depth):
    """`_plain` (called in `parse` outside the try) recurses once per level: RecursionError escapes."""
    text = "{:type :invoke :f :read :process 0}\n{:type :ok :f :read :process 0 :value " + "[" * depth + "]" * depth + "}\n"
    try:
        h = parse(text)
    except HistoryError as e:
        assert e.line == 2
    else:
        assert len(h.events) == 2
