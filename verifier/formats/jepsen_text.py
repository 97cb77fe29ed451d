"""Jepsen's text op lines: `history.txt`, or the op lines inside a `jepsen.log`.

Each op line is `PROCESS<TAB>:TYPE<TAB>:F<TAB>VALUE[<TAB>ERROR]`, optionally behind a log
prefix such as `INFO  jepsen.util - `. Values are EDN. In a log, lines that are not op
lines (startup chatter, stack traces) are skipped; a line that *is* an op line but does
not parse is an error, because dropping it would silently change the history.
"""

from __future__ import annotations

import re
import sys

from taala.formats.event_fields import _PROCESSES, make_event
from taala.history import Event, HistoryError

OP_LINE = re.compile(r"(?:^|\s)(:?[\w.\-]+)\t:(invoke|ok|fail|info)\t:?([^\t]+)(?:\t(.*))?$")


_INTEGER = re.compile(r"-?[0-9]+")


_INT = r"-?(?:0|[1-9][0-9]*)"
# The values almost every op line holds: nil, true/false, an integer, a plain keyword, a
# vector of integers. Read directly; edn_format (which builds a lexer per call, ~2 ms) for
# anything else.
_SIMPLE = re.compile(
    rf"\s*(?:(nil)|(true)|(false)|({_INT})|:([A-Za-z][A-Za-z0-9*!?+<>=._\-]*)|\[[\s,]*((?:{_INT}(?:[\s,]+{_INT})*)?)[\s,]*\])\s*"
)
_INTS = re.compile(_INT)


def simple_edn(text: str) -> tuple[bool, object]:
    """(True, value) when `text` is one of the simple forms above, else (False, None)."""
    m = _SIMPLE.fullmatch(text)
    if m is None:
        return False, None
    nil, true, _false, integer, keyword, vector = m.groups()
    if integer is not None:
        return True, int(integer)
    if keyword is not None:
        return True, keyword
    if vector is not None:
        return True, tuple(int(x) for x in _INTS.findall(vector))
    return True, (None if nil else bool(true))


def _edn(text: str, what: str, source: str | None, line: int):
    simple, value = simple_edn(text)
    if simple:
        return value
    import edn_format  # ~30 ms to import: only for values the simple reader above does not take

    from taala.formats.edn import _plain

    try:
        forms = edn_format.loads_all(text)
        if len(forms) != 1:
            raise ValueError(f"expected one value, found {len(forms)}")
        return _plain(forms[0])
    except RecursionError:
        raise HistoryError(f"the {what} is nested too deeply", source=source, line=line) from None
    except Exception as e:  # edn_format raises several types for malformed input
        raise HistoryError(f"cannot read the {what} {text[:60]!r}: {e}", source=source, line=line) from None


_HEAD = re.compile(r"(?:^|\s)(:?[\w.\-]+)$")  # OP_LINE's process token, at the end of the text before the first tab
_TYPE_FIELD = {":invoke": "invoke", ":ok": "ok", ":fail": "fail", ":info": "info"}


def parse(text: str, *, source: str | None = None, independent: bool = False) -> list[Event]:
    events: list[Event] = []
    append, search, intern = events.append, OP_LINE.search, sys.intern
    # The same few heads (log prefix and process), values and op names recur on every line:
    # each is read once per file. A line of exactly four tab-separated fields with an integer
    # process and a simple value is built straight into an Event, as OP_LINE and make_event's
    # fast path would build it; anything else takes the general path below.
    heads: dict[str, int | None] = {}
    simple_values: dict[str, tuple[bool, object]] = {}
    # split on "\n" only: Clojure prints some control characters raw inside strings
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        fields = line.split("\t")
        if len(fields) == 4 and not independent:
            head, type_s, f_s, rest = fields
            etype = _TYPE_FIELD.get(type_s)
            if etype is not None and len(f_s) > 1 and f_s[0] == ":":
                process = heads.get(head, False)
                if process is False:
                    m = _HEAD.search(head)
                    process = heads[head] = int(m.group(1)) if m and _INTEGER.fullmatch(m.group(1)) else None
                known = simple_values.get(rest)
                if known is None:
                    known = simple_values[rest] = simple_edn(rest)
                f = f_s[1:]
                if process is not None and known[0] and f == f.strip():
                    append(Event(len(events), etype, _PROCESSES.setdefault(process, process), intern(f), known[1],
                                 None, None, None, lineno))
                    continue
        m = search(line)
        if m is None:
            continue
        process_s, etype, f, rest = m.groups()
        process = int(process_s) if _INTEGER.fullmatch(process_s) else process_s.lstrip(":")
        value, error = None, None
        if rest is not None:
            value_s, _, error_s = rest.partition("\t")
            value = _edn(value_s, "value", source, lineno) if value_s.strip() else None
            if error_s.strip():
                error = _edn(error_s, "error", source, lineno)
        fields = {"process": process, "type": etype, "f": f.strip(), "value": value, "error": error}
        append(make_event(fields, len(events), line=lineno, source=source, independent=independent))
    if not events and text.strip():
        raise HistoryError("no Jepsen op lines (PROCESS<TAB>:TYPE<TAB>:F<TAB>VALUE) found", source=source)
    return events
