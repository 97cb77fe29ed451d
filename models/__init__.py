"""The models taala ships, and the registry that finds yours.

Every module in this package defines one `Model` subclass. Models in other packages are
found through the `taala.models` entry-point group, e.g. in your pyproject.toml:

    [project.entry-points."taala.models"]
    my-lock = "mypkg.my_lock:MyLock"

`get("semaphore:permits=3")` builds a model from the CLI's `NAME[:param=value,...]` syntax.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from typing import Any

from taala.model import Model


def _defined_in(module) -> list[type[Model]]:
    return [obj for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, Model) and obj is not Model and obj.__module__ == module.__name__]


def available() -> dict[str, type[Model]]:
    """All models by name: the built-ins, then any registered by installed packages."""
    found: dict[str, type[Model]] = {}
    for info in pkgutil.iter_modules(__path__):
        for cls in _defined_in(importlib.import_module(f"{__name__}.{info.name}")):
            found[cls.name] = cls
    from importlib.metadata import entry_points  # 20-40 ms: only when every model is listed

    for ep in entry_points(group="taala.models"):
        cls = ep.load()
        found[getattr(cls, "name", ep.name) or ep.name] = cls
    return dict(sorted(found.items()))


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a usable value")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)  # no NaN / Infinity
_BARE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")  # an unquoted string, as an EDN keyword reads
_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


def parse_params(text: str) -> dict[str, Any]:
    """`name=value,name=value` with JSON values (`initial=[1,2]` keeps its comma), a bare word
    for a string (`initial=free`) and `nil` for null. Anything else is an error, never a guess:
    `initial=[` is a typo, not the string "["."""
    params: dict[str, Any] = {}
    i, n = 0, len(text)
    while i < n:
        eq = text.find("=", i)
        name = text[i:eq if eq >= 0 else n].strip()
        if eq < 0 or not _PARAM_NAME.fullmatch(name):
            item = text[i:].split(",")[0]
            raise ValueError(f"model parameter {item!r} must look like name=value")
        key = name.replace("-", "_")
        if key in params:
            raise ValueError(f"parameter {name} is given twice")
        j = eq + 1
        while j < n and text[j] == " ":
            j += 1
        try:
            value, end = _DECODER.raw_decode(text, j)
        except ValueError:
            bare = _BARE_WORD.match(text, j)
            if bare is None:
                shown = text[j:].split(",")[0]
                raise ValueError(f"parameter {name}: {shown!r} is not a value (use JSON: a number, \"a string\", [a, list] or {{\"a\": map}})") from None
            value, end = (None if bare.group() == "nil" else bare.group()), bare.end()
        while end < n and text[end] == " ":
            end += 1
        if end < n and text[end] != ",":
            raise ValueError(f"parameter {name}: unexpected {text[end:][:20]!r} after its value")
        params[key] = value
        i = end + 1
    return params


def get(spec: str) -> Model:
    """Build a model from `name` or `name:param=value,param=value` (values are JSON).

    Every parameter is checked here or by the model's constructor (type and range), so a typo
    is a one-line error instead of a model that quietly judges something else."""
    name, _, rest = spec.partition(":")
    cls = _builtin(name)
    if cls is None:
        models = available()
        if name not in models:
            raise ValueError(f"unknown model {name!r}; available: {', '.join(models)}")
        cls = models[name]
    try:
        params = parse_params(rest)
    except ValueError as e:
        raise ValueError(f"model {name!r}: {e}") from None
    accepted = _accepted(cls)
    if accepted is not None:
        unknown = [k for k in params if k not in accepted]
        if unknown:
            takes = f"it takes {', '.join(a.replace('_', '-') for a in accepted)}" if accepted else "it takes no parameters"
            raise ValueError(f"model {name!r} has no parameter {unknown[0].replace('_', '-')!r} ({takes})")
    try:
        return cls(**params)
    except (TypeError, ValueError) as e:
        raise ValueError(f"model {name!r}: {e}") from None


def _builtin(name: str) -> type[Model] | None:
    """The built-in model called `name`, importing only its module (`rw-lock` is in rw_lock.py).

    Looking it up this way skips importing every model and scanning installed packages'
    entry points, most of `get`'s cost; a plug-in cannot replace a built-in name."""
    module_name = name.replace("-", "_")
    if not _PARAM_NAME.fullmatch(module_name) or module_name.startswith("_"):
        return None
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{module_name}":
            raise
        return None
    return next((cls for cls in _defined_in(module) if cls.name == name), None)


def _accepted(cls: type[Model]) -> list[str] | None:
    """The keyword parameters a model's constructor names (None when it takes **kwargs)."""
    if cls.__init__ is Model.__init__:
        return []
    try:
        signature = inspect.signature(cls.__init__)
    except (TypeError, ValueError):
        return None
    names = []
    for p in list(signature.parameters.values())[1:]:
        if p.kind is p.VAR_KEYWORD:
            return None
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            names.append(p.name)
    return names
