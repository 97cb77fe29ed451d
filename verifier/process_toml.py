"""Reading a `taala-adapter.toml`: every field checked, every mistake one line naming the file
and the line, so a wrong declaration is never a campaign that quietly tests something else.

Why apart from `taala.process_adapter`: this is the tedious half (types, ranges, unknown
keys), and the protocol half reads better without it. The declarations an adapter written
in Python has are the same, with the same meaning (`taala.adapter`); durations are in
leases. TOML has no null: `liveness = false` promises nothing, `backend = "none"` is a lock
with no server.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from taala.adapter import Expectation, LeaseTerms
from taala.process_build import Build

NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
TOP_KEYS = {"protocol", "build", "adapter"}
BUILD_KEYS = {"tools", "sources", "command", "timeout"}
TERM_KEYS = {"like", "shortest", "longest", "renews", "renew_every", "session_bound", "failover_extends"}


class Bad(ValueError):
    """One adapter's mistakes: `key` names the field the first one is about (for its line)."""

    def __init__(self, problems: list[str], key: str | None):
        super().__init__("; ".join(problems))
        self.key = key


def read(path: Path, shown: str, like, base: type) -> tuple[list[type], dict[str, str]]:
    """See `taala.process_adapter.load`."""
    try:
        text = path.read_text()
    except OSError as e:
        raise ValueError(f"{shown}: cannot read: {e.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(_decode_error(shown, e)) from None
    lines = text.splitlines()
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ValueError(f"{shown}:{_line(lines, unknown[0])}: unknown key(s) {', '.join(unknown)} "
                         f"(known: {', '.join(sorted(TOP_KEYS))})")
    if data.get("protocol") != 1:
        said = f", not {data['protocol']!r}" if "protocol" in data else ""
        raise ValueError(f"{shown}:{_line(lines, 'protocol')}: needs `protocol = 1` (the protocol version "
                         f"it speaks; taala speaks 1){said}")
    here = path.resolve().parent
    build = _build(data.get("build"), here, shown, lines)
    entries = data.get("adapter")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise ValueError(f"{shown}: declares no adapter (an [[adapter]] table with name, command, backend, "
                         f"expectations)")
    headers = [n for n, line in enumerate(lines, start=1) if line.strip().startswith("[[adapter]]")]
    found, broken = [], {}
    for i, entry in enumerate(entries):
        start = headers[i] if i < len(headers) else 1
        name = entry.get("name") if isinstance(entry.get("name"), str) and entry.get("name") else None
        try:
            attrs = _fields(entry, like)
            if build is None and any("{build}" in arg for arg in attrs["command"]):
                raise Bad(["`command` names {build} but the file has no [build]"], "command")
        except Bad as e:
            at = _line(lines, e.key, start) if e.key else start
            broken[name or f"{shown}:{start}"] = f"adapter {name or '?'!r} ({shown}:{at}): {e}"
            continue
        attrs.update(here=here, toml_file=shown, toml_line=start, build=build, __doc__=attrs["summary"],
                     __module__=base.__module__)
        found.append(type(_class_name(attrs["name"]), (base,), attrs))
    return found, broken


def _decode_error(shown: str, e: tomllib.TOMLDecodeError) -> str:
    message = str(e)
    at = re.search(r" \(at line (\d+), column \d+\)$", message)
    if at:
        return f"{shown}:{at.group(1)}: not TOML: {message[:at.start()]}"
    return f"{shown}: not TOML: {message}"


def _line(lines: list[str], key: str, start: int = 1) -> int:
    """The first line at or after `start` that sets `key` (or opens its table); else `start`."""
    pattern = re.compile(rf"^\s*(\[+\s*(adapter\.)?{re.escape(key)}\s*\]+|{re.escape(key)}\s*=)")
    return next((n for n in range(start, len(lines) + 1) if pattern.match(lines[n - 1])), start)


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def _build(table: Any, here: Path, shown: str, lines: list[str]) -> Build | None:
    if table is None:
        return None
    where = f"{shown}:{_line(lines, 'build')}"
    if not isinstance(table, dict):
        raise ValueError(f"{where}: `build` must be a table")
    problems = [f"unknown key(s) {', '.join(sorted(set(table) - BUILD_KEYS))}"] if set(table) - BUILD_KEYS else []
    for key in ("tools", "sources", "command"):
        value = table.get(key, [])
        if not _strings(value) or (key == "command" and not value):
            problems.append(f"`build.{key}` must be a {'non-empty ' if key == 'command' else ''}list of strings")
    timeout = table.get("timeout", 600)
    if not _number(timeout) or timeout <= 0:
        problems.append("`build.timeout` must be a number of seconds > 0")
    if problems:
        raise ValueError(f"{where}: {'; '.join(problems)}")
    return Build(here, here.name, tuple(table["command"]), tuple(table.get("sources", ())),
                 tuple(table.get("tools", ())), float(timeout))


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fields(entry: dict[str, Any], like) -> dict[str, Any]:
    """The class attributes of one [[adapter]], or Bad naming every mistake."""
    problems: list[tuple[str, str]] = []  # (key, problem)
    attrs: dict[str, Any] = {}
    for key in sorted(set(entry) - set(CHECKS) - {"lease_terms", "expectations"}):
        problems.append((key, f"unknown key `{key}` (known: {', '.join(sorted([*CHECKS, 'lease_terms', 'expectations']))})"))
    for key, (check, wants, required, convert) in CHECKS.items():
        if key not in entry:
            if required:
                problems.append((key, f"needs `{key}` ({wants})"))
            continue
        if not check(entry[key]):
            problems.append((key, f"`{key}` must be {wants}, not {entry[key]!r}"))
        else:
            attrs[key] = convert(entry[key])
    try:
        attrs["expectations"] = _expectations(entry.get("expectations"))
    except ValueError as e:
        problems.append(("expectations", str(e)))
    try:
        attrs["terms"] = _terms(entry.get("lease_terms"), like)
    except ValueError as e:
        problems.append(("lease_terms", str(e)))
    if problems:
        raise Bad([p for _, p in problems], problems[0][0])
    attrs.setdefault("summary", "")
    return attrs


def _same(value: Any) -> Any:
    return value


def _backends() -> set[str]:
    from taala.servers import BACKENDS  # the server kinds taala starts (imported only to check one)

    return set(BACKENDS)


CHECKS: dict[str, tuple[Any, str, bool, Any]] = {  # key: (check, what it must be, required, to class field)
    "name": (lambda v: isinstance(v, str) and NAME.fullmatch(v), "lowercase words joined by '-'", True, _same),
    "summary": (lambda v: isinstance(v, str) and "\n" not in v, "one line of text", False, _same),
    "command": (lambda v: _strings(v) and v, "a non-empty list of strings", True, tuple),
    "backend": (lambda v: v == "none" or v in _backends(), "a server kind (\"redis\", \"zookeeper\", ...) or \"none\"", True,
                lambda v: None if v == "none" else v),
    "nodes": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1, "an integer >= 1", False, _same),
    "server_options": (lambda v: isinstance(v, dict), "a table", False, dict),
    "fenced": (lambda v: isinstance(v, bool), "true or false", False, _same),
    "blocking": (lambda v: isinstance(v, bool), "true or false", False, _same),
    "max_wait": (lambda v: _number(v) and v >= 0, "a number of leases >= 0", False, float),
    "timing": (lambda v: isinstance(v, dict) and v and all(_number(x) and x > 0 for x in v.values()),
               "a table of durations in leases > 0", False, lambda v: {k: float(x) for k, x in v.items()}),
    "liveness": (lambda v: v is False or (_number(v) and v >= 0), "a number of leases, or false (no promise)", False,
                 lambda v: None if v is False else float(v)),
    "min_ttl": (lambda v: _number(v) and v >= 0, "a number of seconds >= 0", False, float),
    "modes": (lambda v: _strings(v), "a list of mode names", False, tuple),
    "model": (lambda v: isinstance(v, str) and v, "a model's name (`taala models`)", False, _same),
    "clients": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 2, "an integer >= 2", False, _same),
    "tier": (lambda v: v in ("quick", "full"), "\"quick\" or \"full\"", False, _same),
    "start_timeout": (lambda v: _number(v) and v > 0, "a number of seconds > 0", False, float),
}


