"""The compiled reading loops (`taala._read`) read exactly what the Python loops read.

JSONL lines into events:

Lines are drawn from the common shape the C loop accepts and from its near misses (other
keys, floats, big or zero-led integers, escapes, non-UTF-8 bytes, duplicate keys, bools,
lists, blank and broken lines), and the file is cut into chunks at random places. Both
paths must give the same events, field by field and type by type, or the same error with
the same file:line.

Events into operations: generated histories, mostly well formed (each process invokes,
then completes), sometimes not (a completion with no invocation or of another `f`, a
second invocation, a completion timed before its invocation, nemesis events, odd process
names): both loops must give the same operations, field by field, and the same warnings,
or the same error. No server, no fake: pure parsing.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taala import history
from taala.formats import jsonl
from taala.history import Event, HistoryError, Operation

COMPILED = jsonl.compiled
pytestmark = pytest.mark.skipif(COMPILED is None, reason="taala._read is not built (no C compiler at install time)")

FIELDS = ("index", "type", "process", "f", "value", "time", "key", "error")
strings = st.sampled_from(["acquire", "release", "read", "lock-1", "", "é", "日本", "a b", "x" * 40])
ints = st.one_of(st.integers(-5, 5), st.integers(-(10**18) + 1, 10**18 - 1), st.integers(10**18, 10**20))
plain = st.one_of(st.none(), ints, strings)
odd = st.one_of(st.booleans(), st.floats(allow_nan=False), st.lists(ints, max_size=2), st.just({"a": 1}))
types = st.sampled_from(["invoke", "ok", "fail", "info", "INVOKE", ""])


@st.composite
def object_lines(draw) -> bytes:
    """One op map, usually of the common shape, sometimes not (the draws pick which)."""
    fields = {"index": draw(ints), "type": draw(types), "process": draw(ints), "f": draw(strings)}
    for name in ("value", "time", "key", "error"):
        if draw(st.booleans()):
            fields[name] = draw(plain)
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=2)):
        if draw(st.booleans()):
            fields.pop(name, None)
        else:
            fields[name] = draw(st.one_of(plain, odd))
    if draw(st.booleans()):
        fields["node"] = draw(plain)
    text = json.dumps(fields, separators=(",", ":"))  # the standard library: orjson refuses integers past 64 bits
    return draw(st.sampled_from([text, text.replace(",", ", "), text.replace(":", " : "), f" {text}\t\r"])).encode()


edits = st.sampled_from([
    b"", b"   ", b"\r", b"{", b"}", b"[1, 2]", b"null", b'{"index":1,"index":2,"type":"ok","process":1,"f":"a"}',
    b'{"type":"ok","process":1,"f":"a\\u00e9"}', b'{"type":"ok","process":1,"f":"\xff"}', b'{"type":"ok","process":01,"f":"a"}',
    b'{"type":"ok","process":1,"f":"a","time":1e3}', b'{"type":"ok","process":1,"f":"a","value":-0}',
    b'{"type":"ok","process":1,"f":"a"} x', b'{"type":"ok" "process":1}', b'{"type":"ok","process":1,"f":"a",}',
    b'{"type":"invoke","process":-3,"f":"write","value":"\xe6\x97\xa5"}',
])
lines = st.lists(st.one_of(object_lines(), edits), max_size=12)


def _typed(events):
    return [tuple((type(getattr(e, f)), getattr(e, f)) for f in (*FIELDS, "line")) for e in events]


def _read(data: bytes, cuts: list[int], *, compiled) -> object:
    pieces, start = [], 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        pieces.append(data[start:cut])
        start = cut
    pieces.append(data[start:])
    saved = jsonl.compiled
    jsonl.compiled = compiled
    try:
        return _typed(jsonl.parse_chunks([p for p in pieces if p], source="h.jsonl"))
    except HistoryError as e:
        return str(e)
    finally:
        jsonl.compiled = saved


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines, st.booleans(), st.lists(st.integers(0, 10**6), max_size=4))
def test_the_compiled_reader_reads_what_the_python_reader_reads(body, trailing_newline, cuts):
    data = b"\n".join(body) + (b"\n" if trailing_newline else b"")
    assert _read(data, cuts, compiled=COMPILED) == _read(data, cuts, compiled=None)


def test_the_common_shape_is_read_in_c_and_the_rest_line_by_line(monkeypatch):
    """Every line of the runner's shape is read by the C loop; a declined line by Python."""
    python_lines = []
    real = jsonl._read_line
    monkeypatch.setattr(jsonl, "_read_line", lambda raw, lineno, *a: (python_lines.append(lineno), real(raw, lineno, *a)))
    data = (b'{"index":0,"type":"invoke","process":1,"f":"acquire","value":null,"time":5,"key":"k"}\n'
            b'{"index":1,"type":"ok","process":1,"f":"acquire","value":1.5,"time":6,"key":"k"}\n'
            b'{"index":2,"type":"ok","process":1,"f":"acquire","value":null,"time":7,"key":"k"}\n')
    events = jsonl.parse_chunks([data], source="h.jsonl")
    assert python_lines == [2]
    assert [(e.index, e.value, e.line) for e in events] == [(0, None, 1), (1, 1.5, 2), (2, None, 3)]
    assert events[0].f is events[2].f and events[0].key is events[2].key  # strings that repeat are held once


