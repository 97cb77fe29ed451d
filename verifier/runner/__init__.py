"""The runner: executes one schedule against real servers and records the history.

    schedule -> run(env, schedule) -> Run(history, ...) -> checker

- `environment.Environment`: the campaign's servers (the adapter's backend and the
  resource Redis), reset between runs;
- `execute.run()`: one run, with fresh client processes; returns an `execute.Run`;
- `session.Session`: the state of one run and one method per kind of step (acquire,
  release, read, write, wait, a fault), then the drain and the liveness probe;
  `workload_session.WorkloadSession` is the same for clients running a business workload
  (several locks per operation);
- `client.ClientProcess`: a lock client in a process of its own, so a pause freezes the
  whole lock library; `resource.Resource`: the counter the lock protects;
- `recorder.Recorder`: events in the order they happen.
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> submodule; imported on first use, so `taala.runner.client` (the CLI needs its
# AdapterError) loads without the servers, the nemesis and psutil.
_EXPORTS = {
    "AdapterError": "client", "ClientProcess": "client", "FAIL": "client", "INFO": "client", "OK": "client",
    "Environment": "environment", "LOCK_KEY": "environment", "RESOURCE_KEY": "environment",
    "Run": "execute", "op_timeout": "execute", "run": "execute",
    "Session": "session", "WorkloadSession": "workload_session",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'taala.runner' has no attribute {name!r}")
    return getattr(importlib.import_module(f"taala.runner.{_EXPORTS[name]}"), name)


__all__ = sorted(_EXPORTS)
