"""taala's own JSON Lines history format: valid files, and malformed ones with exact lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from taala.formats import jsonl, load
from taala.history import Event, HistoryError

from tests.support.parsing import error_of as _error_of
from tests.support.parsing import parser

DATA = Path(__file__).parent.parent / "data"


parse = parser("jsonl", "h.jsonl")


def error_of(text: str, **kw) -> HistoryError:
    return _error_of(parse, text, **kw)


# --------------------------------------------------------------------------- valid input


def test_fields_types_and_lines():
    h = parse(
        '{"index":0,"type":"invoke","process":0,"f":"write","value":1,"time":10,"key":"k1"}\n'
        '{"index":1,"type":"ok","process":0,"f":"write","value":1,"time":20,"key":"k1"}\n'
        '{"index":2,"type":"invoke","process":"c7","f":"read","value":null}\n'
        '{"index":3,"type":"info","process":"c7","f":"read","value":null,"error":["timeout",3]}\n'
    )
    assert [(e.index, e.type, e.process, e.f, e.value, e.key, e.time, e.line) for e in h.events] == [
        (0, "invoke", 0, "write", 1, "k1", 10, 1),
        (1, "ok", 0, "write", 1, "k1", 20, 2),
        (2, "invoke", "c7", "read", None, None, None, 3),
        (3, "info", "c7", "read", None, None, None, 4),
    ]
    assert h.events[3].error == ("timeout", 3)
    assert h.source == "h.jsonl"


def test_lists_become_tuples_and_maps_stay_maps():
    h = parse('{"type":"invoke","process":0,"f":"cas","value":[1,[2,3]],"error":{"why":[1]}}\n')
    assert h.events[0].value == (1, (2, 3))
    assert h.events[0].error == {"why": (1,)}


def test_index_defaults_to_position_and_float_time_is_truncated():
    h = parse('{"type":"invoke","process":0,"f":"read"}\n\n{"type":"ok","process":0,"f":"read","time":1.5e3}\n')
    assert [e.index for e in h.events] == [0, 1]
    assert [e.line for e in h.events] == [1, 3]
    assert h.events[1].time == 1500


def test_blank_lines_and_crlf_keep_real_line_numbers():
    text = '\r\n  \r\n{"type":"invoke","process":0,"f":"read"}\r\n\r\n{"type":"ok","process":0,"f":"read","value":1}\r\n'
    h = parse(text)
    assert [e.line for e in h.events] == [3, 5]
    assert h.events[1].value == 1


def test_nemesis_events_kept_but_not_operations():
    h = load(DATA / "register_valid.jsonl")
    assert len(h.events) == 9
    assert [e.f for e in h.nemesis_events] == ["start"]
    ops = h.operations()
    assert [(op.process, op.f, op.status) for op in ops] == [
        (0, "write", "ok"),
        (1, "read", "ok"),
        (2, "write", "info"),
        (0, "read", "ok"),
    ]
    assert all(op.process != "nemesis" for op in ops)
    # the read's result is the completion's value; the info write keeps the invoked value
    assert ops[1].value == 1 and ops[2].value == 2
    assert ops[2].completion.error == "timeout"


def test_nemesis_without_f_is_accepted():
    h = parse('{"type":"info","process":"nemesis","value":"kill"}\n')
    assert h.events[0].f == "nemesis" and h.events[0].is_nemesis


def test_independent_pairs_map_onto_key():
    text = (
        '{"type":"invoke","process":0,"f":"write","value":[5,1]}\n'
        '{"type":"info","process":"nemesis","f":"start","value":null}\n'
        '{"type":"ok","process":0,"f":"write","value":["k",[1,2]]}\n'
    )
    plain = parse(text)
    assert plain.events[0].key is None and plain.events[0].value == (5, 1)
    h = parse(text, independent=True)
    assert [(e.key, e.value) for e in h.events] == [(5, 1), (None, None), ("k", (1, 2))]


def test_dumps_writes_one_object_per_line_and_reads_back():
    events = [
        Event(0, "invoke", 3, "cas", (1, 2), time=5, key="a"),
        Event(1, "fail", 3, "cas", (1, 2), time=9, key="a", error="mismatch"),
        Event(2, "info", "nemesis", "start", None),
    ]
    text = jsonl.dumps(events)
    assert text.count("\n") == 3 and text.endswith("\n")
    back = parse(text).events
    assert [e.to_dict() for e in back] == [e.to_dict() for e in events]


def test_write_and_load(tmp_path):
    h = load(DATA / "register_valid.jsonl")
    out = tmp_path / "copy.jsonl"
    jsonl.write(h, out)
    assert load(out).to_dicts() == h.to_dicts()


# --------------------------------------------------------------------------- malformed input

GOOD = '{"type":"invoke","process":0,"f":"read","value":null}\n'


@pytest.mark.parametrize(
    "bad_line, fragment",
    [
        ('{"type":"ok","process":0,', "not valid JSON"),
        ("{'type': 'ok'}", "not valid JSON"),
        ('{"type":"ok","process":0,"f":"read"} trailing', "not valid JSON"),
        ('{"type":"ok","process":0,"f":"read","value":NaN}', "not valid JSON"),
        ('{"type":"ok","process":0,"f":"read","time":1e400}', "not valid JSON"),
        ('[1, 2, 3]', "expected an op map"),
        ('"just a string"', "expected an op map"),
        ('{"process":0,"f":"read"}', "`type`"),
        ('{"type":"done","process":0,"f":"read"}', "`type`"),
        ('{"type":{},"process":0,"f":"read"}', "`type`"),
        ('{"type":["ok"],"process":0,"f":"read"}', "`type`"),
        ('{"type":"ok","f":"read"}', "no `process`"),
        ('{"type":"ok","process":1.5,"f":"read"}', "`process`"),
        ('{"type":"ok","process":true,"f":"read"}', "`process`"),
        ('{"type":"ok","process":[1],"f":"read"}', "`process`"),
        ('{"type":"ok","process":{"a":1},"f":"read"}', "`process`"),
        ('{"type":"ok","process":0}', "`f`"),
        ('{"type":"ok","process":0,"f":""}', "`f`"),
        ('{"type":"ok","process":0,"f":7}', "`f`"),
        ('{"type":"ok","process":0,"f":"read","index":"3"}', "`index`"),
        ('{"type":"ok","process":0,"f":"read","index":false}', "`index`"),
        ('{"type":"ok","process":0,"f":"read","index":2.0}', "`index`"),
        ('{"type":"ok","process":0,"f":"read","time":"noon"}', "`time`"),
        ('{"type":"ok","process":0,"f":"read","time":true}', "`time`"),
        ('{"type":"ok","process":0,"f":"read","key":{"a":1}}', "`key`"),
    ],
)
@pytest.mark.parametrize("how", ["loads", "load"])
def test_malformed_line_is_reported_with_its_number(tmp_path, bad_line, fragment, how):
    text = GOOD + "\n" + '{"type":"ok","process":0,"f":"read","value":1}\n' + bad_line + "\n" + GOOD
    if how == "load":  # the file path streams byte lines
        path = tmp_path / "h.jsonl"
        path.write_text(text)
        e = pytest.raises(HistoryError, load, path).value
        assert str(e).startswith(f"{path}:4: ")
    else:
        e = error_of(text)
        assert str(e).startswith("h.jsonl:4: ")
    assert e.line == 4
    assert fragment in e.message


def test_independent_requires_pairs_and_names_the_line():
    text = '{"type":"invoke","process":0,"f":"read","value":[1,null]}\n{"type":"ok","process":0,"f":"read","value":3}\n'
    e = error_of(text, independent=True)
    assert (e.line, str(e)[:10]) == (2, "h.jsonl:2:")
    assert "[key value]" in e.message


def test_pairing_errors_name_the_line():
    orphan = GOOD + '{"type":"ok","process":1,"f":"read","value":1}\n'
    e = pytest.raises(HistoryError, parse(orphan).operations).value
    assert str(e).startswith("h.jsonl:2: ") and "no matching invocation" in str(e)

    double = GOOD + '{"type":"info","process":"nemesis","f":"x"}\n' + GOOD
    e = pytest.raises(HistoryError, parse(double).operations).value
    assert str(e).startswith("h.jsonl:3: ") and "line 1" in str(e)

    mismatch = GOOD + '{"type":"ok","process":0,"f":"write","value":1}\n'
    e = pytest.raises(HistoryError, parse(mismatch).operations).value
    assert str(e).startswith("h.jsonl:2: ") and "'write'" in str(e)


def test_invoke_after_info_is_accepted():
    text = GOOD + '{"type":"info","process":0,"f":"read"}\n' + GOOD
    ops = parse(text).operations()
    assert [op.status for op in ops] == ["info", "pending"]


def test_unreadable_file(tmp_path):
    missing = tmp_path / "nope.jsonl"
    e = pytest.raises(HistoryError, load, missing).value
    assert str(e).startswith(f"{missing}: cannot read")
    e = pytest.raises(HistoryError, load, tmp_path).value  # a directory
    assert str(e).startswith(f"{tmp_path}: cannot read")


def test_binary_content_names_the_line(tmp_path):
    p = tmp_path / "h.jsonl"
    p.write_bytes(GOOD.encode() + GOOD.encode() + b'{"type":"ok","process":0,"f":"r\xff\xfe"}\n')
    e = pytest.raises(HistoryError, load, p).value
    assert str(e).startswith(f"{p}:3: ") and "UTF-8" in e.message
    p.write_bytes(GOOD.encode() + b'{"type":"ok",\x00}\n')
    assert str(pytest.raises(HistoryError, load, p).value).startswith(f"{p}:2: ")


# --------------------------------------------------------------------------- bugs found


@pytest.mark.parametrize("how", ["loads", "load"])
@pytest.mark.parametrize("sep", ["\x85", "\u2028", "\u2029"])
def test_unicode_line_separator_inside_json_string(tmp_path, sep, how):
    """Valid JSON may carry U+0085/U+2028/U+2029 unescaped in a string (orjson writes them
    raw), but `jsonl.parse` splits a str with `str.splitlines()`, which breaks there.
    (`load` streams the file's byte lines and is fine; `loads` is not.)"""
    events = [Event(0, "invoke", 0, "write", f"a{sep}b"), Event(1, "ok", 0, "write", f"a{sep}b")]
    text = jsonl.dumps(events)
    if how == "load":
        path = tmp_path / "h.jsonl"
        path.write_text(text, encoding="utf-8")
        h = load(path)
    else:
        h = parse(text)
    assert [e.value for e in h.events] == [f"a{sep}b", f"a{sep}b"]


def test_integer_beyond_64_bits_is_not_silently_rounded():
    """orjson reads integers past 64 bits as floats: two different writes would compare equal."""
    big = 2**64 + 1
    try:
        h = parse(f'{{"type":"invoke","process":0,"f":"write","value":{big}}}\n')
    except HistoryError as e:
        assert e.line == 1
    else:
        assert h.events[0].value == big and isinstance(h.events[0].value, int)


def test_deeply_nested_value_fails_cleanly():
    """orjson accepts nesting up to 1024; `freeze` then recurses past Python's limit."""
    depth = 1000
    text = GOOD + '{"type":"ok","process":0,"f":"read","value":' + "[" * depth + "]" * depth + "}\n"
    try:
        h = parse(text)
    except HistoryError as e:
        assert e.line == 2
    else:
        assert len(h.events) == 2
