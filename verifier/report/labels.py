"""Short display strings for history values: the report shows them, it never interprets them.

Values come from untrusted histories, so they are turned into plain strings here and only
ever reach the page as text (JSON data read by `textContent`, or autoescaped by jinja2).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

LIMIT = 60


def short(value: Any, limit: int = LIMIT) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def process_label(process: Hashable) -> str:
    """'p3' for Jepsen's numbered processes, the name itself for named ones."""
    return f"p{process}" if isinstance(process, int) else str(process)


def key_label(key: Hashable) -> str:
    """As the checkers name keys ('lock-1', quoted), or "the lock" when histories have none."""
    return "the lock" if key is None else short(repr(key))


def process_order(process: Hashable) -> tuple:
    """Numbered processes first, numerically; then named ones, alphabetically."""
    return (0, process, "") if isinstance(process, int) else (1, 0, str(process))
