"""What an adapter is: one lock implementation, as taala's runner drives it.

An adapter is a small class (one file in `adapters/`, or in your own package registered
under the `taala.adapters` entry-point group), or a program in any language declared by a
`taala-adapter.toml` (`taala.process.adapter`: a `ProcessAdapter` subclass per declaration). The runner creates one instance per
client, inside that client's own process, so a client pause (SIGSTOP) freezes the lock
library's background threads too, exactly like a GC pause would.

The runner only calls:

- `Adapter(addresses, ttl=..., client=..., resource=...)`: connect to the servers
  (addresses are "host:port" strings of the nodes the runner started for `backend`;
  `resource` is the address of the Redis that holds the protected resource, which the
  nemesis never touches: the place for state that must survive faults, e.g. a fencing
  counter);
- `acquire(key)` -> a token (truthy; the fencing token when `fenced`) if this client now
  holds the lock, or None if the lock is taken. A *blocking* lock (`blocking = True`) may
  wait up to `max_wait` leases for the lock to be free; the runner keeps other clients
  going meanwhile, and never times the call out sooner. Raising means "unknown" (a
  timeout): the runner records an `info` and retires the client, as Jepsen does;
- `release(key, token)` -> True if released, False if the lock refused (e.g. "not yours");
- `close()`.

A lock with several acquire modes (a readers-writer lock) lists them in `modes`, the
exclusive one first (it is the default: a schedule step without a mode uses it, so every
probe and reproducer written for mutexes still runs). The runner then calls
`acquire(key, mode=m)` and `release(key, token, mode=m)` with the mode of that acquire,
and records the ops as `acquire-m`/`release-m`, which the adapter's `model` must know
(`rw-lock`: `acquire-read`, `acquire-write`, ...). Adapters without modes keep the plain
signatures. `model` names what the lock history is judged by (`taala.models` syntax,
e.g. "rw-lock" or "semaphore:permits=2"); None means `mutex` (`fenced-mutex` when fenced).
A lock that admits several holders needs more clients to be exceeded: `clients` is how
many a campaign runs at least (a semaphore of N permits: N + 1).

Clients must never retry a write on their own after a timeout (redis-py does by default):
a retried `SET NX` that had in fact succeeded turns one acquire into two. A Redis adapter
connects with `taala.redis_client(address)`, which never retries.

`timing` names the durations the lock's safety depends on, in leases (the TTL the runner
chose): its lease, a renewal interval, a retry delay, a session timeout. The schedules'
pauses, slow sections and waits are drawn just below and just above each of them.

`lease_terms(ttl)` says what the *server* does with a grant in a run with lease `ttl`, as a
`LeaseTerms` (`taala.checker.lease`): the shortest and longest time it keeps the grant,
counted from the acquire (whole-second rounding, expiry sweeps and session buckets
included), whether a keep-alive renews it and how often one is promised to land, whether
it ends with the holder's session, and whether a server fault may restart it. The violation
classifier tells the lease's known weakness (`past-lease`) from a bug with these numbers and
the history alone, so its verdict is only as true as they are: read them off the library's
and the server's source, never guess. The default, None, declares nothing, and every
violation of such a lock stays `undetermined`. `keepalive_promise` is the `renew_every` a
keep-alive of a given period may promise.

Each adapter declares its expected verdict under each fault it claims to understand,
with the reason in one line: `pytest verifier/` holds it to that declaration.

Every adapter declares its `backend` (None for a lock with no server, such as a file
lock): the default is `UNDECLARED`, which the registry refuses. The declarations are
checked whenever an adapter is loaded (`Adapter.problems`): a `name`, `expectations`
naming known faults, a `model` that `taala.models.get` reads, `modes` only with a model,
`lease_terms` answering for the leases the adapter supports, no shorter than its `timing`'s.
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass
from typing import Any, ClassVar

# The faults a schedule can hold (names and one-line summaries), and the database user a
# client connects as so that `query-kill` finds its sessions: both belong to `taala.faults`
# and are re-exported here for adapters, which name their faults and users from this module.
from taala.checker.lease import CLASSES
from taala.faults import FAULTS, session_user  # noqa: F401  (re-exported)

# What an adapter's `lease_terms` returns: the classifier's (`taala.checker.lease`), re-exported
# for adapters, which declare their terms from this module.
from taala.checker.lease import LeaseTerms


@dataclass(frozen=True)
class Expectation:
    """An adapter's claim under one fault. `classes`: for an unsafe lock, the violation
    classes (`taala.checker.lease`) its overlaps may show, e.g. ("past-lease",) for a TTL
    lock without fencing under a pause; None: not declared by class. A campaign that finds
    a bug class (`bug`, `foreign-release`) a declaration does not list is not as declared."""

    safe: bool
    reason: str
    classes: tuple[str, ...] | None = None

    @property
    def verdict(self) -> str:
        return "safe" if self.safe else "unsafe"


def safe(reason: str) -> Expectation:
    return Expectation(True, reason)


def unsafe(reason: str, *, classes: tuple[str, ...] | None = None) -> Expectation:
    return Expectation(False, reason, classes)


class _Undeclared:
    """The type of `UNDECLARED`: what `Adapter.backend` is until an adapter says."""

    def __repr__(self) -> str:
        return "UNDECLARED"


# `Adapter.backend` by default: not a backend, so an adapter that forgot to declare one is
# refused when it is loaded instead of silently getting Redis servers.
UNDECLARED: Any = _Undeclared()


class Adapter:
    """Base class. Subclass it, set the class fields, implement acquire/release."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    backend: ClassVar[str | None] = UNDECLARED  # a key of taala.servers.BACKENDS, or None: no server
    nodes: ClassVar[int] = 1
    server_options: ClassVar[dict[str, Any]] = {}  # passed to the backend's start function
    fenced: ClassVar[bool] = False  # acquire returns a fencing token the resource enforces
    expectations: ClassVar[dict[str, Expectation]] = {}
    requires: ClassVar[tuple[str, ...]] = ()  # importable modules the adapter needs
    min_ttl: ClassVar[float] = 0.0  # shortest lease the implementation supports (seconds)
    blocking: ClassVar[bool] = False  # acquire waits for the lock to be free
    max_wait: ClassVar[float] = 0.0  # longest a blocking acquire waits, in leases
    timing: ClassVar[dict[str, float]] = {"lease": 1.0}  # durations safety depends on, in leases
    # Liveness: once the faults heal and every holder has released, a new client must get the
    # lock within this many leases (plus max_wait); None promises nothing.
    liveness: ClassVar[float | None] = 2.0
    modes: ClassVar[tuple[str, ...]] = ()  # acquire modes, the exclusive default first; () = one mode
    model: ClassVar[str | None] = None  # what the lock history is judged by; None: (fenced-)mutex
    clients: ClassVar[int] = 2  # fewest clients a campaign needs to exceed the lock
    # Which tier of `pytest verifier/` vets it: "quick" (CI) or "full" only (e.g. a library's
    # wrapper of a lock the quick tier already vets, or leases that make each fault take minutes).
    tier: ClassVar[str] = "quick"

    def __init__(self, addresses: list[str], *, ttl: float, client: int, resource: str | None = None):
        self.addresses = addresses
        self.ttl = ttl
        self.client = client
        self.resource = resource

    @classmethod
    def lease_terms(cls, ttl: float) -> LeaseTerms | None:
        """The lease the server applies to a grant in a run with lease `ttl` (seconds, counted
        from the acquire; see the module docstring). None: not declared, so the classifier
        calls every violation `undetermined` rather than guess."""
        return None

    def acquire(self, key: str) -> Any:
        raise NotImplementedError

    def release(self, key: str, token: Any) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        pass

    @classmethod
    def faults(cls) -> list[str]:
        return list(cls.expectations)

    @classmethod
    def judged_by(cls) -> str:
        """The model the lock history is judged by, as `taala.models.get` reads it."""
        return cls.model or ("fenced-mutex" if cls.fenced else "mutex")

    @classmethod
    def problems(cls) -> list[str]:
        """What is wrong with this adapter's declarations, one reason each (empty: none).

        The registry (`taala.adapters`) asks every adapter it loads, built-in, installed
        or given by import path, so a mistake is a one-line error naming the adapter and its
        file, not a campaign that quietly tests something else."""
        problems = []
        if not isinstance(cls.name, str) or not cls.name:
            problems.append("has no `name`")
        problems += _expectation_problems(cls.expectations)
        if cls.backend is UNDECLARED:
            problems.append("declares no `backend` (a server kind such as \"redis\" or \"postgres\"; "
                            "None for a lock with no server)")
        elif cls.backend is not None and not isinstance(cls.backend, str):
            problems.append(f"`backend` must be a server kind's name or None, not {cls.backend!r}")
        if cls.model is not None:
            problems += _model_problems(cls.model)
        elif cls.modes:
            problems.append(f"has `modes` {', '.join(map(str, cls.modes))} but no `model` to judge them by "
                            f"(e.g. model = \"rw-lock\")")
        return problems + _lease_problems(cls)

    @classmethod
    def declaration_error(cls) -> str | None:
        """`problems()` as one line naming the adapter and its file; None when there are none."""
        problems = cls.problems()
        if not problems:
            return None
        named = cls.name if isinstance(cls.name, str) and cls.name else cls.__qualname__
        return f"adapter {named!r} ({cls.source_file()}): {'; '.join(problems)}"

    @classmethod
    def source_file(cls) -> str:
        """Where the class is defined, as a path from its package's root: `adapters/tooz.py`
        for a built-in (the repository's path), `mypkg/my_lock.py` for a module of yours."""
        module = sys.modules.get(cls.__module__)
        file = getattr(module, "__file__", None)
        parts = cls.__module__.split(".")
        if file is None:
            return cls.__module__
        if file.endswith("__init__.py"):
            parts.append("__init__")
        path = "/".join(parts[:-1] + [file.rsplit("/", 1)[-1]])
        for package, folder in _REPOSITORY_FOLDERS:  # taala.adapters is adapters/ in the repository
            if path.startswith(package):
                return folder + path.removeprefix(package)
        return path

    @classmethod
    def defined_at(cls) -> str:
        """`source_file()` and the line of the class's definition: `adapters/tooz.py:41`."""
        line = vars(cls).get("__firstlineno__")  # set by adapters made by a function (tooz's)
        if line is None:
            try:
                line = inspect.getsourcelines(cls)[1]
            except (OSError, TypeError):  # no source (an interactive session, a zip without .py)
                return cls.source_file()
        return f"{cls.source_file()}:{line}"


