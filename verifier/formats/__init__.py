"""Reading and writing histories: taala JSONL, Jepsen EDN and Jepsen text op lines.

`load(path)` detects the format from the file name and, failing that, from its first
meaningful line; `format=` forces one. Every reader raises `HistoryError` with the file and
line for anything it cannot read: a history checker that guesses is worse than none.

What `load` will read is deliberately narrow: a regular file, a pipe (`-` for standard
input, or a shell's `<(...)`), never a device, socket or directory, and never more than
`max_bytes`. Opening never blocks, and a named pipe that has no writer (or whose writer says
nothing) for `PIPE_WAIT_S` is refused, not waited on forever. Bytes are read in chunks with
the cap and the NUL check applied as they arrive, so `/dev/zero` or an endless pipe is
refused after one chunk or at the cap, not after filling the memory.
"""

from __future__ import annotations

import importlib
import os
import re
import select
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from taala.gcpause import paused_gc
from taala.history import Event, History, HistoryError

Parser = Callable[..., list[Event]]
# Readers load on first use: `edn_format` alone costs more start-up time than JSONL needs.
_READERS = {"jsonl": "taala.formats.jsonl", "edn": "taala.formats.edn", "jepsen-text": "taala.formats.jepsen_text"}
FORMATS = tuple(_READERS)
STDIN = "-"
DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB: about five million ops in any format
PIPE_WAIT_S = 5.0  # how long a pipe opened by name may stay silent before its first byte
_SNIFF_BYTES = 1 << 16
_CHUNK = 1 << 20
_SUFFIXES = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".edn": "edn", ".txt": "jepsen-text", ".log": "jepsen-text"}


def parser(fmt: str) -> Parser:
    return importlib.import_module(_READERS[fmt]).parse


def detect(text: str, name: str = "") -> str:
    """Guess the format: file suffix first, then the first non-blank line."""
    suffix = Path(name).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith(";"):
            continue
        if re.match(r'\{\s*"', s):
            return "jsonl"
        if re.match(r"(\{\s*:|\[|\(|#[A-Za-z])", s):
            return "edn"
        from taala.formats.jepsen_text import OP_LINE

        if OP_LINE.search(line):
            return "jepsen-text"
    raise HistoryError(
        "cannot tell the history format (expected JSON Lines, Jepsen EDN or Jepsen op lines); use --format",
        source=name or None,
    )


def loads(text: str, *, format: str | None = None, source: str | None = None, independent: bool = False) -> History:
    fmt = format or detect(text, source or "")
    if fmt not in _READERS:
        raise HistoryError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", source=source)
    with paused_gc():
        events = parser(fmt)(text, source=source, independent=independent)
    check_order(events, source)
    return History(events, source=source)


def load(path: str | Path, *, format: str | None = None, independent: bool = False,
         max_bytes: int = DEFAULT_MAX_BYTES) -> History:
    """Read a history file, or standard input when `path` is `-`."""
    source = "<stdin>" if str(path) == STDIN else str(path)
    if format is not None and format not in _READERS:
        raise HistoryError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}", source=source)
    with _Input(path, source, max_bytes) as stream:
        head = stream.head(_SNIFF_BYTES)
        fmt = format or detect(head.decode("utf-8", errors="replace"), "" if str(path) == STDIN else source)
        if fmt == "jsonl":  # stream: a million-op history never exists as one string
            with paused_gc():
                events = importlib.import_module(_READERS["jsonl"]).parse_chunks(stream.chunks(), source=source, independent=independent)
            check_order(events, source)
            return History(events, source=source)
        data = stream.read_all()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise HistoryError(f"not UTF-8 text (bad byte at offset {e.start})", source=source, line=line) from None
    return loads(text, format=fmt, source=source, independent=independent)


def check_order(events: list[Event], source: str | None) -> None:
    """Event indices must increase down the file (gaps are fine: Jepsen filters histories).

    A repeated or backward `index` means events were merged, reordered or duplicated after
    recording, and the file order is the only real-time order a history has."""
    prev = None
    for e in events:
        if prev is not None and e.index <= prev.index:
            where = f"line {prev.line}" if prev.line is not None else "the event before"
            what = "repeats the" if e.index == prev.index else "is lower than the"
            raise HistoryError(f"`index` {e.index} {what} `index` {prev.index} of {where}: indices must increase down the file",
                               source=source, line=e.line)
        prev = e


