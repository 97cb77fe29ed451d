"""Operation histories, in Jepsen's vocabulary.

A history is the sequence of events a test observed: each client operation appears twice,
once when a process *invokes* it and once when it completes with `ok` (it took effect),
`fail` (it certainly did not take effect) or `info` (nobody knows). An invocation with no
completion at all is just as indeterminate as an `info`.

The file order of events *is* their real-time order. Times (`time`, monotonic nanoseconds)
are carried for display and latency only: clocks of different machines disagree, the order
in which the recorder saw the events does not.

`pair()` turns events into `Operation`s (invocation + completion), which is what models and
checkers consume. It is strict about structure (a completion must follow an invocation by
the same process) because a mispaired history silently produces wrong verdicts.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from taala.gcpause import paused_gc

try:  # built by `pip install` when a C compiler is there; optional
    from taala import _read as compiled
except ImportError:  # pragma: no cover - depends on the install
    compiled = None

INVOKE, OK, FAIL, INFO = "invoke", "ok", "fail", "info"
TYPES = (INVOKE, OK, FAIL, INFO)
NEMESIS = "nemesis"
PENDING = "pending"  # status of an operation whose completion never arrived


def key_name(key: Hashable) -> str:
    """How a lock/register key reads in a sentence ("the lock" when histories have none)."""
    return "the lock" if key is None else repr(key)


class HistoryError(ValueError):
    """A history that cannot be understood. Carries where, so the user can fix the file."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        self.message = message
        self.source = source
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source or "<history>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(slots=True)
class Event:
    """One line of a history: an invocation or a completion (or a nemesis event)."""

    index: int
    type: str
    process: Hashable
    f: str
    value: Any = None
    time: int | None = None
    key: Hashable = None
    error: Any = None
    line: int | None = None  # 1-based line in the source file, for error messages

    @property
    def is_nemesis(self) -> bool:
        return self.process == NEMESIS

    def to_dict(self) -> dict:
        out = {"index": self.index, "type": self.type, "process": self.process, "f": self.f, "value": self.value}
        if self.time is not None:
            out["time"] = self.time
        if self.key is not None:
            out["key"] = self.key
        if self.error is not None:
            out["error"] = self.error
        return out


@dataclass(slots=True, eq=False)
class Operation:
    """An invocation paired with its completion.

    `value` is what the model sees: the completion's value when the op is `ok` (a read's
    result, an acquire's fencing token), otherwise the invocation's (what was asked for).
    `status` is `ok`, `fail`, `info` or `pending`; only `ok` ops *must* be linearized,
    `info` and `pending` ops *may* have taken effect at any moment after their invocation.
    `call` and `ret` are positions in the history's event list (ret is None if pending).
    """

    id: int
    process: Hashable
    f: str
    value: Any
    key: Hashable
    status: str
    call: int
    ret: int | None
    invoke: Event
    completion: Event | None

    @property
    def known(self) -> bool:
        """True when the outcome is certain (the op took effect and we saw its result)."""
        return self.status == OK

    @property
    def indeterminate(self) -> bool:
        return self.status == INFO or self.status == PENDING

    @property
    def index(self) -> int:
        """The invocation's original `index` (as written in the file)."""
        return self.invoke.index

    def describe(self) -> str:
        key = "" if self.key is None else f" {self.key!r}"
        value = "" if self.value is None else f" {self.value!r}"
        return f"p{self.process} {self.f}{key}{value} ({self.status}, index {self.index})"

    def to_dict(self) -> dict:
        return {
            "process": self.process,
            "f": self.f,
            "value": self.value,
            "key": self.key,
            "status": self.status,
            "index": self.index,
            "completion_index": None if self.completion is None else self.completion.index,
        }


@dataclass
class History:
    """An ordered list of events plus where they came from."""

    events: list[Event]
    source: str | None = None
    _ops: list[Operation] | None = field(default=None, repr=False)
    # Things worth a look that do not make the history unreadable ("file:line: ..."),
    # filled in by `operations()`.
    warnings: list[str] = field(default_factory=list, repr=False)

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    @property
    def nemesis_events(self) -> list[Event]:
        return [e for e in self.events if e.is_nemesis]

    def operations(self) -> list[Operation]:
        """All client operations (nemesis events excluded), in invocation order. Cached."""
        if self._ops is None:
            with paused_gc():
                self._ops = pair(self.events, source=self.source, warnings=self.warnings)
        return self._ops

    def to_dicts(self) -> list[dict]:
        return [e.to_dict() for e in self.events]


MAX_WARNINGS = 20


def pair(events: Iterable[Event], source: str | None = None, warnings: list[str] | None = None) -> list[Operation]:
    """Pair each invocation with its process's next completion.

    Raises `HistoryError` (with the line) for completions without an invocation and for a
    process that invokes while its previous op is still open: both mean the recorder lost
    events, and guessing would produce verdicts about a history nobody observed.
    A process that invokes again after an `info` is accepted (Jepsen would have retired it,
    other recorders may not): the `info` op simply stays concurrent with everything after it.

    A completion timed before its own invocation is only a warning (appended to `warnings`):
    the file order decides real-time order, not `time`, but such a `time` says the clocks
    or the recorder are off, and latencies drawn from it are wrong.

    A history with none of these is paired in C when `taala._read` is built (the same
    operations; tests/checker/test_compiled_reader.py compares both loops).
    """
    if compiled is not None and type(events) is list:
        ops = compiled.pair(events, Event, Operation, NEMESIS, INVOKE, OK, PENDING)
        if ops is not None:
            return ops
    backwards = 0
    open_ops: dict[Hashable, Operation] = {}
    ops: list[Operation] = []
    for pos, e in enumerate(events):
        if e.process == NEMESIS:
            continue
        t = e.type
        if t == INVOKE:
            prev = open_ops.get(e.process)
            if prev is not None:
                raise HistoryError(
                    f"process {e.process!r} invokes {e.f!r} while its {prev.f!r} "
                    f"(line {prev.invoke.line}) has not completed",
                    source=source,
                    line=e.line,
                )
            op = Operation(len(ops), e.process, e.f, e.value, e.key, PENDING, pos, None, e, None)
            open_ops[e.process] = op
            ops.append(op)
        else:
            op = open_ops.pop(e.process, None)
            if op is None:
                raise HistoryError(
                    f"{t} completion of {e.f!r} by process {e.process!r} has no matching invocation",
                    source=source,
                    line=e.line,
                )
            if e.f != op.f:
                raise HistoryError(
                    f"process {e.process!r} completes {e.f!r} but invoked {op.f!r} (line {op.invoke.line})",
                    source=source,
                    line=e.line,
                )
            if e.time is not None and op.invoke.time is not None and e.time < op.invoke.time and warnings is not None:
                backwards += 1
                if backwards <= MAX_WARNINGS:
                    where = f"{source or '<history>'}:{e.line}" if e.line is not None else (source or "<history>")
                    warnings.append(f"{where}: {t} completion of {e.f!r} by process {e.process!r} is timed "
                                    f"{op.invoke.time - e.time} ns before its invocation (line {op.invoke.line})")
            op.status = t
            op.ret = pos
            op.completion = e
            if t == OK and e.value is not None:
                op.value = e.value
            if op.key is None:
                op.key = e.key
    if backwards > MAX_WARNINGS and warnings is not None:
        warnings.append(f"{source or '<history>'}: {backwards - MAX_WARNINGS} more completion(s) timed before their invocation")
    return ops