# Where taala's packages live in its repository (pyproject.toml's package-dir), most specific first.
_REPOSITORY_FOLDERS = (("taala/adapters/", "adapters/"), ("taala/models/", "models/"), ("taala/", "verifier/"))


def _expectation_problems(expectations: Any) -> list[str]:
    if not isinstance(expectations, dict) or not expectations:
        return ["declares no `expectations` (the verdict it expects under each fault it understands)"]
    problems = []
    unknown = [str(f) for f in expectations if f not in FAULTS]
    if unknown:
        problems.append(f"`expectations` names unknown fault(s) {', '.join(unknown)} (faults: {', '.join(FAULTS)})")
    wrong = [str(f) for f, e in expectations.items() if not isinstance(e, Expectation)]
    if wrong:
        problems.append(f"`expectations` for {', '.join(wrong)} must be safe(reason) or unsafe(reason)")
    classes = {c for e in expectations.values() if isinstance(e, Expectation) for c in e.classes or ()}
    if classes - set(CLASSES):
        problems.append(f"`expectations` name unknown violation class(es) {', '.join(sorted(map(str, classes - set(CLASSES))))} "
                        f"(classes: {', '.join(CLASSES)})")
    return problems


# The leases `problems` asks `lease_terms` about (each raised to the adapter's `min_ttl`): the
# quarter-second lease of most campaigns, a second, and the 10 s lease of `none` campaigns.
LEASE_CHECKS = (0.25, 1.0, 10.0)