class _Input:
    """The bytes of a regular file or a pipe, read in chunks under a size cap."""

    def __init__(self, path: str | Path, source: str, max_bytes: int):
        self.source, self.max_bytes = source, max_bytes
        self.total = self.newlines = 0
        self.pending: list[bytes] = []  # read by head(), not yet handed out
        self.owned = str(path) != STDIN
        self.kind = "regular file"
        self.waiting = False  # a pipe opened by name, silent so far: poll before reading
        if self.owned:
            try:
                # O_NONBLOCK: opening a named pipe must not wait for a writer
                fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
            except OSError as e:
                raise HistoryError(f"cannot read: {e.strerror or type(e).__name__}", source=source) from None
        else:
            try:
                fd = sys.stdin.fileno()
            except (AttributeError, OSError, ValueError):  # replaced by a file object (tests, embedding)
                self.fd, self.kind = None, "standard input"
                self._stream = sys.stdin.buffer
                return
        self.fd = fd
        try:
            mode = os.fstat(fd)
        except OSError as e:
            self.close()
            raise HistoryError(f"cannot read: {e.strerror or type(e).__name__}", source=source) from None
        if stat.S_ISREG(mode.st_mode):
            if mode.st_size > max_bytes:
                self.close()
                raise HistoryError(f"the file is {mode.st_size} bytes, over the {max_bytes}-byte limit (raise it with --max-bytes)", source=source)
        elif stat.S_ISFIFO(mode.st_mode):
            self.kind, self.waiting = "pipe", self.owned
        elif self.owned:
            what = "a directory" if stat.S_ISDIR(mode.st_mode) else _KINDS.get(stat.S_IFMT(mode.st_mode), "not a regular file")
            self.close()
            raise HistoryError(f"cannot read: {what}; taala reads regular files, pipes, or standard input given as -", source=source)
        else:
            self.kind = "standard input"
        if self.owned and not self.waiting:
            os.set_blocking(fd, True)

    def __enter__(self) -> _Input:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.owned and self.fd is not None:
            os.close(self.fd)
        self.fd = None

    def _read(self) -> bytes:
        if self.waiting:
            self._await_writer()
        try:
            chunk = os.read(self.fd, _CHUNK) if self.fd is not None else self._stream.read(_CHUNK)
        except OSError as e:
            raise HistoryError(f"cannot read: {e.strerror or type(e).__name__}", source=self.source) from None
        if not chunk:
            return chunk
        self.total += len(chunk)
        if self.total > self.max_bytes:
            raise HistoryError(f"more than {self.max_bytes} bytes in this {self.kind} (raise the limit with --max-bytes)",
                               source=self.source, line=self.newlines + 1)
        nul = chunk.find(b"\x00")
        if nul >= 0:
            raise HistoryError("binary data (NUL byte) in a history file", source=self.source,
                               line=self.newlines + chunk.count(b"\n", 0, nul) + 1)
        self.newlines += chunk.count(b"\n")
        return chunk

    def _await_writer(self) -> None:
        """Wait (bounded) until a pipe opened by name has data or a writer that hung up.

        A named pipe nobody writes to would block a plain read forever; read without
        blocking it would look empty even when its writer is about to open it."""
        poller = select.poll()
        poller.register(self.fd, select.POLLIN | select.POLLHUP)
        if not poller.poll(PIPE_WAIT_S * 1000):
            raise HistoryError(f"nothing to read after {PIPE_WAIT_S:g} s: a named pipe with no writer? "
                               "(taala reads regular files, pipes, or standard input given as -)", source=self.source)
        os.set_blocking(self.fd, True)
        self.waiting = False

    def head(self, n: int) -> bytes:
        """At least `n` bytes from the start (fewer only at end of input), kept for later."""
        size = 0
        while size < n:
            chunk = self._read()
            if not chunk:
                break
            self.pending.append(chunk)
            size += len(chunk)
        if size == 0 and self.kind == "pipe":
            raise HistoryError("nothing to read: the pipe is empty or has no writer", source=self.source)
        return b"".join(self.pending)[:n]

    def chunks(self) -> Iterator[bytes]:
        pending, self.pending = self.pending, []
        yield from pending
        while chunk := self._read():
            yield chunk

    def read_all(self) -> bytes:
        return b"".join(self.chunks())


_KINDS = {stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


def write_jsonl(history: History, path: str | Path) -> None:
    from taala.formats import jsonl

    jsonl.write(history, path)


__all__ = ["FORMATS", "DEFAULT_MAX_BYTES", "STDIN", "detect", "load", "loads", "write_jsonl", "HistoryError"]
