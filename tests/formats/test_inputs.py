"""What `load` accepts: Knossos's EDN lists, ordered indices, only files and pipes, a size cap."""

from __future__ import annotations

import os
import threading
import time

import pytest
import taala.formats as formats
from taala.formats import load, loads
from taala.history import HistoryError
from tests.support.parsing import error_of, parser

KNOSSOS = """; This used to expose a bug in Knossos
({:process 4, :type :invoke, :f :write, :value 2}
 {:process 4, :type :ok, :f :write, :value 2} ; trailing comment with ) and ]
 ; a comment line between ops
 {:process 6, :type :invoke, :f :read, :value nil}
 {:process 6, :type :ok, :f :read, :value 2})
; after the list
"""


def test_an_edn_list_with_comments_reads_like_a_vector():
    h = loads(KNOSSOS, source="knossos.edn")
    assert [(e.process, e.type, e.f, e.line) for e in h.events] == [
        (4, "invoke", "write", 2), (4, "ok", "write", 3), (6, "invoke", "read", 5), (6, "ok", "read", 6)]
    assert loads(KNOSSOS.replace("(", "[", 1).replace("2})", "2}]"), source="v.edn").to_dicts() == h.to_dicts()


def test_a_list_history_is_detected_without_the_suffix():
    assert len(loads(KNOSSOS, source="history").events) == 4


@pytest.mark.parametrize("text, line, words", [
    ("({:process 0, :type :invoke, :f :read}\n", 1, "not closed with `)`"),
    ("({:process 0, :type :invoke, :f :read}]\n", 1, "unbalanced `]`"),
    ("({:process 0, :type :invoke, :f :read})\n{:process 0}\n", 1, "after the closing `)`"),
])
def test_a_broken_list_names_the_line(text, line, words):
    e = error_of(parser("edn", "h.edn"), text)
    assert (e.line, words in e.message) == (line, True), str(e)


JSONL_OP = '{{"index":{i},"process":0,"type":"{t}","f":"read"}}\n'


@pytest.mark.parametrize("indices, line, words", [
    ([0, 1, 1, 2], 3, "repeats"),
    ([0, 5, 3, 6], 3, "is lower than"),
    ([3, 2], 2, "is lower than"),
])
def test_repeated_or_backward_index_is_rejected_with_its_line(tmp_path, indices, line, words):
    text = "".join(JSONL_OP.format(i=i, t="invoke" if n % 2 == 0 else "ok") for n, i in enumerate(indices))
    for reader in ("loads", "load"):
        if reader == "loads":
            e = error_of(parser("jsonl", "h.jsonl"), text)
        else:
            path = tmp_path / "h.jsonl"
            path.write_text(text)
            e = pytest.raises(HistoryError, load, path).value
        assert e.line == line and words in e.message, str(e)
    edn = "[" + "\n".join(f"{{:index {i}, :process 0, :type :{'invoke' if n % 2 == 0 else 'ok'}, :f :read}}"
                          for n, i in enumerate(indices)) + "]"
    e = error_of(parser("edn", "h.edn"), edn)
    assert e.line == line and words in e.message, str(e)


def test_gaps_in_the_index_are_fine():
    text = "".join(JSONL_OP.format(i=i, t=t) for i, t in ((0, "invoke"), (7, "ok"), (9, "invoke"), (30, "ok")))
    assert [e.index for e in loads(text, format="jsonl").events] == [0, 7, 9, 30]


def test_a_completion_timed_before_its_invocation_is_a_warning_with_its_line():
    text = ('{"process":0,"type":"invoke","f":"acquire","time":100}\n'
            '{"process":0,"type":"ok","f":"acquire","time":40}\n'
            '{"process":0,"type":"invoke","f":"release","time":200}\n'
            '{"process":0,"type":"ok","f":"release","time":300}\n')
    h = loads(text, format="jsonl", source="t.jsonl")
    assert len(h.operations()) == 2  # still read and judged: file order is the real-time order
    assert len(h.warnings) == 1
    assert h.warnings[0].startswith("t.jsonl:2: ok completion of 'acquire'") and "60 ns before" in h.warnings[0]


