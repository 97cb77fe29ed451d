"""Format detection, and round trips: events -> JSONL / EDN / Jepsen text -> the same events."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taala.formats import FORMATS, detect, jsonl, load, loads, write_jsonl
from taala.history import NEMESIS, Event, HistoryError

DATA = Path(__file__).parent.parent / "data"
T = "\t"

# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("h.jsonl", "jsonl"),
        ("h.json", "jsonl"),
        ("h.ndjson", "jsonl"),
        ("store/latest/history.edn", "edn"),
        ("HISTORY.EDN", "edn"),
        ("history.txt", "jepsen-text"),
        ("jepsen.log", "jepsen-text"),
    ],
)
def test_detect_by_suffix_wins_over_content(name, fmt):
    assert detect('{"type":"invoke"}\n', name) == fmt


@pytest.mark.parametrize(
    "text, fmt",
    [
        ('\n\n{"index":0,"type":"invoke","process":0,"f":"read"}\n', "jsonl"),
        ("{:type :invoke, :f :read, :process 0}\n", "edn"),
        ("; comment\n\n[{:type :invoke, :f :read, :process 0}]\n", "edn"),
        ("[\n{:type :invoke, :f :read, :process 0}]\n", "edn"),
        ("#jepsen.history.Op{:type :invoke, :f :read, :process 0}\n", "edn"),
        (f"0{T}:invoke{T}:read{T}nil\n", "jepsen-text"),
        (f"INFO  jepsen.core - Running test\nWARN noise\nINFO  jepsen.util - 0{T}:invoke{T}:read{T}nil\n", "jepsen-text"),
    ],
)
def test_detect_by_content(text, fmt):
    assert detect(text, "history") == fmt
    assert detect(text) == fmt


def test_detect_failure_is_a_history_error_naming_the_file():
    e = pytest.raises(HistoryError, detect, "hello\nworld\n", "notes.dat").value
    assert str(e).startswith("notes.dat: ") and "--format" in str(e)
    e = pytest.raises(HistoryError, detect, "", "").value
    assert str(e).startswith("<history>: ")


def test_load_detects_without_suffix_and_format_overrides(tmp_path):
    p = tmp_path / "history"
    p.write_text(f"junk line\n0{T}:invoke{T}:read{T}nil\n")
    assert load(p).events[0].line == 2
    q = tmp_path / "actually-jsonl.txt"  # the suffix says jepsen-text
    q.write_text('{"type":"invoke","process":0,"f":"read"}\n')
    pytest.raises(HistoryError, load, q)  # no Jepsen op lines in it
    assert load(q, format="jsonl").events[0].f == "read"


def test_unknown_format_is_a_history_error():
    e = pytest.raises(HistoryError, loads, "{}", format="yaml", source="x.yaml").value
    assert str(e).startswith("x.yaml: ") and "yaml" in str(e)
    assert set(FORMATS) == {"jsonl", "edn", "jepsen-text"}


@pytest.mark.parametrize(
    "text, fmt",
    [
        ('{ "index": 0, "type": "invoke", "process": 0, "f": "read" }\n', "jsonl"),
        ("{ :type :invoke, :f :read, :process 0 }\n", "edn"),
    ],
)
def test_detect_op_maps_with_space_after_brace(text, fmt):
    """Valid JSON Lines / EDN whose maps start `{ ` are not recognised: `detect`
    only looks for `{"` and `{:`."""
    assert detect(text, "history") == fmt


# --------------------------------------------------------------------------- fixtures through JSONL


def _normal(v):
    """Sets are written to JSON as sorted lists; compare modulo that."""
    if isinstance(v, frozenset | set):
        return tuple(sorted((_normal(x) for x in v), key=repr))
    if isinstance(v, tuple | list):
        return tuple(_normal(x) for x in v)
    if isinstance(v, dict):
        return {k: _normal(x) for k, x in v.items()}
    return v


def _fields(e: Event, time=True):
    out = (e.index, e.type, e.process, e.f, _normal(e.value), e.key, _normal(e.error))
    return out + (e.time,) if time else out


@pytest.mark.parametrize("name", ["register_valid.jsonl", "register_invalid.edn", "cas_independent.edn", "mutex_jepsen.log", "cas_history.txt"])
def test_every_fixture_converts_to_jsonl_and_back(tmp_path, name):
    h = load(DATA / name)
    out = tmp_path / "converted.jsonl"
    write_jsonl(h, out)
    back = load(out)
    assert [_fields(e) for e in back.events] == [_fields(e) for e in h.events]
    assert [(op.process, op.f, op.status, op.key) for op in back.operations()] == [
        (op.process, op.f, op.status, op.key) for op in h.operations()
    ]


def test_edn_bigint_converts_to_jsonl():
    """An EDN history may carry integers past 64 bits (`123...N`); `jsonl.dumps`
    (orjson, in `to_json_bytes`) raises TypeError("Integer exceeds 64-bit range") on them."""
    h = loads("{:type :invoke :f :write :process 0 :value 18446744073709551616N}\n", format="edn")
    back = loads(jsonl.dumps(h.events), format="jsonl")
    assert back.events[0].value == 18446744073709551616


# --------------------------------------------------------------------------- property round trip

# Characters that `str.splitlines()` treats as line ends but that the formats may carry
# unescaped inside a string. They break the JSONL and Jepsen-text readers (pinned by
# test_jsonl.py::test_unicode_line_separator_inside_json_string and
# test_jepsen_text.py::test_raw_line_separator_inside_string_value); they are kept out of the
# generated strings here so these properties test everything else.
RAW_LINE_BREAKS = "\x0b\x1c\x1d\x1e\x85\u2028\u2029"

FS = ("read", "write", "cas", "acquire", "release")
ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters=RAW_LINE_BREAKS), max_size=12)
values = st.none() | ints | texts | st.lists(ints, max_size=4).map(tuple)
keys = st.integers(min_value=-1000, max_value=1000) | st.text("abcxyz-_", min_size=1, max_size=5)
errors = st.none() | st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=8)


@st.composite
def histories(draw):
    """A well-formed history: each process invokes, then completes; retires after `info`."""
    keyed = draw(st.booleans())
    procs = list(range(draw(st.integers(1, 5))))
    spare = len(procs)
    open_ops: dict[int, tuple] = {}
    events: list[Event] = []
    clock = 0
    for _ in range(draw(st.integers(0, 24))):
        clock += draw(st.integers(0, 10**9))
        time = clock if draw(st.booleans()) else None
        n = len(events)
        if draw(st.integers(0, 9)) == 0:
            events.append(Event(n, "info", NEMESIS, draw(st.sampled_from(["start", "stop"])), draw(st.none() | texts), time=time))
            continue
        slot = draw(st.integers(0, len(procs) - 1))
        p = procs[slot]
        if p in open_ops:
            f, value, key = open_ops.pop(p)
            etype = draw(st.sampled_from(["ok", "fail", "info"]))
            if etype == "ok" and draw(st.booleans()):
                value = draw(values)
            events.append(Event(n, etype, p, f, value, time=time, key=key, error=None if etype == "ok" else draw(errors)))
            if etype == "info":
                procs[slot], spare = spare, spare + 1
        else:
            f, value = draw(st.sampled_from(FS)), draw(values)
            key = draw(keys) if keyed else None
            open_ops[p] = (f, value, key)
            events.append(Event(n, "invoke", p, f, value, time=time, key=key))
    return keyed, events


def edn_value(v) -> str:
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        esc = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\f": "\\f", "\b": "\\b"}
        return '"' + "".join(esc.get(c, c) for c in v) + '"'
    if isinstance(v, tuple):
        return "[" + " ".join(edn_value(x) for x in v) + "]"
    raise TypeError(v)


def edn_process(p) -> str:
    return ":nemesis" if p == NEMESIS else edn_value(p)


def render_edn(events: list[Event], vector: bool, tuple_tag: list[bool]) -> str:
    """Jepsen history.edn: one map per line, or one vector; keys as :key or as Tuple tags."""
    lines = []
    for e, tag in zip(events, tuple_tag):
        parts = [f":index {e.index}", f":type :{e.type}", f":process {edn_process(e.process)}", f":f :{e.f}"]
        if e.key is not None and tag:
            parts.append(f":value #jepsen.independent.Tuple{{:key {edn_value(e.key)}, :value {edn_value(e.value)}}}")
        else:
            parts.append(f":value {edn_value(e.value)}")
            if e.key is not None:
                parts.append(f":key {edn_value(e.key)}")
        if e.time is not None:
            parts.append(f":time {e.time}")
        if e.error is not None:
            parts.append(f":error :{e.error}")
        lines.append("{" + ", ".join(parts) + "}")
    if vector:
        return "[" + "\n ".join(lines) + "]\n"
    return "".join(line + "\n" for line in lines)


def render_jepsen_text(events: list[Event], prefix: str) -> str:
    """history.txt / jepsen.log op lines; keyed values as independent [key value] pairs."""
    out = ["INFO  jepsen.core - Running test\n"] if prefix else []
    for e in events:
        value = e.value if e.key is None else (e.key, e.value)
        process = ":nemesis" if e.process == NEMESIS else str(e.process)
        line = f"{prefix}{process}{T}:{e.type}{T}:{e.f}{T}{edn_value(value)}"
        if e.error is not None:
            line += f"{T}:{e.error}"
        out.append(line + "\n")
    return "".join(out)


def check_same(parsed, events, *, time=True):
    assert [_fields(e, time) for e in parsed.events] == [_fields(e, time) for e in events]
    clients = [e for e in events if e.process != NEMESIS]
    assert len(parsed.operations()) == sum(1 for e in clients if e.type == "invoke")


SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(histories())
def test_roundtrip_jsonl(h):
    _, events = h
    text = jsonl.dumps(events)
    check_same(loads(text, format="jsonl"), events)
    check_same(loads(text, source="x.jsonl"), events)  # detected by suffix
    if events:
        assert detect(text) == "jsonl"


@SETTINGS
@given(histories(), st.booleans(), st.data())
def test_roundtrip_edn(h, vector, data):
    _, events = h
    tags = data.draw(st.lists(st.booleans(), min_size=len(events), max_size=len(events)))
    text = render_edn(events, vector, tags)
    check_same(loads(text, format="edn"), events)
    if events:
        assert detect(text) == "edn"


@SETTINGS
@given(histories(), st.sampled_from(["", "INFO  jepsen.util - ", "INFO [2024-05-01 10:00:00,001] jepsen worker 0 - jepsen.util "]))
def test_roundtrip_jepsen_text(h, prefix):
    keyed, events = h
    if not events:
        return
    text = render_jepsen_text(events, prefix)
    check_same(loads(text, format="jepsen-text", independent=keyed), events, time=False)
    assert detect(text) == "jepsen-text"


@pytest.mark.parametrize("sep", list(RAW_LINE_BREAKS))
def test_edn_carries_raw_line_breaks_in_strings(sep):
    events = [Event(0, "invoke", 0, "write", f"a{sep}b"), Event(1, "ok", 0, "write", f"a{sep}b")]
    h = loads(render_edn(events, False, [False, False]), format="edn")
    assert [e.value for e in h.events] == [f"a{sep}b"] * 2
    assert [e.line for e in h.events] == [1, 2]
