"""A terse way to write histories in tests: one event per line.

    p0 invoke acquire
    p0 ok acquire 7          # value is EDN: 7, nil, [1 2], "s"
    p1 invoke write 3 @k1    # @key puts the op on a key
    nemesis info start-pause
"""

from __future__ import annotations

import edn_format

from taala.formats.edn import _plain
from taala.formats.event_fields import freeze
from taala.history import Event, History


def history(text: str) -> History:
    events = []
    for n, raw in enumerate(text.strip().splitlines(), start=1):
        line = raw.split("#")[0].strip()
        if not line:
            continue
        key = None
        if " @" in line:
            line, key = line.rsplit(" @", 1)
            key = _plain(edn_format.loads(key)) if key[0].isdigit() or key[0] in "[\"" else key
        parts = line.split(None, 3)
        who, etype, f = parts[:3]
        value = _plain(edn_format.loads(parts[3])) if len(parts) > 3 else None
        process = "nemesis" if who == "nemesis" else int(who.lstrip("p"))
        events.append(Event(len(events), etype, process, f, freeze(value), key=key, line=n))
    return History(events, source="<dsl>")
