"""Plain terminal output for `check`, `show` and `models`: a few styled lines and tables.

Written out by hand rather than with rich because importing rich's console and table costs
about 70 ms, a third of the 0.2 s a `taala check` of a small file may take in all; a verdict
is a handful of lines. Colour only on a terminal, never under NO_COLOR or TERM=dumb
(FORCE_COLOR forces it), so files and pipes get exactly the text.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TextIO

# What a history may hold but a terminal must never receive raw: C0 and C1 controls (ESC
# starts sequences that retitle the window, clear the screen or rewrite what was printed;
# U+009B is a one-byte CSI), DEL, line/paragraph separators and the bidirectional overrides
# that make text read differently from what it is.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SGR = {"bold": "1", "dim": "2", "italic": "3", "red": "31", "green": "32", "yellow": "33"}


def clean(text: object) -> str:
    """`text` as one printable line: every control character shown as an escape (`\\x1b`)."""
    s = text if isinstance(text, str) else str(text)
    return _CONTROL.sub(_escape, s) if _CONTROL.search(s) else s


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def wants_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


class Out:
    """Lines to one stream (looked up when printing, so test runners that swap sys.stdout see them)."""

    def __init__(self, stderr: bool = False) -> None:
        self.stderr = stderr
        self.colour = wants_colour(self.stream)

    @property
    def stream(self) -> TextIO:
        return sys.stderr if self.stderr else sys.stdout

    @property
    def is_terminal(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def style(self, text: str, style: str) -> str:
        """`text` (already cleaned) in `style` ("bold red", ...) when colour is on."""
        if not self.colour or not style or not text:
            return text
        codes = ";".join(_SGR[s] for s in style.split() if s in _SGR)
        return f"\x1b[{codes}m{text}\x1b[0m" if codes else text

    def print(self, *parts: str) -> None:
        self.stream.write("".join(parts) + "\n")

    def table(self, title: str, columns: list[str], rows: list[list[str]], right: tuple[str, ...] = ()) -> None:
        """A borderless table in rich's layout: `a ┃ b` header, `━╇━` rule, `a │ b` rows.

        Cells must be cleaned already; columns named in `right` are right-justified.
        """
        widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]

        def fit(cells: list[str]) -> list[str]:
            return [c.rjust(w) if name in right else c.ljust(w) for c, w, name in zip(cells, widths, columns)]

        self.print(self.style(title, "italic"))
        self.print(" ┃ ".join(self.style(c, "bold") for c in fit(columns)))
        self.print("━╇━".join("━" * w for w in widths))
        for row in rows:
            self.print(" │ ".join(fit(row)))
