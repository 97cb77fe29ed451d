"""The README and docs/: every reference points at something in the repository.

A reference is a relative Markdown link or image (`[vetting](docs/vetting.md#faults)`,
resolved from the page's own folder, its `#anchor` checked against the target's headings),
or a path written in code, inline or in a fenced block (`verifier/faults.py`,
`python benchmarks/bench_checker.py`), read from the repository's root.

Which code words are paths: those whose first segment is a top-level entry of this
repository (`verifier`, `docs`, `scripts`, `README.md`, ...). That is the rule that tells
our paths from a user's own: `mypkg/my_lock.py`, `redis-target.toml`, `machine-a/store`
and `store/seed-redis/.../reproducer.json` (a run's output: `store/` is ignored by git) are
examples and are not checked. A placeholder (`store/<adapter>/<time>/`, `adapters/*.py`,
`adapters/…`) is checked up to the folder before it.

The findings table in docs/findings.md is generated: it must be exactly what
`scripts/findings` makes from docs/findings.jsonl. And docs/talk.md and docs/adapters.md
name the adapters and workloads that exist, and every one of them.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
import subprocess
import sys
from bisect import bisect_right
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.S)
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
PATH_WORD = re.compile(r"[\w.\-/…*<>{}]+")
PLACEHOLDER = re.compile(r"\.\.\.|[…*<>{}]")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def top_level() -> set[str]:
    """The repository's top-level entries, less what git ignores (a local `store/`) and
    hidden ones."""
    ignored = []
    gitignore = ROOT / ".gitignore"
    if gitignore.exists():
        for line in gitignore.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                ignored.append(line.strip("/"))
    return {p.name for p in ROOT.iterdir()
            if not p.name.startswith(".") and not any(fnmatch.fnmatch(p.name, pat) for pat in ignored)}


TOP = top_level()


def split_fences(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(prose lines, fenced lines), each as (line number, line)."""
    prose, fenced, fence = [], [], None
    for n, line in enumerate(text.splitlines(), 1):
        opening = FENCE.match(line)
        if opening and (fence is None or opening.group(1) == fence):
            fence = opening.group(1) if fence is None else None
            continue
        (prose if fence is None else fenced).append((n, line))
    return prose, fenced


def joined(lines: list[tuple[int, str]]) -> tuple[str, Callable[[int], int]]:
    """The lines as one text, and a function from an offset in it to its line number."""
    starts, numbers, parts, offset = [], [], [], 0
    for n, line in lines:
        starts.append(offset)
        numbers.append(n)
        parts.append(line + "\n")
        offset += len(line) + 1
    return "".join(parts), lambda pos: numbers[bisect_right(starts, pos) - 1]


def code_paths(code: str) -> list[str]:
    """The repository paths in a piece of code."""
    found = []
    for word in PATH_WORD.findall(code):
        cut = PLACEHOLDER.search(word)
        if cut:
            word = word[:cut.start()]
            word = word[:word.rfind("/") + 1] if "/" in word else ""
        word = word.rstrip(".-")
        if not word or word.startswith("/"):
            continue
        if word.split("/")[0] in TOP:
            found.append(word)
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    heading = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> Iterator[str]:
    seen: dict[str, int] = {}
    prose, _ = split_fences(text)
    for _, line in prose:
        match = HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            yield base if count == 0 else f"{base}-{count}"


def references(page: Path, text: str) -> list[tuple[int, str, Path, str | None]]:
    """Every reference in a page: (line, as written, the path it names, its anchor or None)."""
    refs = []
    prose, fenced = split_fences(text)
    for n, line in fenced:
        refs += [(n, word, ROOT / word, None) for word in code_paths(line)]
    text, line_of = joined(prose)
    for span in CODE_SPAN.finditer(text):
        refs += [(line_of(span.start()), word, ROOT / word, None) for word in code_paths(span.group(2))]
    text = CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for link in LINK.finditer(text):
        target = link.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        refs.append((line_of(link.start()), target, page.parent / path if path else page, anchor or None))
    return refs


def broken(page: Path, text: str | None = None) -> list[str]:
    """What is wrong with a page's references, one line each: "docs/x.md:12: ... does not exist"."""
    text = page.read_text() if text is None else text
    problems = []
    for line, written, path, anchor in references(page, text):
        where = f"{page.relative_to(ROOT)}:{line}"
        try:
            path.resolve().relative_to(ROOT)
        except ValueError:
            problems.append(f"{where}: {written} points outside the repository")
            continue
        if path == page:
            if anchor is not None and anchor not in set(anchors(text)):
                problems.append(f"{where}: {written}: no heading {written} on this page")
        elif not path.exists():
            problems.append(f"{where}: {written} does not exist")
        elif anchor is not None and path.suffix == ".md" and anchor not in set(anchors(path.read_text())):
            problems.append(f"{where}: {written}: no heading #{anchor} in {path.relative_to(ROOT)}")
    return problems


