"""Turn one decoded op map (from any format) into an `Event`, validating as we go.

All three readers decode a line into a plain dict with string keys and Python values; this
module is the single place that knows what a valid event looks like, so every format
rejects the same mistakes with the same words.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable
from typing import Any

from taala.history import NEMESIS, TYPES, Event, HistoryError

_CANONICAL_TYPE = {t: t for t in TYPES}
_PROCESSES: dict[int, int] = {}


class IndependentTuple:
    """A Jepsen `independent` [key value] pair (EDN tag `#jepsen.independent.Tuple`)."""

    __slots__ = ("key", "value")

    def __init__(self, key: Any, value: Any):
        self.key, self.value = key, value


class FrozenMap(dict):
    """A map value that can live in a (hashed) model state, e.g. a register holding {:a 1}."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))


def freeze(value: Any) -> Any:
    """Make a value hashable: lists become tuples, maps FrozenMaps, sets of maps tuples."""
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return FrozenMap((k, freeze(v)) for k, v in value.items())
    if isinstance(value, frozenset | set):
        items = [freeze(v) for v in value]
        try:
            return frozenset(items)
        except TypeError:
            return tuple(sorted(items, key=repr))
    return value


def _hashable(value: Any, what: str, source: str | None, line: int | None) -> Hashable:
    if isinstance(value, dict):
        raise HistoryError(f"{what} must be a number, string or list, got {value!r}", source=source, line=line)
    value = freeze(value)
    try:
        hash(value)
    except TypeError:  # pragma: no cover - freeze() makes every parsed value hashable
        raise HistoryError(f"{what} must be a number, string or list, got {value!r}", source=source, line=line)
    return value


def make_event(
    fields: dict[str, Any],
    position: int,
    *,
    line: int | None,
    source: str | None,
    independent: bool = False,
) -> Event:
    """Build an Event from decoded fields; raise HistoryError naming the line on any problem."""
    fast = _fast_event(fields, position, line) if not independent else None
    if fast is not None:
        return fast
    if not isinstance(fields, dict):
        raise HistoryError(f"expected an op map, got {type(fields).__name__}", source=source, line=line)
    etype = fields.get("type")
    if etype not in TYPES:
        raise HistoryError(f"`type` must be one of {', '.join(TYPES)}; got {etype!r}", source=source, line=line)
    if "process" not in fields:
        raise HistoryError("op has no `process`", source=source, line=line)
    process = _hashable(fields["process"], "`process`", source, line)
    if isinstance(process, bool) or not isinstance(process, int | str):
        raise HistoryError(f"`process` must be an integer or a string, got {process!r}", source=source, line=line)
    f = fields.get("f")
    if not isinstance(f, str) or not f:
        if process == NEMESIS and f is None:
            f = "nemesis"
        else:
            raise HistoryError(f"`f` must be a non-empty string, got {f!r}", source=source, line=line)
    index = fields.get("index", position)
    if isinstance(index, bool) or not isinstance(index, int):
        raise HistoryError(f"`index` must be an integer, got {index!r}", source=source, line=line)
    time = fields.get("time")
    if time is not None:
        if isinstance(time, bool) or not isinstance(time, int | float):
            raise HistoryError(f"`time` must be a number of nanoseconds, got {time!r}", source=source, line=line)
        try:
            time = int(time)
        except (OverflowError, ValueError):
            raise HistoryError(f"`time` must be a finite number of nanoseconds, got {time!r}", source=source, line=line) from None
    value = fields.get("value")
    key = fields.get("key")
    if isinstance(value, IndependentTuple):
        key, value = value.key, value.value
    elif independent and process != NEMESIS:
        value = freeze(value)
        if not (isinstance(value, tuple) and len(value) == 2):
            raise HistoryError(
                f"--independent expects every value to be a [key value] pair, got {value!r}",
                source=source,
                line=line,
            )
        key, value = value
    if key is not None:
        key = _hashable(key, "`key`", source, line)
    return Event(
        index=index,
        type=etype,
        process=process,
        f=f,
        value=freeze(value),
        time=time,
        key=key,
        error=freeze(fields.get("error")),
        line=line,
    )


def _fast_event(fields: Any, position: int, line: int | None) -> Event | None:
    """The common shape (what our runner writes), built without the full checks.

    Returns None for anything unusual, which then takes the careful path. Strings that
    repeat on every line (`f`, `key`) are interned: a million-op history holds each once.
    Written for speed (it runs once per event): exact type tests, one lookup per field.
    """
    if type(fields) is not dict:
        return None
    try:
        etype = _CANONICAL_TYPE[fields["type"]]
        process = fields["process"]
        f = fields["f"]
    except (KeyError, TypeError):  # missing, unknown or unhashable type
        return None
    get = fields.get
    value, key, index, time = get("value"), get("key"), get("index", position), get("time")
    if (
        type(process) is not int
        or type(f) is not str
        or not f
        or type(index) is not int
        or (time is not None and type(time) is not int)
        or (value is not None and type(value) is not int and type(value) is not str and not _flat_tuple(value))
        or (key is not None and type(key) is not int and type(key) is not str)
        or get("error") is not None
    ):
        return None
    if type(key) is str:
        key = _intern(key)
    return Event(index, etype, _PROCESSES.setdefault(process, process), _intern(f), value, time, key, None, line)


_intern = sys.intern


def _flat_tuple(value: Any) -> bool:
    """A tuple of integers and strings (a cas [old new] read from a Jepsen op line): frozen
    already, so the fast path may keep it as it is."""
    return type(value) is tuple and all(type(v) is int or type(v) is str for v in value)
