"""Human-readable rendering of check results for the terminal.

Kept apart from the commands so `check` and `show` print verdicts the same way. Every piece
of user text (file names, keys, values, process names) goes through `clean` first.
"""

from __future__ import annotations

from taala.checker.result import UNKNOWN, CheckResult, Counterexample
from taala.cli.term import Out, clean

__all__ = ["clean", "render_result", "render_counterexample", "render_summary", "VERDICT_STYLE"]

VERDICT_STYLE = {True: ("valid", "bold green"), False: ("INVALID", "bold red"), UNKNOWN: ("unknown", "bold yellow")}


def verdict_text(out: Out, valid) -> str:
    word, style = VERDICT_STYLE[valid]
    return out.style(word, style)


def render_result(out: Out, result: CheckResult, *, details: bool = True) -> None:
    out.print(out.style(clean(f"{result.source}: "), "bold"), verdict_text(out, result.valid),
              clean(f"  model {result.model}, {result.ops} ops, {result.partitions} partition(s), "
                    f"{result.nemesis_events} nemesis event(s), {result.elapsed_s:.3f} s"))
    checks = ", ".join(f"{name} {VERDICT_STYLE[c.valid][0]}" for name, c in result.checks.items())
    out.print(clean(f"  checks: {checks}"))
    lin = result.checks.get("linearizability")
    if lin is not None and lin.valid == UNKNOWN:
        cause = lin.details.get("cause", "")
        hint = "out of memory (split the history by key, or give it more memory)" if "memory" in cause else "raise --time-limit to search longer"
        out.print(clean(f"  linearizability undecided in {lin.details.get('unknown_partitions')} partition(s): {hint}"))
    ce = result.counterexample
    if ce is not None and details:
        render_counterexample(out, ce)
        others = [c.counterexample for c in result.checks.values() if c.counterexample not in (None, ce)]
        for other in others:
            out.print(out.style(f"  also ({other.check}): ", "bold"), clean(other.explanation))


def render_counterexample(out: Out, ce: Counterexample) -> None:
    out.print(out.style(f"  why ({ce.check}): ", "bold"), clean(ce.explanation))
    if ce.prefix_end is not None:
        out.print(f"  shortest invalid prefix ends at event index {ce.prefix_end}")
    rows = []
    for op in ce.ops[:20]:
        done = "-" if op.completion is None else str(op.completion.index)
        rows.append([clean(cell) for cell in (op.index, op.process, op.f, _short(op.key), _short(op.value), op.status, done)])
    out.table("operations involved", ["index", "process", "f", "key", "value", "status", "completed at"], rows)
    if len(ce.ops) > 20:
        out.print(f"  ... and {len(ce.ops) - 20} more")
    for path in ce.partial_linearizations[:1]:
        steps = " -> ".join(f"p{op.process} {op.f}{'' if op.value is None else ' ' + _short(op.value)} [{state}]" for op, state in path[-8:])
        prefix = "... -> " if len(path) > 8 else ""
        out.print(out.style("  longest partial linearization: ", "bold"), clean(prefix + (steps or "(empty)")))


def _short(value, limit: int = 40) -> str:
    text = "" if value is None else repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_summary(out: Out, summary: dict) -> None:
    """`taala show`'s overview of a history (see `taala.cli.show.summarize`)."""
    out.print(out.style(clean(summary["file"]), "bold"),
              clean(f"  {summary['events']} events, {summary['ops']} ops, {summary['processes']} process(es), spanning {summary['span']}"))
    outcomes = ("ok", "fail", "info", "pending")
    out.table("operations by outcome", ["f", *outcomes],
              [[clean(f), *(str(counts.get(o, 0)) for o in outcomes)] for f, counts in summary["counts"].items()],
              right=outcomes)
    more = "" if not summary["more_keys"] else f", and {summary['more_keys']} more"
    numeric = ("ops", *outcomes, "processes")
    out.table(f"keys (partitions), busiest first{more}", ["key", *numeric],
              [[clean("(none)" if k["key"] is None else k["key"]), *(str(k.get(c, 0)) for c in numeric)] for k in summary["keys"]],
              right=numeric)
    if not summary["faults"]:
        out.print(out.style("no nemesis faults", "dim"))
        return
    out.table("nemesis faults", ["fault", "from", "to", "clients"],
              [[clean(f["fault"]), clean(f["from"]), clean(f["to"]), clean(", ".join(f["targets"]) or "all")] for f in summary["faults"]])
