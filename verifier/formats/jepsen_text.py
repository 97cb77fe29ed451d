"""Jepsen's text op lines: `history.txt`, or the op lines inside a `jepsen.log`.

Each op line is `PROCESS<TAB>:TYPE<TAB>:F<TAB>VALUE[<TAB>ERROR]`, optionally behind a log
prefix such as `INFO  jepsen.util - `. Values are EDN. In a log, lines that are not op
lines (startup chatter, stack traces) are skipped; a line that *is* an op line but does
not parse is an error, because dropping it would silently change the history.
"""

from __future__ import annotations

import re

import edn_format
from taala.formats.edn import _plain
from taala.formats.event_fields import make_event
from taala.history import Event, HistoryError

OP_LINE = re.compile(r"(?:^|\s)(:?[\w.\-]+)\t:(invoke|ok|fail|info)\t:?([^\t]+)(?:\t(.*))?$")


_INTEGER = re.compile(r"-?[0-9]+")


def _edn(text: str, what: str, source: str | None, line: int):
    try:
        forms = edn_format.loads_all(text)
        if len(forms) != 1:
            raise ValueError(f"expected one value, found {len(forms)}")
        return _plain(forms[0])
    except RecursionError:
        raise HistoryError(f"the {what} is nested too deeply", source=source, line=line) from None
    except Exception as e:  # edn_format raises several types for malformed input
        raise HistoryError(f"cannot read the {what} {text[:60]!r}: {e}", source=source, line=line) from None


def parse(text: str, *, source: str | None = None, independent: bool = False) -> list[Event]:
    events: list[Event] = []
    # split on "\n" only: Clojure prints some control characters raw inside strings
    for lineno, raw in enumerate(text.split("\n"), start=1):
        raw = raw.rstrip("\r")
        m = OP_LINE.search(raw)
        if m is None:
            continue
        process_s, etype, f, rest = m.groups()
        process: int | str = int(process_s) if _INTEGER.fullmatch(process_s) else process_s.lstrip(":")
        value, error = None, None
        if rest is not None:
            value_s, _, error_s = rest.partition("\t")
            value = _edn(value_s, "value", source, lineno) if value_s.strip() else None
            if error_s.strip():
                error = _edn(error_s, "error", source, lineno)
        fields = {"process": process, "type": etype, "f": f.strip(), "value": value, "error": error}
        events.append(make_event(fields, len(events), line=lineno, source=source, independent=independent))
    if not events and text.strip():
        raise HistoryError("no Jepsen op lines (PROCESS<TAB>:TYPE<TAB>:F<TAB>VALUE) found", source=source)
    return events
