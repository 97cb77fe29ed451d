"""The lock implementations taala vets, and the registry that finds yours.

Every public module in this package holds one adapter family: the `taala.adapter.Adapter`
subclasses whose names start with the module's name, `_` read as `-` (`tooz.py` holds the
`tooz-*` adapters, `zookeeper_semaphore.py` `zookeeper-semaphore`; `zookeeper-semaphore-2`
has a file of its own, and a name belongs to the longest such file name). Modules starting
with `_` are shared helpers. The `seed-*` adapters port the locks of "the talk", a
podcast episode on distributed locks at Indian fintechs whose code started taala
(docs/talk.md lists its patterns, M1 to M14, which their docstrings cite); the others wrap
lock libraries and servers as they are used. Adapters in other packages are found through the
`taala.adapters` entry-point group, e.g. in your pyproject.toml:

    [project.entry-points."taala.adapters"]
    my-lock = "mypkg.my_lock:MyLock"

A directory here holding a `taala-adapter.toml` holds process adapters: lock clients in any
language, spoken to over stdin/stdout (`taala.process_adapter`, docs/process-adapters.md),
one per `[[adapter]]`, named after the directory the same way (`seed_redis_process/` holds
`seed-redis-process`).

Every adapter's declarations are checked as it is loaded (`Adapter.problems`): one that
fails is left out of `available()`, and `broken()` says why in one line naming its file.

Only the command line may name an adapter by import path (`taala vet mypkg.my_lock:MyLock`,
for an adapter under development) or by file (`taala vet path/to/taala-adapter.toml[:name]`): a name read from a file (a reproducer, shared between
teams and attached to bug reports) must be a registered one, so reading a file never
imports a module or starts a program it names (`get(name, import_path=False)`).
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points
from pathlib import Path

from taala.adapter import Adapter
from taala.process_adapter import load as load_toml

TOML = "taala-adapter.toml"


def scan() -> tuple[dict[str, type[Adapter]], dict[str, str]]:
    """The registered adapters whose declarations hold, by name (the built-ins, then any
    registered by installed packages), and one line per adapter that is broken, by its name
    (a module that does not import: by its file)."""
    found: dict[str, type[Adapter]] = {}
    broken: dict[str, str] = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            _scan_module(info.name, found, broken)
    for folder in __path__:
        for toml in sorted(Path(folder).glob(f"*/{TOML}")):
            _scan_toml(toml, f"adapters/{toml.parent.name}/{TOML}", found, broken)
    for ep in entry_points(group="taala.adapters"):
        _scan_entry_point(ep, found, broken)
    return dict(sorted(found.items())), broken


def available() -> dict[str, type[Adapter]]:
    """All adapters by name: the built-ins, then any registered by installed packages (those
    whose declarations are wrong are left out: see `broken`)."""
    return scan()[0]


def broken() -> dict[str, str]:
    """Why each registered adapter that is left out of `available()` is broken, one line each."""
    return scan()[1]


def _scan_module(name: str, found: dict[str, type[Adapter]], broken: dict[str, str]) -> None:
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except Exception as e:  # a built-in that does not import must not take the registry down
        broken[f"adapters/{name}.py"] = _unimportable(f"adapters/{name}.py", e)
        return
    for obj in vars(module).values():
        if isinstance(obj, type) and issubclass(obj, Adapter) and obj.__module__ == module.__name__ and obj.name:
            _register(obj, found, broken)


def _scan_toml(path: Path, shown: str, found: dict[str, type[Adapter]], broken: dict[str, str]) -> None:
    """The process adapters of one TOML; `lease_terms = { like = ... }` may name any adapter
    found so far (the Python ones are scanned first)."""
    try:
        classes, bad = load_toml(path, shown=shown, like=found.get)
    except ValueError as e:  # the file itself: one line, the rest of the registry stands
        broken[shown] = str(e)
        return
    broken.update(bad)
    for cls in classes:
        if cls.name in found:  # listed by its file: the adapter that has the name stays usable
            broken[shown] = f"adapter {cls.name!r} ({cls.source_file()}): the name is taken by {found[cls.name].defined_at()}"
        else:
            _register(cls, found, broken)


def _scan_entry_point(ep, found: dict[str, type[Adapter]], broken: dict[str, str]) -> None:
    where = f"entry point {ep.name} = {ep.value}"
    try:
        cls = ep.load()
    except Exception as e:  # an installed package's mistake: say so, list the rest
        broken[ep.name] = _unimportable(where, e, adapter=ep.name)
        return
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        broken[ep.name] = f"adapter {ep.name!r} ({where}): not a taala Adapter subclass"
    elif isinstance(cls.name, str) and cls.name and cls.name != ep.name:
        broken[ep.name] = (f"adapter {ep.name!r} ({where}): the class is named {cls.name!r}; "
                           f"the entry point and the class's `name` must agree")
    else:
        _register(cls, found, broken, ep.name)


def _register(cls: type[Adapter], found: dict[str, type[Adapter]], broken: dict[str, str],
              registered_as: str | None = None) -> None:
    error = cls.declaration_error()
    if error is None:
        found[cls.name] = cls
    else:
        broken[registered_as or cls.name] = error


def _unimportable(where: str, e: BaseException, adapter: str | None = None) -> str:
    first = str(e).strip().splitlines()[0] if str(e).strip() else ""
    named = f"adapter {adapter!r} ({where})" if adapter else where
    return f"{named}: cannot import: {type(e).__name__}{': ' + first if first else ''}"


def get(name: str, *, import_path: bool = True) -> type[Adapter]:
    """An adapter by registered name, or by import path `package.module:ClassName` (an
    adapter under development needs no entry point to be vetted).

    A name read from a file must be looked up with `import_path=False`: then an import path
    is refused before anything is imported. ValueError, in one line, when the name is
    unknown, the adapter is broken, or the import path is refused or does not load."""
    if _toml_spec(name) is not None:
        if not import_path:
            raise ValueError(f"adapter {name!r} is a file path; only registered adapters (`taala adapters`) "
                             f"are accepted here")
        return _by_file(*_toml_spec(name))
    if ":" in name:
        if not import_path:
            raise ValueError(f"adapter {name!r} is an import path; only registered adapters (`taala adapters`) "
                             f"are accepted here")
        return _by_path(name)
    adapters, bad = scan()
    if name in bad:
        raise ValueError(bad[name])
    if name not in adapters:
        hint = " (or give module:Class)" if import_path else ""
        raise ValueError(f"unknown adapter {name!r}; available: {', '.join(adapters)}{hint}")
    return adapters[name]


def _toml_spec(spec: str) -> tuple[str, str | None] | None:
    """`path/taala-adapter.toml` or `path/taala-adapter.toml:name` as (path, name); else None."""
    if spec.endswith(".toml"):
        return spec, None
    path, _, name = spec.rpartition(":")
    return (path, name) if path.endswith(".toml") else None


def _by_file(path: str, name: str | None) -> type[Adapter]:
    """An adapter of a TOML the command line names (the one it declares, or `name`)."""
    try:
        classes, bad = load_toml(path, like=lambda n: available().get(n))
    except ValueError as e:
        raise ValueError(str(e)) from None
    names = [c.name for c in classes] + list(bad)
    if name is None and len(names) != 1:
        raise ValueError(f"{path} declares {len(names)} adapters ({', '.join(names) or 'none'}): give {path}:NAME")
    name = name if name is not None else names[0]
    if name in bad:
        raise ValueError(bad[name])
    chosen = next((c for c in classes if c.name == name), None)
    if chosen is None:
        raise ValueError(f"{path} declares no adapter {name!r} (it declares {', '.join(names)})")
    error = chosen.declaration_error()
    if error is not None:
        raise ValueError(error)
    return chosen


def _by_path(spec: str) -> type[Adapter]:
    module_name, _, class_name = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as e:  # an adapter module that does not even import is bad input
        raise ValueError(f"cannot import {module_name!r} for adapter {spec!r}: {type(e).__name__}: {e}") from None
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise ValueError(f"{spec!r} is not a taala Adapter subclass")
    error = cls.declaration_error()
    if error is not None:
        raise ValueError(error)
    return cls
