"""Workloads: what clients do inside their critical sections, and the invariant it must keep.

A lock is only as good as the invariant it protects. The default campaign protects one
counter on one key; a *workload* turns one of the talk's business stories (a UPI debit
retried after a timeout, a flash sale, a seat, a ride, a transfer) into operations on
several keys with their data in a real store (the resource Redis, which the nemesis never
touches), and a checker that states the broken invariant in business words.

A workload gives each client's n-th operation (`op(client, n)`): the lock keys it takes, in
the order that client's code takes them, and what it does once it holds them all. The
schedule's steps keep their meaning: `acquire c` takes the next lock of c's operation (so
`acquire 0, acquire 1, acquire 0, acquire 1` interleaves two transfers into a deadlock),
`read c` reads the data, `write c` decides and writes, `release c` gives back every lock of
the operation. The write is what the talk's code does: usually a read-compute-write of
absolute values (the lost-update pattern); a *guarded* or *idempotent* variant sends a
conditional write the store applies atomically, which stays correct when the lock lapses.

Writes go through one Lua script (`APPLY`) that checks, in one atomic step: the fencing
tokens (fenced adapters: a token older than the newest seen for that lock key is refused),
then the variant's guards, then applies the mutations. After the run the coordinator
reads the store once (`audit`) and records it as an op; `violations` judges the history
from the business ops' outcomes and that audit, both of which are facts (an `info` write
may or may not have happened; the audit says which).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from taala.checker.result import UNKNOWN, CheckOutcome, Counterexample, Result
from taala.redis_connect import redis_client

AUDIT = "audit"  # the f of the final read of the store

# fences: [[key, token]]; guards: [[kind, key, arg]]; muts: [[command, key, arg]].
APPLY = """
local req = cjson.decode(ARGV[1])
for _, f in ipairs(req.fences) do
  if tonumber(f[2]) < tonumber(redis.call('GET', f[1]) or '0') then return 'stale token' end
end
for _, g in ipairs(req.guards) do
  if g[1] == 'at-least' and tonumber(redis.call('GET', g[2]) or '0') < tonumber(g[3]) then return g[4] end
  if g[1] == 'unset' and redis.call('EXISTS', g[2]) == 1 then return g[4] end
  if g[1] == 'not-in' and redis.call('LPOS', g[2], g[3]) then return g[4] end
