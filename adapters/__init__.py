"""The lock implementations taala vets, and the registry that finds yours.

Every public module in this package defines one `taala.adapter.Adapter` subclass (modules
starting with `_` are shared helpers). Adapters in other packages are found through the
`taala.adapters` entry-point group, e.g. in your pyproject.toml:

    [project.entry-points."taala.adapters"]
    my-lock = "mypkg.my_lock:MyLock"
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points

from taala.adapter import Adapter


def available() -> dict[str, type[Adapter]]:
    """All adapters by name: the built-ins, then any registered by installed packages."""
    found: dict[str, type[Adapter]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Adapter) and obj.__module__ == module.__name__ and obj.name:
                found[obj.name] = obj
    for ep in entry_points(group="taala.adapters"):
        cls = ep.load()
        found[getattr(cls, "name", "") or ep.name] = cls
    return dict(sorted(found.items()))


def get(name: str) -> type[Adapter]:
    adapters = available()
    if name not in adapters:
        raise ValueError(f"unknown adapter {name!r}; available: {', '.join(adapters)}")
    return adapters[name]
