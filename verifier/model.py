"""What a model is: the sequential specification a history is checked against.

A model is a small class (one file in `models/`, or in your own package registered under
the `taala.models` entry point). The checker only ever calls:

- `init()` -> the initial state. States must be hashable and compare by value: the search
  memoizes (linearized-set, state) pairs, so two equal states must be equal objects-wise.
- `step(state, op)` -> the next state, or `INCONSISTENT` if `op` cannot happen in `state`.
  Must be pure. `op.f`, `op.value`, `op.process` and `op.known` are what it may read.
- `explain(state, op)` -> why `step` refused, in words, for reports.

Indeterminate operations (`info`, or never completed) are the subtle part. The checker
already lets each of them *not* take effect at all (it may be skipped by the search); when
one *is* linearized, `step` sees `op.known == False` and must not constrain what the op
returned, because nobody saw it. Each model documents its rule in `indeterminate`. Getting
this wrong turns every timed-out acquire into a false alarm.

`lock` (a `LockSemantics`) tells the direct checks (overlap, fencing, deadlock) which ops
take and give back a lock; models of plain data leave it `None`.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from taala.history import Operation


class _Inconsistent:
    __slots__ = ()

    def __repr__(self) -> str:
        return "INCONSISTENT"


INCONSISTENT: Any = _Inconsistent()
"""Returned by `Model.step` when an operation cannot be applied in the given state."""


@dataclass(frozen=True)
class LockSemantics:
    """Which `f`s acquire and release, for checks that read holds straight off a history."""

    acquire: frozenset[str] = frozenset({"acquire"})
    release: frozenset[str] = frozenset({"release"})
    shared_acquire: frozenset[str] = frozenset()  # rw-lock readers
    shared_release: frozenset[str] = frozenset()
    capacity: int = 1  # how many exclusive holders may coexist (semaphore permits)
    fenced: bool = False  # acquire's ok value is a fencing token
    reentrant: bool = False
    extra: dict = field(default_factory=dict)


def int_param(name: str, value: Any, *, minimum: int | None = None, optional: bool = False) -> int | None:
    """Validate an integer model parameter (a bool is not an integer here)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer{' (or omitted)' if optional else ''}, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}{' (or omitted)' if optional else ''}, got {value!r}")
    return value


NIL_READS = ("any", "value")


def nil_reads_param(value: Any) -> str:
    """A register's `nil-reads`: `any` (Knossos: a nil read is always legal) or `value`
    (nil is a value like any other: legal only while the register holds it)."""
    if value not in NIL_READS:
        raise ValueError(f"nil-reads must be {' or '.join(NIL_READS)}, got {value!r}")
    return value


def value_param(name: str, value: Any) -> Hashable:
    """Validate a parameter that is a data value (a register's initial value): anything a
    history can hold, frozen the way the readers freeze history values so the two compare."""
    from taala.formats.event_fields import freeze

    if isinstance(value, float) and value != value:  # NaN equals nothing, not even itself
        raise ValueError(f"{name} must be a value that equals itself, got {value!r}")
    frozen = freeze(value)
    try:
        hash(frozen)
    except TypeError:
        raise ValueError(f"{name} must be a number, string, list or map, got {value!r}") from None
    return frozen


class Model:
    """Base class with the defaults every model shares. Subclass and set the class fields."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    indeterminate: ClassVar[str] = "An indeterminate op may take effect once, at any point after its invocation, or never."
    fs: ClassVar[frozenset[str]] = frozenset()
    lock: ClassVar[LockSemantics | None] = None

    def __init__(self, **params: Any):
        if params:
            raise TypeError(f"model {self.name!r} takes no parameters (got {', '.join(params)})")

    def init(self) -> Hashable:
        raise NotImplementedError

    def step(self, state: Any, op: Operation) -> Any:
        raise NotImplementedError

    def explain(self, state: Any, op: Operation) -> str:
        return f"{op.f} {op.value!r} is impossible in state {self.describe_state(state)}"

    def describe_state(self, state: Any) -> str:
        return repr(state)

    def check_op(self, op: Operation) -> str | None:
        """Say what is wrong with an op this model cannot interpret (None if it is fine)."""
        if op.f not in self.fs:
            return f"the {self.name} model has no operation {op.f!r} (it knows {', '.join(sorted(self.fs))})"
        return None

    def droppable(self, op: Operation) -> bool:
        """True for indeterminate ops that can never matter (e.g. a read that timed out).

        Dropping them before the search is only an optimisation, but an important one:
        every indeterminate op stays concurrent with the rest of the history.
        """
        return False

    def params(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        p = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{self.name}({p})"
