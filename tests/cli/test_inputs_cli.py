"""Inputs that used to hang or lie: each is exit 2 with one line naming the file (and line),
within 10 s and a bounded address space; and nothing a history holds reaches the terminal raw.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VALID = ROOT / "histories/mutex/valid/redis-lock-no-fault.jsonl"
MEMORY_LIMIT = 1 << 30  # address space: reading /dev/zero into memory would blow through it


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def taala(*args: str, stdin=None, shell: str | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "taala", *args] if shell is None else ["bash", "-c", shell]
    env = dict(os.environ, TAALA_PY=sys.executable, COLUMNS="200")
    return subprocess.run(command, capture_output=True, timeout=10, cwd=ROOT, stdin=stdin, env=env,
                          preexec_fn=_limit_memory)


def one_error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0] and "None" not in lines[0]
    return lines[0]


def test_a_named_pipe_with_no_writer_does_not_hang(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert one_error_line(taala("check", str(fifo), "--model", "mutex")).startswith(f"error: {fifo}: nothing to read")


def test_process_substitution_reads_as_a_stream():
    done = taala(shell=f'"$TAALA_PY" -m taala check <(cat {VALID}) --model mutex')
    assert done.returncode == 0, done.stderr
    assert b"valid" in done.stdout


def test_empty_process_substitution_says_so():
    line = one_error_line(taala(shell='"$TAALA_PY" -m taala check <(true) --model mutex'))
    assert "the pipe is empty" in line


@pytest.mark.parametrize("fmt", ["jsonl", "edn", "jepsen-text"])
def test_dev_zero_is_refused(fmt):
    line = one_error_line(taala("check", "/dev/zero", "--format", fmt, "--model", "mutex"))
    assert line == "error: /dev/zero: cannot read: a character device; taala reads regular files, pipes, or standard input given as -"


@pytest.mark.parametrize("fmt", ["jsonl", "edn"])
def test_dev_zero_on_standard_input_stops_at_the_first_nul(fmt):
    with open("/dev/zero", "rb") as zero:
        line = one_error_line(taala("check", "-", "--format", fmt, "--model", "mutex", stdin=zero))
    assert line == "error: <stdin>:1: binary data (NUL byte) in a history file"


def test_an_endless_pipe_stops_at_the_size_cap():
    done = taala(shell='yes "{:process 0" | "$TAALA_PY" -m taala check - --format edn --model mutex --max-bytes 50000000')
    assert "more than 50000000 bytes in this pipe" in one_error_line(done)


def test_standard_input_is_read():
    with open(VALID, "rb") as fh:
        done = taala("check", "-", "--model", "mutex", stdin=fh)
    assert done.returncode == 0 and done.stdout.startswith(b"<stdin>: valid"), done.stderr


def test_a_file_over_the_cap_is_refused():
    line = one_error_line(taala("check", str(VALID), "--model", "mutex", "--max-bytes", "1000"))
    assert "over the 1000-byte limit" in line


@pytest.mark.parametrize("command", ["check", "show"])
def test_a_knossos_list_history_is_read(tmp_path, command):
    path = tmp_path / "knossos.edn"
    path.write_text("; from knossos data/\n({:process 0, :type :invoke, :f :write, :value 1}\n"
                    " {:process 0, :type :ok, :f :write, :value 1} ; ok\n"
                    " {:process 1, :type :invoke, :f :read, :value nil}\n {:process 1, :type :ok, :f :read, :value 1})\n")
    done = taala(command, str(path), "--model", "cas-register")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("command", ["check", "show"])
def test_a_repeated_index_is_bad_input_with_its_line(tmp_path, command):
    path = tmp_path / "h.jsonl"
    path.write_text('{"index":0,"process":0,"type":"invoke","f":"acquire"}\n'
                    '{"index":1,"process":0,"type":"ok","f":"acquire"}\n'
                    '{"index":1,"process":0,"type":"invoke","f":"release"}\n')
    line = one_error_line(taala(command, str(path), "--model", "mutex"))
    assert f"{path}:3: `index` 1 repeats the `index` 1 of line 2" in line


@pytest.mark.parametrize("command", ["check", "show"])
def test_a_completion_before_its_invocation_is_warned_about(tmp_path, command):
    path = tmp_path / "h.edn"
    path.write_text("[{:process 0, :type :invoke, :f :acquire, :time 1000}\n {:process 0, :type :ok, :f :acquire, :time 10}]\n")
    done = taala(command, str(path), "--model", "mutex")
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().splitlines() == [
        f"warning: {path}:2: ok completion of 'acquire' by process 0 is timed 990 ns before its invocation (line 1)"]


@pytest.mark.parametrize("spec, words", [
    ("reentrant-mutex:limit=-5", "limit must be at least 1"),
    ("reentrant-mutex:limit=two", "limit must be an integer"),
    ("cas-register:initial=[", "parameter initial: '[' is not a value"),
    ("cas-register:initial=1x", "unexpected 'x' after its value"),
    ("semaphore:permits=0", "permits must be at least 1"),
    ("semaphore:permits=1.5", "permits must be an integer"),
    ("counter:initial=true", "initial must be an integer"),
    ("ledger:initial=-3", "initial must be at least 0"),
    ("cas-register:inital=0", "has no parameter 'inital' (it takes initial, nil-reads)"),
    ("mutex:limit=2", "has no parameter 'limit' (it takes no parameters)"),
    ("semaphore:permits=2,permits=3", "given twice"),
])
@pytest.mark.parametrize("command", ["check", "show"])
def test_every_model_parameter_is_validated(spec, words, command):
    line = one_error_line(taala(command, str(VALID), "--model", spec))
    assert line.startswith(f"taala {command}: model '{spec.split(':')[0]}'") and words in line, line


def test_valid_parameters_still_work():
    for spec in ("reentrant-mutex:limit=2", "semaphore:permits=2", "reentrant-mutex"):
        assert taala("check", str(VALID), "--model", spec).returncode == 0


NASTY = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202e\r"


@pytest.mark.parametrize("command", [["check"], ["show", "--model", "mutex"], ["show"]])
def test_control_characters_never_reach_the_terminal(tmp_path, command):
    path = tmp_path / f"h{NASTY.replace('/', '')}.jsonl"
    events = [(f"p{NASTY}", "invoke", "acquire"), (f"p{NASTY}", "ok", "acquire"),
              ("q", "invoke", "acquire"), ("q", "ok", "acquire")]
    path.write_text("".join(json.dumps({"process": p, "type": t, "f": f, "key": f"k{NASTY}", "value": NASTY}) + "\n"
                            for p, t, f in events))
    args = command if command != ["check"] else ["check", "--model", "mutex"]
    done = taala(args[0], str(path), *args[1:])
    assert done.returncode in (0, 1), done.stderr
    for stream in (done.stdout.decode(), done.stderr.decode()):
        assert not any(c in stream for c in "\x1b\x07\x9b\u202e\r"), stream
    assert "\\x1b]0;pwned\\x07" in done.stdout.decode()


def test_control_characters_in_an_error_are_escaped(tmp_path):
    path = tmp_path / "h\x1b[2J.jsonl"
    path.write_text('{"process":0,"type":"bogus\\u001b[2J","f":"acquire"}\n')
    line = one_error_line(taala("check", str(path), "--model", "mutex"))
    assert "\x1b" not in line and "h\\x1b[2J.jsonl:1:" in line
