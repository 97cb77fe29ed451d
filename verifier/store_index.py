"""One index page over the runs of one or several stores (`taala index STORE... --out FILE`).

Campaigns split over machines each leave a `store/` behind (`store/<adapter>/<time>/` with
`reproducer.json`, `report.html`, ...). Copy them side by side and index them together:
one row per stored run, newest first, with the adapter, the workload, the faults, the
minimal schedule's size, the violation in one sentence, and links to its report and
reproducer, relative to the page, so the folder can be moved or served as it is.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>taala runs</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #ddd; vertical-align: top; }
th { background: #f4f4f4; } .bad { color: #b00020; font-weight: 600; } .muted { color: #777; }
</style></head><body>
<h1>taala runs</h1>
<p class="muted">{{ rows|length }} stored run(s) from {{ stores|length }} store(s): {{ stores|join(", ") }}</p>
<table><thead><tr><th>when</th><th>store</th><th>adapter</th><th>workload</th><th>faults</th>
<th>minimal schedule</th><th>what went wrong</th><th>files</th></tr></thead><tbody>
{% for r in rows %}<tr><td>{{ r.when }}</td><td>{{ r.store }}</td><td>{{ r.adapter }}</td><td>{{ r.workload }}</td>
<td>{{ r.faults }}</td><td>{{ r.steps }} step(s)</td><td class="bad">{{ r.explanation }}</td>
<td>{% for name, href in r.links %}<a href="{{ href }}">{{ name }}</a> {% endfor %}</td></tr>
{% endfor %}</tbody></table></body></html>
"""


@dataclass(frozen=True)
class Row:
    when: str
    store: str
    adapter: str
    workload: str
    faults: str
    steps: int
    explanation: str
    links: tuple[tuple[str, str], ...]


def rows(stores: list[Path], page_dir: Path) -> tuple[list[Row], list[str]]:
    """Every stored run of `stores`, newest first; and the problems met (one line each)."""
    out, problems = [], []
    for store in stores:
        for reproducer in sorted(Path(store).glob("*/*/reproducer.json")):
            run = reproducer.parent
            if run.is_symlink() or run.name == "latest":
                continue
            try:
                data = json.loads(reproducer.read_text())
            except (OSError, ValueError) as e:
                problems.append(f"{reproducer}: skipped, not readable JSON ({e})")
                continue
            links = tuple((name, os.path.relpath(run.resolve() / name, page_dir))
                          for name in ("report.html", "damage.html", "reproducer.json", "history.jsonl")
                          if (run / name).exists())
            out.append(Row(run.name, Path(store).name, str(data.get("adapter", "?")),
                           str(data.get("workload", "counter")), ", ".join(data.get("faults", [])),
                           len(data.get("schedule", [])), str(data.get("explanation") or ""), links))
    out.sort(key=lambda r: r.when, reverse=True)
    return out, problems


def write_index(stores: list[str | Path], out: str | Path) -> tuple[Path, int, list[str]]:
    """Write the page; return its path, how many runs it lists, and the problems met."""
    import jinja2  # only when a page is wanted

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    found, problems = rows([Path(s) for s in stores], out.parent.resolve())
    page = jinja2.Environment(autoescape=True).from_string(_PAGE)
    out.write_text(page.render(rows=found, stores=[str(s) for s in stores]), encoding="utf-8")
    return out, len(found), problems