def _expectations(table: Any) -> dict[str, Expectation]:
    if not isinstance(table, dict) or not table:
        raise ValueError("needs `[adapter.expectations]`: the verdict it expects under each fault, "
                         "e.g. pause = { safe = false, reason = \"one line\" }")
    out = {}
    for fault, e in table.items():
        if not isinstance(e, dict) or not isinstance(e.get("safe"), bool) or not isinstance(e.get("reason"), str) \
                or set(e) - {"safe", "reason", "classes"}:
            raise ValueError(f"`expectations.{fault}` must be {{ safe = true/false, reason = \"one line\" }} "
                             f"(and optionally classes = [...]), not {e!r}")
        classes = e.get("classes")
        if classes is not None and not _strings(classes):
            raise ValueError(f"`expectations.{fault}.classes` must be a list of violation classes")
        out[fault] = Expectation(e["safe"], e["reason"], tuple(classes) if classes is not None else None)
    return out


def _terms(table: Any, like) -> Any:
    """A function ttl -> LeaseTerms (or None: not declared)."""
    if table is None:
        return None
    if not isinstance(table, dict) or set(table) - TERM_KEYS:
        raise ValueError(f"`lease_terms` must be {{ like = \"adapter\" }} or numbers in leases "
                         f"({', '.join(sorted(TERM_KEYS - {'like'}))}), not {table!r}")
    wrong = [k for k in ("renews", "session_bound", "failover_extends") if k in table and not isinstance(table[k], bool)]
    if wrong:
        raise ValueError(f"`lease_terms.{wrong[0]}` must be true or false")
    if "like" in table:
        other = like(table["like"]) if isinstance(table["like"], str) and len(table) == 1 else None
        if other is None:
            raise ValueError(f"`lease_terms.like` must name a registered adapter, alone; "
                             f"{table.get('like')!r} is none")
        return other.lease_terms

    def terms(ttl: float) -> LeaseTerms:
        scaled = {k: (table[k] * ttl if _number(table.get(k)) else None) for k in ("shortest", "longest", "renew_every")}
        return LeaseTerms(scaled["shortest"], scaled["longest"], renews=table.get("renews", False),
                          renew_every=scaled["renew_every"], session_bound=table.get("session_bound", True),
                          failover_extends=table.get("failover_extends", True))

    try:
        terms(1.0)
    except (TypeError, ValueError) as e:
        raise ValueError(f"`lease_terms` {e}") from None
    return terms
