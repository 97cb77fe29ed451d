"""The house rules that keep the code readable, checked on the source itself.

- No import cycle of any kind between taala's modules: every `import` counts, at the top
  of a module or inside a function (an import moved into a function to break a cycle
  only hides it), and so do the names a package's lazy `__getattr__` imports (its
  `_EXPORTS` table).
- No function longer than 80 lines, except the checker's search loop (`wgl.search`: one
  loop over the dancing links whose state is local variables for speed; split into
  functions it would pay a call per step, and the C twin mirrors it line by line).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"taala": ROOT / "verifier", "taala.models": ROOT / "models", "taala.adapters": ROOT / "adapters"}
MAX_FUNCTION_LINES = 80
LONG_ON_PURPOSE = {"wgl.search"}


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            found[".".join([package, *parts])] = path
    for path in PACKAGES["taala"].glob("_*.c"):  # the compiled twins (taala._wgl): they import nothing of ours
        found[f"taala.{path.stem}"] = path
    return found


MODULES = _modules()


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _target(name: str) -> str | None:
    """The taala module an import names (the longest prefix that is one of ours)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(name: str, path: Path) -> set[str]:
    if path.suffix == ".c":
        return set()
    tree = ast.parse(path.read_text(), str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {t for a in node.names if (t := _target(a.name))}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package
                package = _package_of(name, path).split(".")
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                t = _target(f"{base}.{alias.name}") or _target(base)
                if t:
                    out.add(t)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets):
            out |= _lazy_exports(name, node.value)
    out.discard(name)
    return out


def _lazy_exports(name: str, table: ast.expr) -> set[str]:
    """Modules named in a lazy `_EXPORTS` table: ("taala.x", "attr") tuples or bare submodule names."""
    out = set()
    for value in table.values if isinstance(table, ast.Dict) else []:
        if isinstance(value, ast.Tuple) and isinstance(value.elts[0], ast.Constant):
            module = value.elts[0].value
        elif isinstance(value, ast.Constant):
            module = f"{name}.{value.value}"
        else:
            continue
        if _target(module):
            out.add(_target(module))
    return out


def test_no_import_cycles():
    graph = nx.DiGraph()
    for name, path in MODULES.items():
        graph.add_node(name)
        graph.add_edges_from((name, t) for t in _imports(name, path))
    cycles = [c for c in nx.simple_cycles(graph) if len(c) > 1]
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c + c[:1]) for c in sorted(cycles, key=len)[:10])


def test_the_cycle_check_sees_imports_inside_functions(tmp_path):
    """The walker must count a function-level import (else it would pass a hidden circle)."""
    path = tmp_path / "m.py"
    path.write_text("def f():\n    from taala.history import History\n    return History\n")
    assert _imports("taala.someone", path) == {"taala.history"}


def _functions(path: Path):
    if path.suffix != ".py":
        return
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.end_lineno - node.lineno + 1, node.lineno


@pytest.mark.parametrize("package", ["taala"])
def test_no_function_is_longer_than_80_lines(package):
    long = []
    for name, path in MODULES.items():
        if not name.startswith(package + ".") and name != package:
            continue
        for function, lines, line in _functions(path):
            if lines > MAX_FUNCTION_LINES and f"{name.rpartition('.')[2]}.{function}" not in LONG_ON_PURPOSE:
                long.append(f"{path.relative_to(ROOT)}:{line} {function}() is {lines} lines")
    assert not long, "\n".join(long)

