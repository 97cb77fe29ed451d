"""Reading and writing histories: taala JSONL, Jepsen EDN and Jepsen text op lines.

`load(path)` detects the format from the file name and, failing that, from its first
meaningful line; `format=` forces one. Every reader raises `HistoryError` with the file and
line for anything it cannot read: a history checker that guesses is worse than none.
"""

from __future__ import annotations

import re
from pathlib import Path
from collections.abc import Callable

from taala.formats import edn, jepsen_text, jsonl
from taala.gcpause import paused_gc
from taala.history import Event, History, HistoryError

Parser = Callable[..., list[Event]]
PARSERS: dict[str, Parser] = {"jsonl": jsonl.parse, "edn": edn.parse, "jepsen-text": jepsen_text.parse}
FORMATS = tuple(PARSERS)
_SNIFF_BYTES = 1 << 16
_SUFFIXES = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".edn": "edn", ".txt": "jepsen-text", ".log": "jepsen-text"}


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
        if re.match(r"(\{\s*:|\[|#[A-Za-z])", s):
            return "edn"
        if jepsen_text.OP_LINE.search(line):
            return "jepsen-text"
    raise HistoryError(
        "cannot tell the history format (expected JSON Lines, Jepsen EDN or Jepsen op lines); use --format",
        source=name or None,
    )


def loads(text: str, *, format: str | None = None, source: str | None = None, independent: bool = False) -> History:
    fmt = format or detect(text, source or "")
    if fmt not in PARSERS:
        raise HistoryError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", source=source)
    with paused_gc():
        events = PARSERS[fmt](text, source=source, independent=independent)
    return History(events, source=source)


def load(path: str | Path, *, format: str | None = None, independent: bool = False) -> History:
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
            fmt = format or detect(head.decode("utf-8", errors="replace"), str(path))
            if fmt == "jsonl":  # stream: a million-op history never exists as one string
                fh.seek(0)
                with paused_gc():
                    events = jsonl.parse(fh, source=str(path), independent=independent)
                return History(events, source=str(path))
            data = head + fh.read()
    except OSError as e:
        raise HistoryError(f"cannot read: {e.strerror}", source=str(path)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise HistoryError(f"not UTF-8 text (bad byte at offset {e.start})", source=str(path), line=line) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise HistoryError("binary data (NUL byte) in a history file", source=str(path), line=line)
    return loads(text, format=fmt, source=str(path), independent=independent)


def write_jsonl(history: History, path: str | Path) -> None:
    jsonl.write(history, path)


__all__ = ["FORMATS", "detect", "load", "loads", "write_jsonl", "HistoryError"]
