"""taala: find mutual-exclusion and linearizability violations in distributed locks.

The data flows one way: schedule -> runner(adapter, nemesis) -> history -> checker(model)
-> report. This package is the verifier; `taala.models` holds the sequential
specifications and `taala.adapters` the lock implementations under test.

    import taala
    history = taala.load("histories/etcd-mutex.edn")
    result = taala.check(history, taala.get_model("mutex"))
    result.valid, result.counterexample
"""

from taala.checker import check
from taala.formats import load, loads
from taala.history import Event, History, HistoryError, Operation
from taala.model import INCONSISTENT, LockSemantics, Model
from taala.models import available as available_models
from taala.models import get as get_model
from taala.result import CheckResult, Counterexample

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
]
