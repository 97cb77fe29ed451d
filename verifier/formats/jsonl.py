"""taala's own history format: JSON Lines, one event object per line.

Append-only and streamable (the runner writes it as the test runs), greppable, `jq`-able.
Fields are Jepsen's op-map keys without the colons: `index`, `type`, `process`, `f`,
`value`, `time` (ns, monotonic), and optional `key` and `error`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

import orjson
from taala.formats.event_fields import (
    _CANONICAL_TYPE,
    _PROCESSES,
    _fast_event,
    make_event,
)
from taala.history import (
    Event,
    History,
    HistoryError,
    compiled,  # taala._read, or None when it was not built
)


def parse(text: str | Iterable[bytes], *, source: str | None = None, independent: bool = False) -> list[Event]:
    """Parse JSONL from a string or, to stream big files, an iterable of byte lines.

    The loop is the parse hot path of a million-op history when the compiled reader is
    absent: a line of the common shape costs one `orjson.loads` and one `_fast_event`; blank
    lines, big integers and unusual shapes are noticed only when the cheap path fails."""
    events: list[Event] = []
    # split on "\n" only: str.splitlines() would also split inside strings at U+2028 etc.
    lines = text.split("\n") if isinstance(text, str) else text
    for lineno, raw in enumerate(lines, start=1):
        _read_line(raw, lineno, events, source, independent)
    return events


def parse_chunks(chunks: Iterable[bytes], *, source: str | None = None, independent: bool = False) -> list[Event]:
    """Parse JSONL arriving as byte chunks cut anywhere (a file read in blocks).

    With the compiled reader (`taala._read`), runs of lines of the common shape are read in
    C, and each line it declines is read here by the same code as `parse`, so both give the
    same events and the same errors; without it, this is `parse` over the chunks' lines."""
    if compiled is None or independent:
        return parse(_lines(chunks), source=source, independent=independent)
    events: list[Event] = []
    lineno, carry = 1, b""
    for chunk in chunks:
        buf = carry + chunk if carry else chunk
        end = buf.rfind(b"\n") + 1
        lineno = _read_lines(buf, end, lineno, events, source)
        carry = buf[end:]
    if carry:
        _read_lines(carry, len(carry), lineno, events, source)
    return events


def _read_lines(buf: bytes, end: int, lineno: int, events: list[Event], source: str | None) -> int:
    """Read the lines of buf[:end], in C where it can; return the number of the next line."""
    offset = 0
    while offset < end:
        offset, lineno = compiled.events(buf, offset, end, lineno, events, Event, _CANONICAL_TYPE, _PROCESSES)
        if offset < end:  # declined: this one line the Python way
            newline = buf.find(b"\n", offset, end)
            stop = end if newline < 0 else newline
            _read_line(buf[offset:stop], lineno, events, source, False)
            offset, lineno = stop + 1, lineno + 1
    return lineno


def _read_line(raw: bytes | str, lineno: int, events: list[Event], source: str | None, independent: bool) -> None:
    try:
        fields = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        if not raw.strip():
            return
        reason = "not UTF-8 text" if "UTF-8" in e.args[0] else f"not valid JSON ({e.args[0].split(':')[0]})"
        raise HistoryError(reason, source=source, line=lineno) from None
    event = None if independent else _fast_event(fields, len(events), lineno)
    if event is None:  # orjson turns integers beyond 64 bits into floats: never the fast shape
        event = _careful(raw, fields, len(events), lineno, source, independent)
    events.append(event)


def _lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Lines split on b"\\n" only (as the readers count them), without quadratic joins."""
    partial: list[bytes] = []
    for chunk in chunks:
        if b"\n" not in chunk:
            partial.append(chunk)
            continue
        parts = chunk.split(b"\n")
        partial.append(parts[0])
        yield b"".join(partial)
        yield from parts[1:-1]
        partial = [parts[-1]]
    rest = b"".join(partial)
    if rest:
        yield rest


def _careful(raw, fields, position: int, lineno: int, source: str | None, independent: bool) -> Event:
    try:
        if _BIG_INT.search(raw if isinstance(raw, bytes) else raw.encode()) and _has_float(fields):
            fields = json.loads(raw)
    except json.JSONDecodeError as e:  # pragma: no cover - orjson accepted it
        raise HistoryError(f"not valid JSON ({e.args[0].split(':')[0]})", source=source, line=lineno) from None
    try:
        return make_event(fields, position, line=lineno, source=source, independent=independent)
    except RecursionError:
        raise HistoryError("value nested too deeply", source=source, line=lineno) from None


_BIG_INT = re.compile(rb"[0-9]{19,}")


def _has_float(value: object) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return False


def to_json_bytes(obj: object) -> bytes:
    """orjson with the odd values EDN histories carry (sets, decimals, non-string map keys);
    the standard library for integers beyond 64 bits, which orjson refuses."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS, default=_fallback)
    except TypeError:
        return json.dumps(_stringify_keys(obj), default=_fallback, separators=(",", ":")).encode()


def _stringify_keys(obj: object) -> object:
    if isinstance(obj, dict):
        return {k if isinstance(k, str) else json.dumps(k, default=_fallback): _stringify_keys(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_stringify_keys(v) for v in obj]
    return obj


def _fallback(obj: object) -> object:
    if isinstance(obj, set | frozenset):
        return sorted(obj, key=repr)
    if isinstance(obj, Decimal):
        return float(obj)
    return str(obj)


def dumps(events: Iterable[Event]) -> str:
    return "".join(to_json_bytes(e.to_dict()).decode() + "\n" for e in events)


def write(history: History | Iterable[Event], path: str | Path) -> None:
    events = history.events if isinstance(history, History) else history
    Path(path).write_text(dumps(events))
