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

Every adapter's declarations are checked as it is loaded (`Adapter.problems`): one that
fails is left out of `available()`, and `broken()` says why in one line naming its file.

Only the command line may name an adapter by import path (`taala vet mypkg.my_lock:MyLock`,
for an adapter under development): a name read from a file (a reproducer, shared between
teams and attached to bug reports) must be a registered one, so reading a file never
imports a module it names (`get(name, import_path=False)`).
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points

from taala.adapter import Adapter


def scan() -> tuple[dict[str, type[Adapter]], dict[str, str]]:
    """The registered adapters whose declarations hold, by name (the built-ins, then any
    registered by installed packages), and one line per adapter that is broken, by its name
    (a module that does not import: by its file)."""
    found: dict[str, type[Adapter]] = {}
    broken: dict[str, str] = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            _scan_module(info.name, found, broken)
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
