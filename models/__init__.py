"""The models taala ships, and the registry that finds yours.

Every module in this package defines one `Model` subclass. Models in other packages are
found through the `taala.models` entry-point group, e.g. in your pyproject.toml:

    [project.entry-points."taala.models"]
    my-lock = "mypkg.my_lock:MyLock"

`get("semaphore:permits=3")` builds a model from the CLI's `NAME[:param=value,...]` syntax.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from importlib.metadata import entry_points

from taala.model import Model


def available() -> dict[str, type[Model]]:
    """All models by name: the built-ins, then any registered by installed packages."""
    found: dict[str, type[Model]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Model) and obj is not Model and obj.__module__ == module.__name__:
                found[obj.name] = obj
    for ep in entry_points(group="taala.models"):
        cls = ep.load()
        found[getattr(cls, "name", ep.name) or ep.name] = cls
    return dict(sorted(found.items()))


def _param_value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


def get(spec: str) -> Model:
    """Build a model from `name` or `name:param=value,param=value` (values are JSON)."""
    name, _, rest = spec.partition(":")
    models = available()
    if name not in models:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(models)}")
    params = {}
    for item in filter(None, rest.split(",")):
        k, eq, v = item.partition("=")
        if not eq:
            raise ValueError(f"model parameter {item!r} must look like name=value")
        params[k.strip().replace("-", "_")] = _param_value(v.strip())
    try:
        return models[name](**params)
    except (TypeError, ValueError) as e:
        raise ValueError(f"model {name!r}: {e}") from None
