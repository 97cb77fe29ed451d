"""The checker: is one history valid under one model, and if not, why.

How one history is judged, module by module:

- `all_checks.check(history, model)`: every check that applies, merged into a `CheckResult`;
- `linearizability`: the history split by key (P-compositionality), each part decided by
  `pieces` (cut where nothing is in flight) with the WGL search of `wgl` (compiled twin:
  `taala._wgl`), big histories over several processes;
- `counterexample`: an invalid part shrunk to its shortest invalid prefix and described;
- `checks/`: the direct lock checks (overlap, fencing, deadlock) read off the holds;
- `split`: a huge history's keys checked in forked processes;
- `result`: the outcome vocabulary (`valid` is True, False or UNKNOWN), results and
  counterexamples with their facts, and their JSON;
- `judge`: the verdict on one vetting run, a lock part and a resource part.

The few names below load on first use (`taala.lazy`), as `taala`'s own do: the result
types are imported wherever results are stored or drawn (`taala.workloads.base`, `taala.store`,
`taala.report`), and none of those should pay for the search to name a type. Code inside
taala imports from the modules themselves (`taala.checker.result`, ...).
"""

from __future__ import annotations

from taala.lazy import exports

_EXPORTS = {
    "check": ("taala.checker.all_checks", "check"),
    "CheckResult": ("taala.checker.result", "CheckResult"),
    "Counterexample": ("taala.checker.result", "Counterexample"),
    "UNKNOWN": ("taala.checker.result", "UNKNOWN"),
}

__getattr__, __dir__ = exports(__name__, _EXPORTS)

__all__ = ["check", "CheckResult", "Counterexample", "UNKNOWN"]
