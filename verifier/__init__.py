"""taala: find mutual-exclusion and linearizability violations in distributed locks.

The data flows one way: schedule -> runner(adapter, nemesis) -> history -> checker(model)
-> report. This package is the verifier; `taala.models` holds the sequential
specifications and `taala.adapters` the lock implementations under test.

    import taala
    history = taala.load("histories/mutex/invalid/etcd-lease-expired.edn")
    result = taala.check(history, taala.get_model("mutex"))
    result.valid, result.counterexample
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taala.lazy import exports

# The public names load on first use (PEP 562): `taala --help` and the pytest plugin import
# this package, and neither should pay for the checker, the readers and the models.
_EXPORTS = {
    "check": ("taala.checker", "check"),
    "load": ("taala.formats", "load"),
    "loads": ("taala.formats", "loads"),
    "Event": ("taala.history", "Event"),
    "History": ("taala.history", "History"),
    "HistoryError": ("taala.history", "HistoryError"),
    "Operation": ("taala.history", "Operation"),
    "INCONSISTENT": ("taala.model", "INCONSISTENT"),
    "LockSemantics": ("taala.model", "LockSemantics"),
    "Model": ("taala.model", "Model"),
    "available_models": ("taala.models", "available"),
    "get_model": ("taala.models", "get"),
    "CheckResult": ("taala.checker.result", "CheckResult"),
    "Counterexample": ("taala.checker.result", "Counterexample"),
    "redis_client": ("taala.redis_connect", "redis_client"),
}

if TYPE_CHECKING:
    from taala.checker.all_checks import check
    from taala.checker.result import CheckResult, Counterexample
    from taala.formats import load, loads
    from taala.history import Event, History, HistoryError, Operation
    from taala.model import INCONSISTENT, LockSemantics, Model
    from taala.models import available as available_models
    from taala.models import get as get_model
    from taala.redis_connect import redis_client


__getattr__, __dir__ = exports(__name__, _EXPORTS)

__version__ = "0.1.0"

__all__ = [
    "check",
    "load",
    "loads",
    "Event",
    "History",
    "HistoryError",
    "Operation",
    "INCONSISTENT",
    "LockSemantics",
    "Model",
    "available_models",
    "get_model",
    "CheckResult",
    "Counterexample",
    "redis_client",
]
