"""Helpers shared by the per-format parser tests."""

from __future__ import annotations

from typing import Callable

import pytest

from taala.formats import loads
from taala.history import History, HistoryError


def parser(fmt: str, source: str) -> Callable[..., History]:
    """`loads` fixed to one format and a file name (so errors read `source:line: ...`)."""

    def parse(text: str, **kw) -> History:
        return loads(text, format=fmt, source=source, **kw)

    return parse


def error_of(parse: Callable[..., History], text: str, **kw) -> HistoryError:
    with pytest.raises(HistoryError) as info:
        parse(text, **kw)
    return info.value


def summary(h: History) -> list[tuple]:
    return [(e.index, e.type, e.process, e.f, e.value, e.key, e.line) for e in h.events]
