"""Human-readable rendering of check results for the terminal (rich).

Kept apart from the commands so `check`, `show` and later `vet` print verdicts the same way.
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.table import Table
from rich.text import Text
from taala.result import UNKNOWN, CheckResult, Counterexample

# What a history may hold but a terminal must never receive raw: C0 and C1 controls (ESC
# starts sequences that retitle the window, clear the screen or rewrite what was printed;
# U+009B is a one-byte CSI), DEL, line/paragraph separators and the bidirectional overrides
# that make text read differently from what it is.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean(text: object) -> str:
    """`text` as one printable line: every control character shown as an escape (`\\x1b`)."""
    s = text if isinstance(text, str) else str(text)
    return _CONTROL.sub(_escape, s) if _CONTROL.search(s) else s


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def plain(text: object, style: str = "") -> Text:
    """User-supplied text for rich: escaped controls, and never read as [markup]."""
    return Text(clean(text), style=style)


VERDICT_STYLE = {True: ("valid", "bold green"), False: ("INVALID", "bold red"), UNKNOWN: ("unknown", "bold yellow")}


def verdict_text(valid) -> Text:
    word, style = VERDICT_STYLE[valid]
    return Text(word, style=style)


def render_result(console: Console, result: CheckResult, *, details: bool = True) -> None:
    line = Text.assemble(
        (clean(f"{result.source}: "), "bold"),
        verdict_text(result.valid),
        clean(f"  model {result.model}, {result.ops} ops, {result.partitions} partition(s), "
              f"{result.nemesis_events} nemesis event(s), {result.elapsed_s:.3f} s"),
    )
    console.print(line)
    checks = ", ".join(f"{name} {VERDICT_STYLE[c.valid][0]}" for name, c in result.checks.items())
    console.print(plain(f"  checks: {checks}"))
    lin = result.checks.get("linearizability")
    if lin is not None and lin.valid == UNKNOWN:
        cause = lin.details.get("cause", "")
        hint = "out of memory (split the history by key, or give it more memory)" if "memory" in cause else "raise --time-limit to search longer"
        console.print(f"  linearizability undecided in {lin.details.get('unknown_partitions')} partition(s): {hint}", highlight=False)
    ce = result.counterexample
    if ce is not None and details:
        render_counterexample(console, ce)
        others = [c.counterexample for c in result.checks.values() if c.counterexample not in (None, ce)]
        for other in others:
            console.print(Text(f"  also ({other.check}): ", style="bold") + plain(other.explanation))


def render_counterexample(console: Console, ce: Counterexample) -> None:
    console.print(Text(f"  why ({ce.check}): ", style="bold") + plain(ce.explanation))
    if ce.prefix_end is not None:
        console.print(f"  shortest invalid prefix ends at event index {ce.prefix_end}", highlight=False)
    table = Table(title="operations involved", title_justify="left", show_edge=False, pad_edge=False)
    for col in ("index", "process", "f", "key", "value", "status", "completed at"):
        table.add_column(col)
    for op in ce.ops[:20]:
        done = "-" if op.completion is None else str(op.completion.index)
        table.add_row(*(plain(cell) for cell in (op.index, op.process, op.f, _short(op.key), _short(op.value), op.status, done)))
    console.print(table)
    if len(ce.ops) > 20:
        console.print(f"  ... and {len(ce.ops) - 20} more", highlight=False)
    for path in ce.partial_linearizations[:1]:
        steps = " -> ".join(f"p{op.process} {op.f}{'' if op.value is None else ' ' + _short(op.value)} [{state}]" for op, state in path[-8:])
        prefix = "... -> " if len(path) > 8 else ""
        console.print(Text("  longest partial linearization: ", style="bold") + plain(prefix + (steps or "(empty)")))


def _short(value, limit: int = 40) -> str:
    text = "" if value is None else repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_summary(console: Console, summary: dict) -> None:
    """`taala show`'s overview of a history (see `taala.cli.show.summarize`)."""
    console.print(Text.assemble(
        (clean(summary["file"]), "bold"),
        clean(f"  {summary['events']} events, {summary['ops']} ops, {summary['processes']} process(es), spanning {summary['span']}"),
    ))
    outcomes = ("ok", "fail", "info", "pending")
    table = Table(title="operations by outcome", title_justify="left", show_edge=False, pad_edge=False)
    for col, style in zip(("f",) + outcomes, ("bold", "green", "red", "yellow", "dim")):
        table.add_column(col, style=style, justify="left" if col == "f" else "right")
    for f, counts in summary["counts"].items():
        table.add_row(plain(f), *(str(counts.get(o, 0)) for o in outcomes))
    console.print(table)
    keys = Table(title=f"keys (partitions), busiest first{'' if not summary['more_keys'] else ', and ' + str(summary['more_keys']) + ' more'}",
                 title_justify="left", show_edge=False, pad_edge=False)
    for col in ("key", "ops", "ok", "fail", "info", "pending", "processes"):
        keys.add_column(col, justify="left" if col == "key" else "right")
    for k in summary["keys"]:
        keys.add_row(plain("(none)" if k["key"] is None else k["key"]), *(str(k.get(c, 0)) for c in ("ops",) + outcomes + ("processes",)))
    console.print(keys)
    if not summary["faults"]:
        console.print("no nemesis faults", style="dim")
        return
    faults = Table(title="nemesis faults", title_justify="left", show_edge=False, pad_edge=False)
    for col in ("fault", "from", "to", "clients"):
        faults.add_column(col)
    for f in summary["faults"]:
        faults.add_row(plain(f["fault"]), plain(f["from"]), plain(f["to"]), plain(", ".join(f["targets"]) or "all"))
    console.print(faults)
