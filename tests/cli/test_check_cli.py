"""`taala check`: exit codes, --json records, directories, bad input — and never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import orjson
import pytest
import taala.cli  # noqa: F401  (registers the subcommands on the app)
from taala.cli.app import app
from typer.testing import CliRunner

DATA = Path(__file__).parent.parent / "data"
T = "\t"
JSON_KEYS = {"file", "valid", "model", "ops", "partitions", "elapsed_s", "counterexample"}


def run(*args):
    result = CliRunner().invoke(app, ["check", *map(str, args)])
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        pytest.fail("taala check crashed:\n" + "".join(traceback.format_exception(exc)))
    assert "Traceback" not in result.stdout + result.stderr
    return result


def records(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def write_jsonl(path: Path, events: list[dict]) -> Path:
    path.write_text("".join(orjson.dumps(e).decode() + "\n" for e in events))
    return path


def unknown_history(path: Path, writers: int = 18) -> Path:
    """Many concurrent indeterminate writes, then a read of a value nobody wrote.

    Deciding it means trying every subset and order of the writes, far more than the
    1,024 search steps after which the time limit is first looked at; so under
    `--time-limit 0` the verdict must be "unknown".
    """
    events = [{"type": "invoke", "process": p, "f": "write", "value": p} for p in range(writers)]
    events += [{"type": "invoke", "process": writers, "f": "read", "value": None},
               {"type": "ok", "process": writers, "f": "read", "value": 999}]
    return write_jsonl(path, events)


def register_valid(fmt: str, path: Path) -> Path:
    if fmt == "jsonl":
        return write_jsonl(path, [{"type": "invoke", "process": 0, "f": "write", "value": 1}, {"type": "ok", "process": 0, "f": "write", "value": 1}])
    if fmt == "edn":
        path.write_text("[{:type :invoke, :process 0, :f :read, :value nil}\n {:type :ok, :process 0, :f :read, :value nil}]\n")
    else:
        path.write_text(f"0{T}:invoke{T}:write{T}5\n0{T}:ok{T}:write{T}5\n1{T}:invoke{T}:read{T}nil\n1{T}:ok{T}:read{T}5\n")
    return path


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


# --------------------------------------------------------------------------- verdicts and exit codes


@pytest.mark.parametrize(
    "name, model",
    [
        ("register_valid.jsonl", "register"),
        ("cas_independent.edn", "cas-register"),
        ("mutex_jepsen.log", "mutex"),
        ("cas_history.txt", "cas-register"),
    ],
)
def test_valid_history_exits_0(name, model):
    path = DATA / name
    r = run(path, "--model", model)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert f"{path}: valid" in r.stdout
    assert r.stderr == ""


def test_invalid_history_exits_1_and_explains():
    path = DATA / "register_invalid.edn"
    r = run(path, "--model", "register")
    assert r.exit_code == 1
    assert f"{path}: INVALID" in r.stdout
    assert "why (linearizability)" in r.stdout and "read 1" in r.stdout


def test_unknown_exits_3_under_zero_time_limit(tmp_path):
    path = unknown_history(tmp_path / "hard.jsonl")
    r = run(path, "--model", "cas-register", "--time-limit", "0")
    assert r.exit_code == 3, r.stdout + r.stderr
    assert f"{path}: unknown" in r.stdout and "--time-limit" in r.stdout
    r = run(path, "--model", "cas-register", "--time-limit", "0", "--json")
    assert r.exit_code == 3
    (rec,) = records(r)
    assert rec["valid"] == "unknown" and rec["counterexample"] is None


def test_small_history_is_decided_before_the_first_deadline_check():
    """The search looks at the clock every 1,024 steps: `--time-limit 0` still decides
    small histories, so "unknown" needs a hard history (see unknown_history)."""
    r = run(DATA / "register_valid.jsonl", "--model", "register", "--time-limit", "0")
    assert r.exit_code == 0
    r = run(DATA / "register_invalid.edn", "--model", "register", "--time-limit", "0")
    assert r.exit_code == 1


@pytest.mark.parametrize(
    "files, code",
    [
        (["valid", "unknown"], 3),
        (["invalid", "unknown"], 1),
        (["valid", "invalid", "valid"], 1),
        (["valid", "malformed"], 2),
        (["malformed", "invalid", "unknown"], 2),
    ],
)
def test_exit_code_of_several_files(tmp_path, files, code):
    paths = {
        "valid": DATA / "register_valid.jsonl",
        "invalid": DATA / "register_invalid.edn",
        "unknown": unknown_history(tmp_path / "u.jsonl"),
        "malformed": tmp_path / "m.jsonl",
    }
    paths["malformed"].write_text('{"type":"invoke","process":0,"f":"read"}\n{"type":\n')
    r = run(*[paths[f] for f in files], "--model", "register", "--time-limit", "0", "--json")
    assert r.exit_code == code
    recs = records(r)
    assert len(recs) == len(files)  # every file is reported, even after a bad one
    assert [rec["file"] for rec in recs] == [str(paths[f]) for f in files]


# --------------------------------------------------------------------------- --json


def test_json_records_have_the_contract_keys():
    valid, invalid = DATA / "register_valid.jsonl", DATA / "register_invalid.edn"
    r = run(valid, invalid, "--model", "register", "--json")
    assert r.exit_code == 1
    ok, bad = records(r)
    for rec in (ok, bad):
        assert JSON_KEYS <= rec.keys()
        assert rec["model"].startswith("register")
        assert isinstance(rec["elapsed_s"], float) and rec["elapsed_s"] >= 0
        assert rec["partitions"] == 1
    assert (ok["file"], ok["valid"], ok["ops"], ok["counterexample"]) == (str(valid), True, 4, None)
    assert ok["nemesis_events"] == 1
    assert (bad["file"], bad["valid"], bad["ops"]) == (str(invalid), False, 3)
    ce = bad["counterexample"]
    assert ce["check"] == "linearizability"
    assert ("read", 1, 5) in [(op["f"], op["value"], op["index"]) for op in ce["ops"]]  # the stale read
    assert "read 1" in ce["explanation"]


def test_json_for_a_malformed_file_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.edn"
    bad.write_text("{:type :invoke :f :read :process 0}\n{:type :ok :f :read\n")
    r = run(bad, "--model", "register", "--json")
    assert r.exit_code == 2
    (rec,) = records(r)
    assert rec["file"] == str(bad) and rec["valid"] is None
    assert rec["error"].startswith(f"{bad}:2: ")


def test_independent_partitions(tmp_path):
    path = tmp_path / "indep.txt"
    path.write_text(
        f"0{T}:invoke{T}:write{T}[:a 1]\n0{T}:ok{T}:write{T}[:a 1]\n"
        f"1{T}:invoke{T}:read{T}[:b nil]\n1{T}:ok{T}:read{T}[:b nil]\n"
        f"2{T}:invoke{T}:read{T}[:a nil]\n2{T}:ok{T}:read{T}[:a 1]\n"
    )
    r = run(path, "--model", "register", "--independent", "--json")
    assert r.exit_code == 0
    assert records(r)[0]["partitions"] == 2
    # without --independent the values are plain pairs in one register: reading [:a 1] after
    # writing [:a 1] is fine, but reading [:b nil] is not
    r = run(path, "--model", "register", "--json")
    assert (r.exit_code, records(r)[0]["partitions"]) == (1, 1)


def test_direct_only_skips_the_search(tmp_path):
    path = tmp_path / "overlap.jsonl"
    write_jsonl(path, [
        {"type": "invoke", "process": 0, "f": "acquire"}, {"type": "ok", "process": 0, "f": "acquire"},
        {"type": "invoke", "process": 1, "f": "acquire"}, {"type": "ok", "process": 1, "f": "acquire"},
    ])
    r = run(path, "--model", "mutex", "--direct-only", "--json")
    assert r.exit_code == 1
    (rec,) = records(r)
    assert "linearizability" not in rec["checks"]
    assert rec["checks"]["overlap"]["valid"] is False
    assert rec["counterexample"]["check"] == "overlap"
    r = run(path, "--model", "mutex", "--json")
    assert r.exit_code == 1 and records(r)[0]["checks"]["linearizability"]["valid"] is False


# --------------------------------------------------------------------------- files and directories


def test_directory_expands_to_history_files_recursively(tmp_path):
    root = tmp_path / "histories"
    (root / "sub" / "deeper").mkdir(parents=True)
    expected = [
        register_valid("jsonl", root / "b.jsonl"),
        register_valid("edn", root / "sub" / "a.edn"),
        register_valid("text", root / "sub" / "deeper" / "c.txt"),
    ]
    (root / "README.md").write_text("# not a history\n")
    (root / "notes.dat").write_text("garbage\n")
    r = run(root, "--model", "register", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert sorted(rec["file"] for rec in records(r)) == sorted(map(str, expected))
    assert all(rec["valid"] is True for rec in records(r))
    # a directory and a file together
    extra = register_valid("jsonl", tmp_path / "extra.jsonl")
    r = run(root, extra, "--model", "register", "--json")
    assert len(records(r)) == 4 and records(r)[-1]["file"] == str(extra)


def test_directory_with_an_invalid_history_exits_1(tmp_path):
    register_valid("jsonl", tmp_path / "a.jsonl")
    shutil.copy(DATA / "register_invalid.edn", tmp_path / "b.edn")
    r = run(tmp_path, "--model", "register")
    assert r.exit_code == 1
    assert "a.jsonl: valid" in r.stdout and "b.edn: INVALID" in r.stdout


def test_empty_directory_is_bad_input(tmp_path):
    (tmp_path / "README.md").write_text("hi\n")
    r = run(tmp_path, "--model", "register")
    assert r.exit_code == 2
    assert str(tmp_path) in one_error_line(r)


def test_format_option_forces_the_reader(tmp_path):
    path = register_valid("text", tmp_path / "history.jsonl")  # Jepsen op lines, misnamed
    r = run(path, "--model", "register")
    assert r.exit_code == 2 and f"{path}:1: not valid JSON" in one_error_line(r)
    r = run(path, "--model", "register", "--format", "jepsen-text")
    assert r.exit_code == 0, r.stderr


# --------------------------------------------------------------------------- bad input: exit 2, one line


@pytest.mark.parametrize(
    "name, text, line",
    [
        ("broken.jsonl", '{"type":"invoke","process":0,"f":"read"}\n{"type":"ok",\n', 2),
        ("broken.edn", "[{:type :invoke :f :read :process 0}\n\n {:type :ok :f :read :process 0 :value #nope{}}]\n", 3),
        ("broken.log", f"INFO  jepsen.core - hello\nINFO  jepsen.util - 0{T}:invoke{T}:read{T}nil\n\nINFO  jepsen.util - 0{T}:ok{T}:read{T}[1 2\n", 4),
        ("orphan.jsonl", '{"type":"invoke","process":0,"f":"read"}\n{"type":"ok","process":0,"f":"read"}\n{"type":"ok","process":5,"f":"read","value":1}\n', 3),
        ("wrongop.jsonl", '{"type":"invoke","process":0,"f":"read"}\n{"type":"ok","process":0,"f":"read"}\n{"type":"invoke","process":0,"f":"frobnicate"}\n', 3),
    ],
)
def test_malformed_file_one_line_with_file_and_line(tmp_path, name, text, line):
    path = tmp_path / name
    path.write_text(text)
    r = run(path, "--model", "register")
    assert r.exit_code == 2
    assert r.stdout == ""
    assert f"{path}:{line}: " in one_error_line(r)


def test_binary_file_is_bad_input(tmp_path):
    path = tmp_path / "h.jsonl"
    path.write_bytes(b'{"type":"invoke","process":0,"f":"read"}\n\x00\x01\x02\xff\n')
    r = run(path, "--model", "register")
    assert r.exit_code == 2 and f"{path}:2: " in one_error_line(r)


def test_missing_file_is_bad_input(tmp_path):
    path = tmp_path / "missing.jsonl"
    r = run(path, "--model", "register")
    assert r.exit_code == 2
    assert str(path) in one_error_line(r) and "cannot read" in r.stderr


def test_unknown_model_is_bad_input():
    r = run(DATA / "register_valid.jsonl", "--model", "no-such-model")
    assert r.exit_code == 2
    line = one_error_line(r)
    assert "no-such-model" in line and "cas-register" in line
    r = run(DATA / "register_valid.jsonl", "--model", "semaphore:permits")
    assert r.exit_code == 2 and "permits" in one_error_line(r)


def test_unknown_format_is_bad_input():
    r = run(DATA / "register_valid.jsonl", "--model", "register", "--format", "yaml")
    assert r.exit_code == 2 and "yaml" in one_error_line(r)


@pytest.mark.parametrize(
    "args",
    [
        [str(DATA / "register_valid.jsonl")],  # no --model
        ["--model", "register"],  # no file
        [str(DATA / "register_valid.jsonl"), "--model", "register", "--time-limit", "-1"],
        [str(DATA / "register_valid.jsonl"), "--model", "register", "--time-limit", "soon"],
        [str(DATA / "register_valid.jsonl"), "--model", "register", "--bogus"],
    ],
)
def test_usage_errors_exit_2(args):
    r = run(*args)
    assert r.exit_code == 2


# --------------------------------------------------------------------------- the real console script


def taala_script() -> str:
    beside = Path(sys.executable).with_name("taala")
    found = str(beside) if beside.exists() else shutil.which("taala")
    assert found, "the `taala` console script is not installed (pip install -e .)"
    return found


def run_script(*args, cwd=None) -> subprocess.CompletedProcess:
    proc = subprocess.run([taala_script(), "check", *map(str, args)], capture_output=True, text=True, timeout=60, cwd=cwd, check=False)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


def test_script_valid_and_invalid():
    proc = run_script(DATA / "register_valid.jsonl", DATA / "register_invalid.edn", "--model", "register")
    assert proc.returncode == 1
    assert "register_valid.jsonl: valid" in proc.stdout and "register_invalid.edn: INVALID" in proc.stdout


def test_script_malformed_file(tmp_path):
    path = tmp_path / "broken.edn"
    path.write_text("{:type :invoke :f :read :process 0}\n{:type :ok :f :read :process 0\n")
    proc = run_script(path, "--model", "register")
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{path}:2: " in lines[0]


def test_script_unknown_json(tmp_path):
    path = unknown_history(tmp_path / "hard.jsonl")
    proc = run_script(path, "--model", "cas-register", "--time-limit", "0", "--json")
    assert proc.returncode == 3
    (rec,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert JSON_KEYS <= rec.keys() and rec["valid"] == "unknown"


def test_script_unknown_model():
    proc = run_script(DATA / "register_valid.jsonl", "--model", "nope")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- bugs found


def test_map_values_do_not_crash_the_search(tmp_path):
    """EDN map values stay Python dicts (event_fields.freeze keeps them), so a register
    whose value is a map becomes an unhashable search state: `wgl.search` raises TypeError
    and `taala check` dies with a traceback instead of a verdict or a clean exit 2."""
    path = tmp_path / "maps.edn"
    path.write_text(
        "{:type :invoke :process 0 :f :write :value {:a 1}}\n{:type :ok :process 0 :f :write :value {:a 1}}\n"
        "{:type :invoke :process 1 :f :read :value nil}\n{:type :ok :process 1 :f :read :value {:a 2}}\n"
    )
    r = run(path, "--model", "register")
    assert r.exit_code in (1, 2)
    proc = run_script(path, "--model", "register")
    assert proc.returncode in (1, 2)


@pytest.mark.parametrize(
    "args",
    [
        ["{valid}", "--model", "[/x]"],
        ["{valid}", "--model", "register", "--format", "[/x]"],
        ["{malformed}", "--model", "register"],
    ],
)
def test_user_text_is_not_rich_markup(tmp_path, args):
    """check.py prints user text through rich's `Console.print` with markup on: a `[/x]` in a model name, a format or a file path raises rich.errors.MarkupError
    (traceback); `[red]` in a file name silently disappears from the message."""
    odd = tmp_path / "[" / "a]"  # the path reads .../[/a]/bad.jsonl
    odd.mkdir(parents=True)
    malformed = odd / "bad.jsonl"
    malformed.write_text('{"type":"invoke","process":0,"f":"read"}\n{"type":\n')
    argv = [a.format(valid=DATA / "register_valid.jsonl", malformed=malformed) for a in args]
    r = run(*argv)
    assert r.exit_code == 2
    assert "[/" in one_error_line(r)  # the user's text is shown as typed


def test_markup_in_file_name_is_shown_verbatim(tmp_path):
    path = tmp_path / "[red]history.jsonl"
    path.write_text('{"type":"invoke","process":0,"f":"read"}\n{"type":\n')
    r = run(path, "--model", "register")
    assert r.exit_code == 2
    assert f"{path}:2: " in one_error_line(r)


def test_out_of_memory_is_unknown_in_one_line(monkeypatch):
    """Reading or pairing a history too big for the machine: exit 3 and one line, never a
    traceback, never exit 1 (which scripts read as "invalid")."""
    import taala.cli.check as check_cmd

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(check_cmd, "run_check", exhausted)
    r = run(DATA / "register_valid.jsonl", "--model", "register")
    assert r.exit_code == 3, r.stdout + r.stderr
    assert r.stdout.strip().endswith("unknown (out of memory while reading or checking it)")
    assert len(r.stdout.strip().splitlines()) == 1
    r = run(DATA / "register_valid.jsonl", "--model", "register", "--json")
    assert r.exit_code == 3
    (rec,) = records(r)
    assert rec["valid"] == "unknown" and rec["error"] == "out of memory"