end
for _, f in ipairs(req.fences) do redis.call('SET', f[1], f[2]) end
for _, m in ipairs(req.muts) do redis.call(m[1], m[2], m[3]) end
return 'ok'
"""


@dataclass(frozen=True)
class Op:
    """One business operation: the lock keys in the order the client takes them, the data
    it is about (`subject`, the history's key for its ops) and its arguments."""

    name: str
    keys: tuple[str, ...]
    subject: str
    args: dict = field(default_factory=dict, hash=False)


@dataclass
class Write:
    """What a write step sends: mutations, applied only if every guard holds.
    Guards: ("at-least", key, n, why), ("unset", key, "", why), ("not-in", list, item, why)."""

    muts: list[tuple[str, str, Any]]
    guards: list[tuple[str, str, Any, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Broken:
    """One invariant broken: its name, the sentence in business words, the ops involved."""

    invariant: str
    sentence: str
    ops: tuple = ()


class Workload:
    """Base class: subclass it in one file of `taala.workloads`."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    invariants: ClassVar[tuple[str, ...]] = ()
    variant: ClassVar[str] = ""  # what makes a safe variant safe ("" for the talk's own code)
    lists: ClassVar[tuple[str, ...]] = ()  # store keys holding lists (the rest hold numbers or strings)

    def op(self, client: int, n: int) -> Op:
        raise NotImplementedError

    def initial(self) -> dict[str, Any]:
        """The store's contents before the run."""
        return {}

    def reads(self, op: Op) -> list[str]:
        """The store keys the op reads inside its critical section."""
        raise NotImplementedError

    def write(self, op: Op, seen: dict[str, Any]) -> Write | str:
        """What to write given what was read, or a refusal decided by the client ("declined")."""
        raise NotImplementedError

    def audit_keys(self) -> list[str]:
        return list(self.initial()) + list(self.lists)

    def violations(self, audit: dict[str, Any], ops: list) -> list[Broken]:
        """Broken invariants, given the final store contents and the history's business ops."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.name


class WorkloadData:
    """A client's view of the workload's data in the resource Redis (not to be confused
    with `taala.store`, the directory where runs are kept)."""

    def __init__(self, address: str, workload: Workload):
        self.workload = workload
        self.redis = redis_client(address, timeout=1.0)
        self._apply = self.redis.register_script(APPLY)

    def read(self, op: Op) -> dict[str, Any]:
        return read(self.redis, self.workload, self.workload.reads(op))

    def write(self, op: Op, seen: dict[str, Any], tokens: dict[str, Any] | None) -> tuple[bool, str | None]:
        """(applied, why not). `tokens`: the fencing token of each lock key (fenced adapters)."""
        decided = self.workload.write(op, seen)
        if isinstance(decided, str):
            return False, decided
        fences = [[f"fence:{k}", int(t)] for k, t in (tokens or {}).items()]
        request = {"fences": fences, "guards": [list(g) for g in decided.guards],
                   "muts": [list(m) for m in decided.muts]}
        outcome = self._apply(args=[json.dumps(request)])
        outcome = _text(outcome)
        return (True, None) if outcome == "ok" else (False, outcome)

    def close(self) -> None:
        self.redis.close()


def read(redis: Any, workload: Workload, keys: list[str]) -> dict[str, Any]:
    """Current values of `keys` (numbers as ints, lists as lists of strings), in one round trip."""
    pipe = redis.pipeline(transaction=True)
    for key in keys:
        (pipe.lrange(key, 0, -1) if key in workload.lists else pipe.get(key))
    out = {}
    for key, value in zip(keys, pipe.execute()):
        if key in workload.lists:
            out[key] = [_text(v) for v in value]
        elif value is None:
            out[key] = None
        else:
            text = _text(value)
            out[key] = int(text) if text.lstrip("-").isdigit() else text
    return out


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def load(redis: Any, workload: Workload) -> None:
    """Write the workload's initial contents (into a freshly flushed store)."""
    pipe = redis.pipeline(transaction=True)
    for key, value in workload.initial().items():
        pipe.set(key, value)
    pipe.execute()


def ops_named(ops: list, *names: str) -> list:
    return [o for o in ops if o.f in names]


def audit_of(ops: list) -> dict[str, Any] | None:
    """The final contents of the store, as the run's audit op recorded them."""
    for o in ops:
        if o.f == AUDIT and o.status == "ok":
            return dict(o.value)
    return None


def who(op: Any) -> str:
    """An op in a sentence: "p1 (index 14)"."""
    return f"p{op.process} (index {op.index})"


INVARIANT = "invariant"  # the check name a workload's verdict goes under


@dataclass
class WorkloadResult(Result):
    """The verdict on one run's history under a workload: one check, "invariant". Not a
    `CheckResult`: it was judged by a workload's invariants, not by a model, so it has no
    lock semantics to offer (a report of it is given the lock's). Same JSON shape, the
    workload's name under "model"."""

    workload: Workload

    @property
    def judged_by(self) -> Workload:
        return self.workload


def judge(history: Any, workload: Workload) -> WorkloadResult:
    """The workload's invariants over a run's history (check "invariant"): unknown when the
    run recorded no audit (it was cut short)."""
    import time

    started = time.monotonic()
    ops = [o for o in history.operations() if o.process != "nemesis"]
    audit = audit_of(ops)
    if audit is None:
        outcome = CheckOutcome(INVARIANT, UNKNOWN, None, {"reason": "no audit of the store was recorded"})
    else:
        broken = workload.violations(audit, ops)
        ce = None
        if broken:
            first = broken[0]
            ce = Counterexample(INVARIANT, first.sentence, list(first.ops), key=first.invariant)
        outcome = CheckOutcome(INVARIANT, not broken, ce,
                               {"broken": [{"invariant": b.invariant, "sentence": b.sentence} for b in broken],
                                "audit": audit})
    return WorkloadResult(workload=workload, ops=len(ops), partitions=len({o.key for o in ops if o.f == "acquire"}) or 1,
                          elapsed_s=time.monotonic() - started, checks={INVARIANT: outcome}, source=history.source,
                          nemesis_events=sum(1 for e in history.events if e.is_nemesis))