def test_many_backward_completions_are_summarized():
    text = "".join(f'{{"process":{p},"type":"invoke","f":"read","time":100}}\n{{"process":{p},"type":"ok","f":"read","time":1}}\n'
                   for p in range(30))
    h = loads(text, format="jsonl", source="t.jsonl")
    h.operations()
    assert len(h.warnings) == 21 and "10 more" in h.warnings[-1]


def test_a_file_over_the_cap_is_refused_before_reading(tmp_path):
    path = tmp_path / "h.jsonl"
    path.write_text('{"process":0,"type":"invoke","f":"read"}\n' * 100)
    e = pytest.raises(HistoryError, load, path, max_bytes=1000).value
    assert "over the 1000-byte limit" in e.message and "--max-bytes" in e.message
    assert len(load(path, max_bytes=10_000).events) == 100


@pytest.mark.parametrize("fmt", [None, "jsonl", "edn", "jepsen-text"])
def test_a_device_is_refused_at_once(fmt):
    started = time.monotonic()
    e = pytest.raises(HistoryError, load, "/dev/zero", format=fmt).value
    assert "character device" in e.message and str(e).startswith("/dev/zero: ")
    assert time.monotonic() - started < 2


def test_a_directory_is_refused(tmp_path):
    e = pytest.raises(HistoryError, load, tmp_path).value
    assert str(e).startswith(f"{tmp_path}: cannot read: a directory")


def test_a_missing_file_names_the_reason(tmp_path):
    e = pytest.raises(HistoryError, load, tmp_path / "nope.jsonl").value
    assert e.message == "cannot read: No such file or directory"


def test_a_named_pipe_without_a_writer_is_refused_not_waited_on(tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "PIPE_WAIT_S", 0.3)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    e = pytest.raises(HistoryError, load, fifo, format="jsonl").value
    assert "no writer" in e.message and str(e).startswith(f"{fifo}: ")
    assert time.monotonic() - started < 3


def test_a_named_pipe_with_a_writer_is_read_as_a_stream(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    text = "".join(JSONL_OP.format(i=i, t="invoke" if i % 2 == 0 else "ok") for i in range(1000))

    def write():
        time.sleep(0.2)  # open after the reader: it must wait for us, not see an empty pipe
        with open(fifo, "w") as fh:
            fh.write(text)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert len(load(fifo).events) == 1000
    finally:
        writer.join(5)


def test_a_pipe_is_capped_while_it_streams(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    stop = threading.Event()

    def flood():  # an endless writer with no newline: the reader must stop at the cap
        try:
            with open(fifo, "wb") as fh:
                while not stop.is_set():
                    fh.write(b"x" * 65536)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=flood, daemon=True)
    writer.start()
    e = pytest.raises(HistoryError, load, fifo, format="edn", max_bytes=4 << 20).value
    stop.set()
    assert "more than 4194304 bytes in this pipe" in e.message


def test_a_nul_byte_is_reported_as_it_arrives(tmp_path):
    path = tmp_path / "h.edn"
    path.write_bytes(b"[{:process 0, :type :invoke, :f :read}\n" + b"\x00" * 100)
    e = pytest.raises(HistoryError, load, path).value
    assert (e.line, "NUL" in e.message) == (2, True)


def test_long_lines_split_across_chunks_keep_their_numbers(tmp_path):
    op = '{"process":0,"type":"invoke","f":"write","value":"%s"}\n' % ("v" * 3_000_000)
    path = tmp_path / "h.jsonl"
    path.write_text(op + '{"process":0,"type":"ok","f":"write"}\n' + "{bad\n")
    e = pytest.raises(HistoryError, load, path).value
    assert e.line == 3