def _lease_problems(cls: type[Adapter]) -> list[str]:
    """`lease_terms` answers a `LeaseTerms` (or None: not declared) for the leases the adapter
    supports, without raising; and a lease it declares lasts at least as long as the lease its
    `timing` names: `timing["lease"]` leases is how long the adapter says its lease is, so a
    server that never keeps a grant that long means the seconds are wrong (milliseconds, a
    lease that ignores `ttl`) or the timing is. The first problem only: one line."""
    floor = cls.min_ttl if isinstance(cls.min_ttl, (int, float)) else 0.0
    lease = cls.timing.get("lease") if isinstance(cls.timing, dict) else None
    for ttl in sorted({max(t, floor) for t in LEASE_CHECKS}):
        try:
            terms = cls.lease_terms(ttl)
        except Exception as e:  # an adapter's mistake: say so in one line
            first = str(e).strip().splitlines()[0] if str(e).strip() else ""
            return [f"`lease_terms({ttl:g})` raised {type(e).__name__}{': ' + first if first else ''}"]
        if terms is None:
            continue
        if not isinstance(terms, LeaseTerms):
            return [f"`lease_terms({ttl:g})` must return LeaseTerms(...) or None, not {terms!r}"]
        if terms.leased and isinstance(lease, (int, float)) and terms.longest < lease * ttl * (1 - 1e-9):
            return [f"`lease_terms({ttl:g})` says the server keeps a grant at most {terms.longest:g} s, "
                    f"less than the {lease * ttl:g} s lease its `timing` names"]
    return []


def keepalive_promise(period: float, sure: float) -> float | None:
    """The `renew_every` a keep-alive renewing every `period` seconds may promise, on a lease of
    which `sure` seconds are certain (`LeaseTerms.shortest`): the period plus a quarter of the
    lease for the renewal's own round trip and a scheduling stall of the renewing thread; None
    (no promise) when the keep-alive leaves no clear headroom, renewing less often than every
    half of the certain lease."""
    return period + sure / 4 if 0 < period <= sure / 2 else None


def _model_problems(model: Any) -> list[str]:
    if not isinstance(model, str):
        return [f"`model` must be a model's name (as `taala models` lists them), not {model!r}"]
    from taala.models import get  # the models package loads only for adapters that name one

    try:
        get(model)
    except ValueError as e:
        return [f"`model` {model!r} does not parse: {e}"]
    return []


def host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)
