"""No import circle runs through the adapter side of taala: the adapter protocol, the fault
registry, the Redis client, the target files, the registry and the adapters themselves,
and the `vet`/`replay`/`adapters` commands. Every import counts, those inside functions
too: a circle broken by a late import is still a circle a reader must hold in mind.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"taala": ROOT / "verifier", "taala.adapters": ROOT / "adapters", "taala.models": ROOT / "models"}
ADAPTER_SIDE = ("taala.adapter", "taala.faults", "taala.redis_connect", "taala.target", "taala.adapters",
                "taala.cli.vet", "taala.cli.replay", "taala.cli.adapters", "taala.cli.vetting")


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join([package, *parts])
            if name.split(".")[:3] == ["taala", "adapters", "adapters"] or "templates" in parts:
                continue
            found.setdefault(name, path)
    return found


def _public_names() -> dict[str, str]:
    """`from taala import NAME` loads NAME's module through the lazy table in taala/__init__.py."""
    tree = ast.parse((ROOT / "verifier" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_EXPORTS":
            return {k: v[0] for k, v in ast.literal_eval(node.value).items()}
    return {}


def _imports(name: str, path: Path, known: dict[str, Path], public: dict[str, str]) -> set[str]:
    """Every taala module `name` imports, at any depth of its code."""
    out = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:  # `from P import n`: the module P.n, else P's own attribute n
                if f"{base}.{alias.name}" in known or _extension(f"{base}.{alias.name}"):
                    out.add(f"{base}.{alias.name}")
                elif base == "taala" and alias.name in public:
                    out.add(public[alias.name])
                else:
                    out.add(base)
    return {m for m in out if m in known and m != name}


def _extension(name: str) -> bool:
    """A compiled module of taala's (`taala._wgl`): its C source sits beside the Python."""
    package, _, stem = name.rpartition(".")
    return package in PACKAGES and (PACKAGES[package] / f"{stem}.c").exists()


def _circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circle_runs_through_the_adapter_side():
    known = _modules()
    public = _public_names()
    graph = {name: _imports(name, path, known, public) for name, path in known.items()}
    assert graph["taala.adapter"] >= {"taala.faults"}  # the walk does see imports
    touching = [sorted(c) for c in _circles(graph)
                if any(m == side or m.startswith(side + ".") for m in c for side in ADAPTER_SIDE)]
    assert touching == []


def test_the_fault_registry_imports_nothing_of_taala():
    known = _modules()
    assert _imports("taala.faults", known["taala.faults"], known, _public_names()) == set()