@pytest.mark.parametrize("page", DOCS, ids=[str(p.relative_to(ROOT)) for p in DOCS])
def test_every_reference_points_at_something_in_the_repository(page):
    problems = broken(page)
    assert not problems, "\n".join(problems)


def test_the_reference_rule():
    """The rule itself, on a page that is not written anywhere: our paths are checked, a
    user's are not."""
    page = ROOT / "docs" / "__rule__.md"
    text = "\n".join([
        "See `verifier/faults.py` and [vetting](vetting.md#faults), [top](#a-title).",
        "# A title",
        "`mypkg/my_lock.py`, `redis-target.toml`, `store/<adapter>/<time>/`, `adapters/*.py`, `adapters/…`",
        "`taala vet mypkg.my_lock:MyLock`, `unix:///var/run/docker.sock`, [Jepsen](https://jepsen.io)",
        "```",
        "python benchmarks/no_such_bench.py   # checked: benchmarks/ is ours",
        "taala.load(\"histories/nope.edn\")",
        "```",
        "[gone](no-such-page.md), [bad anchor](vetting.md#no-such-heading), `docs/nope.md`,",
        "`scripts/findings\nscripts/nope` [here](#no-title)",
    ])
    assert broken(page, text) == [
        "docs/__rule__.md:6: benchmarks/no_such_bench.py does not exist",
        "docs/__rule__.md:7: histories/nope.edn does not exist",
        "docs/__rule__.md:9: docs/nope.md does not exist",
        "docs/__rule__.md:10: scripts/nope does not exist",
        "docs/__rule__.md:9: no-such-page.md does not exist",
        "docs/__rule__.md:9: vetting.md#no-such-heading: no heading #no-such-heading in docs/vetting.md",
        "docs/__rule__.md:11: #no-title: no heading #no-title on this page",
    ]


def test_the_findings_table_is_generated_from_findings_jsonl():
    """docs/findings.md's table is `scripts/findings docs/findings.jsonl`, byte for byte."""
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "findings"), str(ROOT / "docs" / "findings.jsonl")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    page = (ROOT / "docs" / "findings.md").read_text()
    table = re.search(r"<!-- findings:start -->\n(.*?)\n<!-- findings:end -->", page, re.S)
    assert table, "docs/findings.md has no findings:start ... findings:end markers"
    assert table.group(1) == done.stdout.rstrip("\n"), \
        "regenerate it: scripts/findings docs/findings.jsonl --into docs/findings.md"


@functools.cache
def registered(what: str) -> frozenset[str]:
    """The names `taala adapters --json` or `taala workloads --json` lists."""
    done = subprocess.run([sys.executable, "-m", "taala", what, "--json"],
                          capture_output=True, text=True, timeout=120, check=True)
    return frozenset(json.loads(done.stdout))


def backticked_names(text: str) -> set[str]:
    return set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)*)`", text))


def test_the_adapter_table_names_every_adapter_and_only_those():
    adapters = registered("adapters")
    page = (ROOT / "docs" / "adapters.md").read_text()
    table = page[page.index("| adapter | what it is |"):]
    table = table[:table.index("\n\n")]
    rows = {name for row in table.splitlines()[2:] for name in backticked_names(row.split("|")[1])}
    assert rows == adapters, f"missing: {sorted(adapters - rows)}; not adapters: {sorted(rows - adapters)}"


def test_the_talk_names_real_adapters_and_workloads_and_every_seed_port():
    adapters, workloads = registered("adapters"), registered("workloads")
    page = (ROOT / "docs" / "talk.md").read_text()
    rows = [row for row in page.splitlines() if re.match(r"\| M\d+ \|", row)]
    assert [row.split("|")[1].strip() for row in rows] == [f"M{i}" for i in range(1, 15)]
    vetted_by = set().union(*(backticked_names(row.split("|")[6]) for row in rows))
    from taala.faults import REGISTRY  # a row may name the fault that reaches a flaw

    assert vetted_by - adapters - workloads - set(REGISTRY) == set()
    assert {a for a in adapters if a.startswith("seed-")} <= vetted_by