def test_an_error_after_a_run_of_fast_lines_names_its_line():
    data = b'{"index":0,"type":"invoke","process":1,"f":"acquire"}\n' * 3 + b'{"index":3,"type":"nope","process":1,"f":"a"}\n'
    with pytest.raises(HistoryError, match=r"^h\.jsonl:4: `type` must be one of"):
        jsonl.parse_chunks([data[:50], data[50:]], source="h.jsonl")


@st.composite
def event_lists(draw) -> list[Event]:
    """A history as a recorder would write it, with a few mistakes drawn in."""
    events, open_f = [], {}
    processes = st.sampled_from([0, 1, 2, "n1", "nemesis"])
    for index in range(draw(st.integers(0, 14))):
        process = draw(processes)
        f = draw(st.sampled_from(["acquire", "release"]))
        mistake = draw(st.integers(0, 9)) == 0
        if process == "nemesis":
            etype = draw(st.sampled_from(["invoke", "info"]))
        elif (process in open_f) != mistake:
            etype = draw(st.sampled_from(["ok", "fail", "info"]))
            f = open_f.pop(process, f) if draw(st.integers(0, 9)) != 0 else f
        else:
            etype = "invoke"
            open_f[process] = f
        time = draw(st.one_of(st.none(), st.integers(0, 20)))
        events.append(Event(index, etype, process, f, draw(st.one_of(st.none(), st.integers(0, 3))), time,
                            draw(st.sampled_from([None, "k", 1])), None, index + 1))
    return events


def _pair(events: list[Event], *, compiled) -> object:
    saved, history.compiled = history.compiled, compiled
    warnings: list[str] = []
    try:
        ops = history.pair(events, source="h.jsonl", warnings=warnings)
    except HistoryError as e:
        return str(e)
    finally:
        history.compiled = saved
    names = Operation.__slots__
    return [tuple((type(getattr(op, n)), getattr(op, n)) for n in names) for op in ops], warnings


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_lists())
def test_the_compiled_pairing_pairs_what_the_python_pairing_pairs(events):
    assert _pair(events, compiled=COMPILED) == _pair(events, compiled=None)


def test_a_history_with_something_to_say_is_paired_in_python():
    """The compiled loop declines (returns None) where Python would raise or warn."""
    invoke = Event(0, "invoke", 1, "acquire", None, 10, "k", None, 1)
    assert COMPILED.pair([invoke, Event(1, "ok", 1, "acquire", 1, 5, "k", None, 2)], Event, Operation,
                         "nemesis", "invoke", "ok", "pending") is None  # timed before its invocation
    assert COMPILED.pair([Event(0, "ok", 1, "acquire", 1, 5, "k", None, 1)], Event, Operation,
                         "nemesis", "invoke", "ok", "pending") is None  # no invocation
    ops = COMPILED.pair([invoke, Event(1, "ok", 1, "acquire", 7, 15, None, None, 2)], Event, Operation,
                        "nemesis", "invoke", "ok", "pending")
    assert [(op.status, op.value, op.key, op.call, op.ret) for op in ops] == [("ok", 7, "k", 0, 1)]
