"""Jepsen's `history.edn`: EDN op maps, one per line or inside one vector or list.

Knossos's own `data/` histories are a list `( ... )` or vector `[ ... ]` with `;` comments.

Parsing uses the `edn_format` package. We split the file into top-level forms ourselves
(tracking strings, chars and comments so braces inside them don't count) so that every
event keeps its line number and a broken form is reported where it is, not as "EOF".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import edn_format
from edn_format import Char, ImmutableList, Keyword, Symbol
from taala.formats.event_fields import IndependentTuple, freeze, make_event
from taala.history import Event, HistoryError

_OPEN, _CLOSE = "([{", ")]}"


def _tuple_from_map(m: Any) -> IndependentTuple:
    if not isinstance(m, Mapping):
        raise ValueError("#jepsen.independent.Tuple must tag a map {:key .. :value ..}")
    return IndependentTuple(_plain(m.get(Keyword("key"))), _plain(m.get(Keyword("value"))))


# Record tags Jepsen prints into histories. Unknown tags are reported, never guessed.
edn_format.add_tag("jepsen.independent.Tuple", _tuple_from_map)
edn_format.add_tag("jepsen.history.Op", lambda m: m)


def _plain(v: Any) -> Any:
    """EDN values as plain Python: keywords and symbols become strings (without the colon)."""
    if isinstance(v, Keyword | Symbol):
        return v.name
    if isinstance(v, Char):
        return str(v)
    if isinstance(v, IndependentTuple):
        return v
    if isinstance(v, Mapping):  # keys may themselves be maps or vectors: freeze them
        return {freeze(_plain(k)): _plain(x) for k, x in v.items()}
    if isinstance(v, frozenset):
        items = [_plain(x) for x in v]
        try:
            return frozenset(items)
        except TypeError:  # a set of maps: keep the elements, in a stable order
            return tuple(sorted(items, key=repr))
    if isinstance(v, list | tuple | ImmutableList):
        return tuple(_plain(x) for x in v)
    if isinstance(v, Decimal):
        return float(v)
    return v


def _forms(text: str) -> Iterator[tuple[int, str]]:
    """Yield (line, text) of each top-level form; the outer vector, if any, is unwrapped."""
    i, n, line = 0, len(text), 1
    depth, start, start_line = 0, -1, 0
    unwrapped = False
    vector_line, outer = 1, "]"
    seen_form = False
    depth_start_pending = False
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == ";":  # comment to end of line
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                if text[i] == "\\":
                    i += 1
                elif text[i] == "\n":
                    line += 1
                i += 1
            if i >= n:
                raise HistoryError("unterminated string", line=start_line or line)
        elif c == "\\":  # character literal such as \{ or \newline
            i += 2
            continue
        elif c == "#" and depth == 0 and i + 1 < n and (text[i + 1].isalpha()):
            # a tagged op such as #jepsen.history.Op{...}: the form starts at the tag
            start, start_line = i, line
            seen_form = True
            while i < n and text[i] not in _OPEN and not text[i].isspace():
                i += 1
            depth_start_pending = True
            continue
        elif c in _OPEN:
            if depth == 0 and c in "[(" and not unwrapped and not seen_form:
                # one big vector or list: its elements are the forms
                unwrapped, vector_line, outer = True, line, _CLOSE[_OPEN.index(c)]
                i += 1
                continue
            if depth == 0 and not depth_start_pending:
                start, start_line = i, line
                seen_form = True
            depth_start_pending = False
            depth += 1
        elif c in _CLOSE:
            if depth == 0:
                if unwrapped and c == outer:
                    unwrapped = False
                    if _strip_comments(text[i + 1 :]).strip():
                        raise HistoryError(f"unexpected text after the closing `{outer}`", line=line)
                    return
                raise HistoryError(f"unbalanced `{c}`", line=line)
            depth -= 1
            if depth == 0:
                yield start_line, text[start : i + 1]
                start = -1
        elif depth == 0 and (depth_start_pending or (not c.isspace() and c != ",")):
            j = i
            while j < n and not text[j].isspace() and text[j] not in _OPEN + _CLOSE:
                j += 1
            raise HistoryError(f"expected an op map, found `{text[i:j][:40]}`", line=line)
        i += 1
    if depth or depth_start_pending:
        raise HistoryError("unexpected end of file inside a form (unbalanced `{` or `[`)", line=start_line)
    if unwrapped:
        raise HistoryError(f"unexpected end of file: the history opened here is not closed with `{outer}`", line=vector_line)


def _strip_comments(rest: str) -> str:
    return "\n".join(line.split(";", 1)[0] for line in rest.split("\n"))


def parse(text: str, *, source: str | None = None, independent: bool = False) -> list[Event]:
    events: list[Event] = []
    try:
        for line, form in _forms(text):
            try:
                decoded = edn_format.loads(form)
            except NotImplementedError as e:  # edn_format's word for an unknown #tag
                tag = str(e).split("ImmutableDict(")[-1].rstrip(")")
                raise HistoryError(f"unknown EDN tag #{tag}", source=source, line=line) from None
            except RecursionError:
                raise HistoryError("value nested too deeply", source=source, line=line) from None
            except Exception as e:  # edn_format raises several types for malformed input
                raise HistoryError(f"invalid EDN: {e}", source=source, line=line) from None
            try:
                fields = _plain(decoded)
            except RecursionError:
                raise HistoryError("value nested too deeply", source=source, line=line) from None
            if not isinstance(fields, dict):
                raise HistoryError(f"expected an op map, got {form[:40]!r}", source=source, line=line)
            events.append(make_event(fields, len(events), line=line, source=source, independent=independent))
    except HistoryError as e:
        if e.source is None:
            e.source = source
        raise
    return events
