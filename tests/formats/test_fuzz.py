"""Fuzz: whatever bytes a history file holds, `load` either reads it or raises HistoryError.

Anything else (a bare ValueError, TypeError, RecursionError, ...) would reach the user as a
traceback. Each test writes the input to a real file, loads it auto-detected or with a forced
format, and then pairs the operations (also part of reading a history).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taala.formats import FORMATS, load
from taala.history import HistoryError

DATA = Path(__file__).parent.parent / "data"
T = "\t"

SEEDS = {
    "jsonl": (DATA / "register_valid.jsonl").read_text(),
    "edn-lines": (DATA / "cas_independent.edn").read_text(),
    "edn-vector": (DATA / "register_invalid.edn").read_text(),
    "jepsen-log": (DATA / "mutex_jepsen.log").read_text(),
    "jepsen-txt": (DATA / "cas_history.txt").read_text(),
}
SUFFIXES = ["", ".jsonl", ".json", ".edn", ".txt", ".log", ".dat"]
FORMAT_CHOICES = [None, *FORMATS]
# characters that matter to at least one of the grammars
SYNTAX = '{}[]()#:;"\\ \t\n\r,0123456789-+.eEMN/_^@~`\'nilkeyvaluetypeprocessinvokeokfailinfo\x85\u2028é'

# st.recursive reprs itself while drawing; the repr of the EDN value strategy is just long.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_counter = itertools.count()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def load_cleanly(workdir: Path, data: bytes, suffix: str, fmt: str | None, independent: bool = False) -> None:
    path = workdir / f"h{next(_counter)}{suffix}"
    path.write_bytes(data)
    try:
        history = load(path, format=fmt, independent=independent)
        history.operations()
    except HistoryError as e:
        assert str(e).startswith(f"{path}"), f"error does not name the file: {e}"
    finally:
        path.unlink()


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(SUFFIXES), st.sampled_from(FORMAT_CHOICES))
def test_random_bytes(workdir, data, suffix, fmt):
    load_cleanly(workdir, data, suffix, fmt)


@FUZZ
@given(st.text(max_size=300) | st.text(SYNTAX, max_size=300), st.sampled_from(SUFFIXES), st.sampled_from(FORMAT_CHOICES), st.booleans())
def test_random_text(workdir, text, suffix, fmt, independent):
    load_cleanly(workdir, text.encode("utf-8", "surrogatepass"), suffix, fmt, independent)


@FUZZ
@given(st.sampled_from(sorted(SEEDS)), st.data(), st.sampled_from(FORMAT_CHOICES), st.booleans())
def test_truncated_valid_files(workdir, seed, data, fmt, independent):
    raw = SEEDS[seed].encode()
    cut = data.draw(st.integers(0, len(raw)), label="cut")
    start = data.draw(st.integers(0, cut), label="start") if data.draw(st.booleans(), label="head too") else 0
    load_cleanly(workdir, raw[start:cut], data.draw(st.sampled_from(SUFFIXES)), fmt, independent)


@st.composite
def mutated(draw):
    text = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(text)))
        end = draw(st.integers(pos, min(len(text), pos + 12)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "swap-lines"]))
        if kind == "insert":
            text = text[:pos] + draw(st.text(SYNTAX, min_size=1, max_size=6)) + text[pos:]
        elif kind == "delete":
            text = text[:pos] + text[end:]
        elif kind == "replace":
            text = text[:pos] + draw(st.text(SYNTAX, min_size=1, max_size=3)) + text[end:]
        elif kind == "duplicate":
            text = text[:end] + text[pos:end] + text[end:]
        else:
            lines = text.split("\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


@FUZZ
@given(mutated(), st.sampled_from(SUFFIXES), st.sampled_from(FORMAT_CHOICES), st.booleans())
def test_mutated_valid_files(workdir, text, suffix, fmt, independent):
    load_cleanly(workdir, text.encode(), suffix, fmt, independent)


# --------------------------------------------------------------------------- structured fuzz

# Random EDN values in every field of otherwise plausible op maps: the parsers must validate
# fields, never trip over them. (Finds the non-finite `:time` and set-of-maps bugs pinned in
# test_edn.py.)
edn_scalars = st.sampled_from(
    ["nil", "true", "false", "0", "-7", "1N", "99999999999999999999999", "1.5", "1e400", "##Inf", "##NaN", "2.5M",
     "1/2", ":invoke", ":ok", ":fail", ":info", ":nemesis", ":read", "\"s\"", "\"\"", "\\a", "sym", "#inst \"2020-01-01T00:00:00Z\""]
)
edn_values = st.recursive(
    edn_scalars,
    lambda inner: st.lists(inner, max_size=3).map(lambda xs: "[" + " ".join(xs) + "]")
    | st.lists(inner, max_size=3).map(lambda xs: "(" + " ".join(xs) + ")")
    | st.lists(inner, max_size=3, unique=True).map(lambda xs: "#{" + " ".join(xs) + "}")
    | st.lists(st.tuples(inner, inner), max_size=2).map(lambda kv: "{" + " ".join(f"{k} {v}" for k, v in kv) + "}")
    | st.tuples(inner, inner).map(lambda kv: f"#jepsen.independent.Tuple{{:key {kv[0]} :value {kv[1]}}}"),
    max_leaves=8,
)
FIELDS = [":type", ":process", ":f", ":value", ":index", ":time", ":key", ":error"]


@st.composite
def op_map(draw):
    parts = []
    for field in FIELDS:
        choice = draw(st.integers(0, 3))
        if choice == 0:
            continue  # field absent
        if choice == 1 or field in (":value", ":error", ":time", ":key"):
            parts.append(f"{field} {draw(edn_values)}")
        else:
            plausible = {":type": ":invoke", ":process": "0", ":f": ":read", ":index": "0"}[field]
            parts.append(f"{field} {plausible}")
    return "{" + ", ".join(parts) + "}"


@FUZZ
@given(st.lists(op_map(), min_size=1, max_size=4), st.booleans(), st.booleans())
def test_random_edn_op_maps(workdir, maps, vector, independent):
    text = ("[" + "\n".join(maps) + "]\n") if vector else "".join(m + "\n" for m in maps)
    load_cleanly(workdir, text.encode(), ".edn", None, independent)


@st.composite
def jepsen_rows(draw):
    process = draw(st.sampled_from(["0", "12", ":nemesis", "-1", "x"]))
    etype = draw(st.sampled_from(["invoke", "ok", "fail", "info"]))
    error = draw(st.none() | edn_values)
    return process, etype, draw(edn_values), error


@FUZZ
@given(st.lists(jepsen_rows(), min_size=1, max_size=4), st.booleans())
def test_random_jepsen_text_values(workdir, rows, independent):
    lines = [f"INFO  jepsen.util - {p}{T}:{t}{T}:read{T}{v}" + ("" if e is None else f"{T}{e}") for p, t, v, e in rows]
    load_cleanly(workdir, ("\n".join(lines) + "\n").encode(), ".log", None, independent)
