"""A package's public names, each imported from its module on first use (PEP 562).

`taala` and `taala.checker` export this way: `taala --help` and the pytest plugin import
`taala`, and the result types are imported wherever results are stored or drawn; none of
them should pay for the checker's search, the readers and the models to name one thing.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def exports(package: str, table: dict[str, tuple[str, str]]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of `package`, whose name `n` is `table[n]`: (module, attribute).
    A name, once loaded, is stored in the package, so later lookups never come here again."""

    def __getattr__(name: str) -> Any:
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attr = table[name]
        value = getattr(importlib.import_module(module), attr)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(table))

    return __getattr__, __dir__
