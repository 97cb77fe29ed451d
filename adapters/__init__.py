"""The lock implementations taala vets, and the registry that finds yours.

Every public module in this package holds one adapter family: the `taala.adapter.Adapter`
subclasses whose names start with the module's name, `_` read as `-` (`tooz.py` holds the
`tooz-*` adapters, `zookeeper_semaphore.py` `zookeeper-semaphore`; `zookeeper-semaphore-2`
has a file of its own, and a name belongs to the longest such file name). Modules starting
with `_` are shared helpers. Adapters in other packages are found through the
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
    """An adapter by registered name, or by import path `package.module:ClassName` (an
    adapter under development needs no entry point to be vetted)."""
    if ":" in name:
        return _by_path(name)
    adapters = available()
    if name not in adapters:
        raise ValueError(f"unknown adapter {name!r}; available: {', '.join(adapters)} (or give module:Class)")
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
    if not cls.name:
        raise ValueError(f"adapter {spec!r} has no `name`")
    return cls
