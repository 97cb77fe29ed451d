"""Why two clients held a lock at once: the lease's known weakness, or something worse.

Every TTL lock without a fencing token breaks the same known way first: a holder paused
past its lease, and the server, rightly, grants the key again. A campaign that stops
there never learns whether the lock *also* grants twice inside a valid lease. This module
reads one run's history and one overlap (the earlier holder's acquire, the later holder's
acquire: the checker's `HeldTogether` facts) and says which it was, from the history and
the lock's declared `LeaseTerms` alone. It is pure: no servers, no clocks but the history's.

The classes, in the order they are tried (the first that can be *shown* wins):

1. `past-lease`: when the later client was granted the lock, the earlier holder's lease had
   certainly run out: the later grant's earliest moment (its acquire's invocation) comes
   after the latest moment the lease could end. For a lock that renews its lease, only a
   renewal *certainly* stopped by a fault (the holder's process paused or killed) ends it.
   A fault that may make a lease last longer (a node fault under a leader-based server,
   whose new leader restarts leases; a wall clock set back) leaves it unbounded. It comes
   first because it is the known weakness and explains everything after it: once the
   lease is gone, nothing the server does next is wrong.
2. `state-lost`: a fault that loses server state, time or the holder's session struck
   between the earlier acquire's invocation and the later grant's completion (a node
   killed, restarted empty, its clock moved, cut off from its peers; for a lock that lives
   in the holder's session, its connections dropped or its process dead). It explains the
   overlap without proving the lock wrong, so it beats the bug classes: a bug is only
   called where nothing else can account for it. (`loses_state` says which faults count,
   and why a `query-kill` does not.)
3. `foreign-release`: a release by another process succeeded while the earlier holder held,
   and before the later grant: that release removed a lock that was not its own (a release
   without an ownership check, or with a token two clients share). It is a bug of its own
   kind, with its culprit named, so it beats the anonymous one.
4. `bug`: the lease was certainly still valid at the later grant (the grant's latest moment,
   its completion, comes before the earliest moment the lease could end) and nothing above
   explains it. A lock without a lease (held until released or its session ends) is valid
   for as long as its holder has not released, which an overlap guarantees.
5. `undetermined`: none of those can be shown with room to spare. Never a guess.

**Times.** Event times are the coordinator's monotonic clock. The recorder stamps an
invocation before the command is sent and a completion after the reply arrived, so the
moment the server acted lies inside [invoke, complete] with no margin needed; the server's
lease clock is another matter:

- `RATE` (1 %): a lease of L seconds on a server's clock lasts between L·(1 − RATE) and
  L·(1 + RATE) on the coordinator's. Real crystal drift is ~100 ppm, so 1 % is a hundred
  times that; the excess is headroom for timers that fire late in proportion to what they
  wait (timer slack, coarse sleeps in a server's expiry loop), 100 ms on a 10 s lease.
- `SLACK` (20 ms): absolute, added on the side that makes a claim harder: a server's
  expiry granularity at short leases (Redis expires lazily, to the millisecond, on the
  next touch), a nemesis event recorded just after its fault took effect, a thread woken
  late. Coarser granularity is the lease terms' business, not a margin: etcd's leases
  (~0.5 s), ZooKeeper's session buckets (one tickTime), memcached's whole seconds are
  declared by the adapter as `shortest` and `longest`, and the margins only go on top.
- `KILL_DELAY` (0.2 s): a retired process (its op ended `info`) is killed by the runner
  right after it records the `info`; under load the recording thread can be descheduled in
  between, for more than `SLACK`: forty GIL switch intervals (5 ms each) cover that.

So the lease certainly ran out by `start + longest·(1 + rate) + slack` and was certainly
valid until `start + shortest·(1 − rate) − slack`, with `start` inside the acquire.

**Assumptions** (each one a place where the verdict depends on taala's runner):
client-pause events name the Jepsen process id (`value.client`); a client partition's proxy
names a client *slot*, which stops being the process id after a retirement, so a client
partition counts as certainly stopping a renewal only when its event also names the
`process` in the slot and every one of that process's proxies (`cuts`) was cut at once, and
otherwise only as *possibly* stopping one; an expired lease is gone for
good (a renewal never resurrects it: ZooKeeper sessions, etcd leases, ownership-checked
`extend`s), so a renewal stopped past the lease explains grants after the stop ended too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from taala.history import INFO, OK, Event, History, Operation

PAST_LEASE = "past-lease"
STATE_LOST = "state-lost"
FOREIGN_RELEASE = "foreign-release"
BUG = "bug"
UNDETERMINED = "undetermined"
KINDS = (PAST_LEASE, STATE_LOST, FOREIGN_RELEASE, BUG, UNDETERMINED)
# Not an overlap's class but a run's: after the faults healed and every holder released, the
# lock was never granted again (the runner's liveness probe decides it; `taala.vet.hunt`).
LEAKED = "leaked"
CLASSES = KINDS + (LEAKED,)  # what an adapter's expectations may name

RATE = 0.01
SLACK = 0.020
KILL_DELAY = 0.2
NEVER = math.inf


@dataclass(frozen=True)
class LeaseTerms:
    """What the lock promises about its lease, in seconds, as the *server* applies it.

    `shortest`/`longest` bound the lease the server may have applied to a grant (None for
    both: no lease, the lock lasts until released or its session ends). They are the
    adapter's knowledge, coarse granularity included (memcached's `ceil(ttl) + 1` whole
    seconds: shortest = ttl, longest = ttl + 1); the classifier adds only clock margins.

    `renews`: a keep-alive (a renewal thread, ZooKeeper session pings) extends the lease
    while the holder's process runs and reaches the servers. `renew_every`, when given, is
    the adapter's promise that the server applies a renewal at least that often (scheduling
    stalls included) while no fault disturbs the holder: only then can a grant long after
    the acquire be shown to fall inside a renewed lease. Without it a renewing lock is
    known valid only within its first lease.

    `renewed`: the shortest lease a renewal leaves, counted from when it was sent, where it
    is more than the first grant is known to leave (None: `shortest`). A lock that lives in
    a session older than the acquire (a ZooKeeper ephemeral node) knows nothing of the lease
    left at the grant itself (`shortest` 0: the session may have been about to expire), but
    every ping renews the whole session timeout: when nothing disturbed the holder's renewals
    for `renew_every` before its acquire either, a renewal had landed within `renew_every`
    and the lease was valid for `renewed` after it. This relies on the lock refusing a
    request of an expired session (an ephemeral node cannot be created by one), so that a
    grant proves the session was alive.

    `session_bound`: the server frees the lock when the holder's session ends, i.e. when its
    process dies or its connections are dropped (PostgreSQL and MariaDB locks, fcntl, a
    Redis pub/sub presence lock). True by default, the cautious choice: a killed holder or
    a dropped connection then explains a second grant instead of counting as a bug.

    `failover_extends`: a node fault (a node paused, killed, cut off) may restart the lease's
    clock: etcd's new leader renews every lease, ZooKeeper's restarts session timeouts.
    True by default, the cautious choice: such a fault then keeps a grant from being shown
    past the lease. A single server that keeps time through a pause (Redis, memcached, a SQL
    table's NOW()) can say False.
    """

    shortest: float | None
    longest: float | None
    renews: bool = False
    renew_every: float | None = None
    session_bound: bool = True
    failover_extends: bool = True
    renewed: float | None = None

    def __post_init__(self) -> None:
        if (self.shortest is None) != (self.longest is None):
            raise ValueError("give both shortest and longest (seconds), or neither for a lock without a lease")
        if self.shortest is not None and not 0 <= self.shortest <= self.longest > 0:
            raise ValueError(f"need 0 <= shortest <= longest, 0 < longest, got {self.shortest!r}, {self.longest!r}")
        if self.renews and self.shortest is None:
            raise ValueError("a lock without a lease has nothing to renew")
        if self.renew_every is not None and not (self.renews and self.renew_every > 0):
            raise ValueError("renew_every (> 0) needs renews=True")
        if self.renewed is not None and not (self.renew_every is not None
                                             and self.shortest <= self.renewed <= self.longest):
            raise ValueError(f"renewed ({self.renewed!r}) needs renew_every, and shortest <= renewed <= longest")

    @classmethod
    def unleased(cls, *, session_bound: bool = True) -> LeaseTerms:
        return cls(None, None, session_bound=session_bound, failover_extends=False)

    @property
    def leased(self) -> bool:
        return self.shortest is not None

    def describe(self) -> str:
        """"12 s lease", "1-2 s lease", "no lease"."""
        if self.shortest is None:
            return "no lease"
        low = self.shortest if self.renewed is None else self.renewed  # a session: what each ping renews
        if low == self.longest:
            return f"{low:g} s lease"
        return f"{low:g}-{self.longest:g} s lease"


@dataclass(frozen=True)
class Span:
    """A quantity known only between two bounds (seconds; `inf` where unbounded)."""

    lo: float
    hi: float

    def __neg__(self) -> Span:
        return Span(-self.hi, -self.lo)

    def to_list(self) -> list[float | None]:
        return [None if math.isinf(x) else round(x, 6) for x in (self.lo, self.hi)]


@dataclass(frozen=True)
class Fault:
    """One nemesis fault as an interval of history positions: `start` event, `end` event
    (None: still in force when the history ends; the start itself for instant faults)."""

    start: Event
    end: Event | None
    first: int
    last: float

    @property
    def f(self) -> str:
        return self.start.f

    @property
    def value(self) -> dict:
        return self.start.value if isinstance(self.start.value, dict) else {}

    def touches(self, after: int, before: int) -> bool:
        """In force at some position strictly between `after` and `before`."""
        return self.first < before and self.last > after


@dataclass(frozen=True)
class Classification:
    """The verdict on one overlap, facts first: `headline()` only words them.

    `granted_at`: when the later grant came, in seconds after the earlier grant (bounds).
    `lease_left`: how much of the earlier holder's lease was left at the later grant,
    signed (negative: it had run out); None without a lease or without times. `past_by` is
    its negation. `faults`: the events that decide the class (state-losing faults, or the
    pause/kill that stopped a renewal). `release`: the foreign release. `reason`: one line
    on which rule decided, or why none could.
    """

    kind: str
    earlier: Operation
    later: Operation
    terms: LeaseTerms
    granted_at: Span | None = None
    lease_left: Span | None = None
    faults: tuple[Event, ...] = ()
    release: Operation | None = None
    reason: str = ""
    margins: tuple[float, float] = (RATE, SLACK)

    @property
    def past_by(self) -> Span | None:
        return None if self.lease_left is None else -self.lease_left

    @property
    def is_bug(self) -> bool:
        """Shown to be the lock's fault (not the lease's known weakness, not a lost state)."""
        return self.kind in (BUG, FOREIGN_RELEASE)

    def headline(self) -> str:
        return _headline(self)

    def to_dict(self) -> dict[str, Any]:
        spans = {name: None if s is None else s.to_list()
                 for name, s in (("granted_at", self.granted_at), ("lease_left", self.lease_left),
                                 ("past_by", self.past_by))}
        return {"kind": self.kind, "earlier": self.earlier.to_dict(), "later": self.later.to_dict(), **spans,
                "lease": asdict(self.terms),
                "faults": [e.to_dict() for e in self.faults],
                "release": None if self.release is None else self.release.to_dict(),
                "margins": {"rate": self.margins[0], "slack": self.margins[1]},
                "reason": self.reason, "headline": self.headline()}


# ---- faults read off the history -------------------------------------------------------------

def _opens(e: Event) -> Hashable | None:
    """The key of the lasting fault `e` starts (None: it starts nothing that lasts)."""
    v = e.value if isinstance(e.value, dict) else {}
    if e.f == "start-client-pause":
        return ("client", v.get("client"))
    if e.f in ("start-pause", "kill"):
        return ("node" if e.f == "start-pause" else "kill", v.get("node"))
    if e.f in ("partition", "start-delay"):
        return ("proxy", v["proxy"]) if "proxy" in v else ("network",)
    return None


def _closes(e: Event) -> tuple[Hashable, ...]:
    """The keys of the lasting faults `e` ends. A kill ends a node pause silently (the
    nemesis drops it without a stop event), a restart ends both."""
    v = e.value if isinstance(e.value, dict) else {}
    node = v.get("node")
    return {
        "stop-client-pause": (("client", v.get("client")),),
        "stop-pause": (("node", node),),
        "kill": (("node", node),),
        "restart": (("kill", node), ("node", node)),
        "heal": (("proxy", v["proxy"]),) if "proxy" in v else (("network",),),
        "stop-delay": (("proxy", v.get("proxy")),),
    }.get(e.f, ())


ENDINGS = ("stop-client-pause", "stop-pause", "heal", "stop-delay")


def faults(history: History) -> list[Fault]:
    """Every nemesis fault as an interval, by start position. A fault with no end event is
    in force to the end; an end with no start is dropped, except a restart (an empty one
    loses state on its own); events that neither start nor end anything are instants."""
    done: list[Fault] = []
    running: dict[Hashable, list[tuple[int, Event]]] = {}
    for pos, e in enumerate(history.events):
        if not e.is_nemesis:
            continue
        closed = False
        for key in _closes(e):
            for first, start in running.pop(key, []):
                done.append(Fault(start, e, first, pos))
                closed = True
        key = _opens(e)
        if key is not None:
            running.setdefault(key, []).append((pos, e))
        elif not closed and e.f not in ENDINGS:
            done.append(Fault(e, e, pos, pos))
    for started in running.values():
        done.extend(Fault(start, None, first, NEVER) for first, start in started)
    done.sort(key=lambda fault: fault.first)
    return done


def loses_state(fault: Fault, terms: LeaseTerms) -> bool:
    """Whether `fault` can take a lock from its holder without the lock being wrong.

    A node killed (whatever its restart: an unpersisted store forgets), restarted empty,
    its wall clock moved (a jump, or a reset back to true time; not a jump recorded with
    `effect: none`), a node cut off from its peers (a minority may grant), and, for a
    session-bound lock, connections dropped under the holder. A `query-kill` does not count:
    KILL QUERY ends a statement, its session and the session's locks stay (MariaDB), and the
    lock it leaves behind is exactly the NULL-as-acquired bug taala finds with it.
    """
    v = fault.value
    f = fault.f
    if f == "kill":
        return True
    if f == "restart":
        return bool(v.get("wipe"))
    if f == "clock-jump":
        return v.get("effect") != "none"
    if f == "clock-reset":
        return True
    if f == "partition":
        return "proxy" not in v and (bool(v.get("peers")) or "groups" in v)
    if f == "connection-kill":
        return terms.session_bound
    return False


def extends(fault: Fault, terms: LeaseTerms) -> bool:
    """Whether `fault` may make the lease last longer than declared: a wall clock moved back
    (a backward jump, or a reset after a forward one) delays every expiry by as much; a node
    fault may bring a leader change that restarts the lease (`LeaseTerms.failover_extends`)."""
    v = fault.value
    if fault.f == "clock-jump":
        return v.get("effect") != "none" and float(v.get("delta", 0.0)) < 0
    if fault.f == "clock-reset":
        return True
    if fault.f in ("start-pause", "kill", "restart") or (fault.f == "partition" and "proxy" not in v):
        return terms.failover_extends
    return False


def _may_stop_renewal(fault: Fault, holder: Hashable) -> bool:
    """Any fault may delay or stop a renewal (a client partition is named by slot, not by
    process), except another client's pause and a clock jump recorded without effect."""
    if fault.f == "start-client-pause":
        return fault.value.get("client") == holder
    return not (fault.f == "clock-jump" and fault.value.get("effect") == "none")


# ---- the pair and its times ------------------------------------------------------------------

def _seconds(e: Event | None) -> float | None:
    return None if e is None or e.time is None else e.time / 1e9


def _is_release(op: Operation) -> bool:
    return op.f.startswith("release")


class _Pair:
    """The overlap being classified, with what every rule needs about it."""

    def __init__(self, history: History, earlier: Operation, later: Operation, terms: LeaseTerms,
                 rate: float, slack: float):
        if earlier.status != OK or later.status != OK:
            raise ValueError("both acquires must have succeeded (ok)")
        if earlier.key != later.key or earlier.process == later.process or not earlier.ret < later.ret:
            raise ValueError("earlier and later must be two processes' grants of one key, earlier returning first")
        self.earlier, self.later, self.terms, self.rate, self.slack = earlier, later, terms, rate, slack
        self.faults = faults(history)
        self.ops = history.operations()
        self.times = [_seconds(x) for x in (earlier.invoke, earlier.completion, later.invoke, later.completion)]
        self.timed = None not in self.times

    def holder_ops(self) -> list[Operation]:
        """The earlier holder's ops after its acquire, invoked before the later grant returned."""
        e = self.earlier
        return [op for op in self.ops if op.process == e.process and e.call < op.call < self.later.ret]

    def in_window(self) -> list[Fault]:
        """Faults in force between the earlier acquire's invocation and the later grant's completion."""
        return [f for f in self.faults if f.touches(self.earlier.call, self.later.ret)]

    def retirements(self) -> list[Operation]:
        """The holder's ops that ended `info`: its process was killed right after (Jepsen)."""
        return [op for op in self.holder_ops() if op.status == INFO and op.ret < self.later.ret]

    def deaths(self) -> list[Operation]:
        """The holder's ops during which its process may have died: every indeterminate one
        (a client that crashes mid-op is only reported `info` when the coordinator notices,
        maybe after the later grant; one that never returned may have died at any moment)."""
        return [op for op in self.holder_ops() if op.indeterminate]


# ---- the lease's end, both ways ----------------------------------------------------------------

def _refreshed_until(pair: _Pair) -> float:
    """The latest moment the server may have (re)started the lease without a renewal thread:
    the acquire's completion, or that of any later op of the holder on the key that is not
    a release (a reentrant acquire may reset the TTL); never, if one is indeterminate."""
    latest = pair.times[1]
    for op in pair.holder_ops():
        if op.key != pair.earlier.key or _is_release(op):
            continue
        done = _seconds(op.completion)
        latest = NEVER if op.indeterminate or done is None else max(latest, done)
    return latest


def _stops(pair: _Pair) -> list[tuple[float, float, tuple[Event, ...]]]:
    """Renewal certainly stopped: (from, until at least, events). The holder's own pauses
    (recorded once in effect; resumed no earlier than `slack` before the stop event) and
    its retirements (killed within `KILL_DELAY` of its `info`, for good)."""
    holder = pair.earlier.process
    out = []
    for fault in pair.faults:
        if fault.f == "start-client-pause" and fault.value.get("client") == holder and fault.first < pair.later.ret:
            start, end = _seconds(fault.start), _seconds(fault.end)
            if start is not None:
                until = NEVER if fault.end is None else (-NEVER if end is None else end - pair.slack)
                out.append((start, until, (fault.start,) + (() if fault.end is None else (fault.end,))))
    for op in pair.retirements():
        done = _seconds(op.completion)
        if done is not None:
            out.append((done + KILL_DELAY, NEVER, (op.completion,)))
    return out + _cut_off(pair)


def _cut_off(pair: _Pair) -> list[tuple[float, float, tuple[Event, ...]]]:
    """Renewal certainly stopped by client partitions that name the holder's process (the
    runner records `process` and `cuts`, how many proxies it has) and drop what it sends
    ("both" or "in"), while every one of its proxies was cut at once. An event without them
    (another recorder's, or an older history) names only a slot: it proves nothing."""
    holder = pair.earlier.process
    cut = [f for f in pair.faults if f.f == "partition" and f.value.get("process") == holder
           and isinstance(f.value.get("cuts"), int) and f.value.get("direction", "both") in ("both", "in")
           and f.first < pair.later.ret and _seconds(f.start) is not None]
    out = []
    for f in cut:
        together = [g for g in cut if g.first <= f.first <= g.last]  # in force when f struck
        if len({g.value.get("proxy") for g in together}) < f.value["cuts"]:
            continue
        ends = [NEVER if g.end is None else _seconds(g.end) for g in together]
        until = -NEVER if None in ends else min(ends) - pair.slack
        out.append((_seconds(f.start), until, tuple(g.start for g in together)))
    return out


def _in_flight(pair: _Pair) -> float:
    """How late a renewal sent just before a stop may still land: the largest one-way delay
    any proxy had been given before the later grant (a renewal through it arrives that late)."""
    delays = [float(f.value.get("delay", 0.0)) for f in pair.faults
              if f.f == "start-delay" and f.first < pair.later.ret]
    return max(delays, default=0.0)


def lease_end_at_latest(pair: _Pair) -> tuple[float, tuple[Event, ...]]:
    """The latest moment the earlier holder's lease could have lasted to, and the events
    that end it (for a renewing lock, the stop). `inf` when nothing bounds it: a fault that
    `extends` leases struck in the window."""
    if any(extends(fault, pair.terms) for fault in pair.in_window()):
        return NEVER, ()
    longest = pair.terms.longest * (1 + pair.rate) + pair.slack
    refreshed = _refreshed_until(pair)
    if not pair.terms.renews:
        return refreshed + longest, ()
    best, why = NEVER, ()
    extra = _in_flight(pair)
    for start, until, events in _stops(pair):
        end = max(start, refreshed) + longest + extra
        if until >= end and end < best:
            best, why = end, events
    return best, why


def lease_valid_at_least(pair: _Pair) -> float:
    """The earliest moment the earlier holder's lease could have ended.

    Its first lease started no earlier than the acquire's invocation. With a promised
    renewal interval `renew_every`, renewals kept it alive up to the first moment anything
    may have disturbed them (any fault in force, the holder's op ending indeterminate: its
    process may have died at that op's start), and a renewal landed within `renew_every`
    before that moment."""
    terms, (invoked, _, _, granted_by) = pair.terms, pair.times
    shortest = terms.shortest * (1 - pair.rate) - pair.slack
    if terms.renew_every is None:
        return invoked + shortest
    renewed = (terms.shortest if terms.renewed is None else terms.renewed) * (1 - pair.rate) - pair.slack
    every = terms.renew_every * (1 + pair.rate) + pair.slack
    if every >= renewed:  # the lease may lapse between two renewals (and stay lapsed): trust none
        return invoked + shortest
    # The chain of renewals holds across the acquire when its own lease outlasts the wait for
    # the next renewal, or (the look-back) when nothing disturbed the holder for `every` before
    # it: a renewal then landed within `every` before the acquire, on a live session (a dead
    # one could not have acquired), and the lease it left outlasts the wait for the next.
    if every >= shortest and not _undisturbed(pair, invoked - every, invoked):
        return invoked + shortest
    disturbed = [granted_by]
    for fault in pair.in_window():
        if _may_stop_renewal(fault, pair.earlier.process):
            at = _seconds(fault.start)
            disturbed.append(invoked if at is None else at - pair.slack)
    disturbed += [_seconds(op.invoke) for op in pair.deaths()]
    since = min(invoked if at is None else at for at in disturbed)
    return max(invoked + shortest, since - every + renewed)


def _undisturbed(pair: _Pair, start: float, invoked: float) -> bool:
    """Whether no fault that may stop the earlier holder's renewals was in force at any time
    from `start` to the acquire's invocation (timed faults only: an untimed one might have)."""
    if start >= invoked:
        return True
    for fault in pair.faults:
        if fault.first >= pair.earlier.call or not _may_stop_renewal(fault, pair.earlier.process):
            continue
        began, ended = _seconds(fault.start), _seconds(fault.end) if fault.end is not None else NEVER
        if began is None or ended is None or ended + pair.slack >= start:
            return False
    return True


# ---- the rules ---------------------------------------------------------------------------------

def _state_lost(pair: _Pair, losing: Callable[[Fault, LeaseTerms], bool]) -> tuple[Event, ...]:
    """Events of the faults that lost state in the window; the holder's own death counts when
    the lock is session-bound (its session ended with its process): its indeterminate ops'
    completions, or invocations when they never returned."""
    found: list[Event] = []
    for fault in pair.in_window():
        if losing(fault, pair.terms):
            found += [fault.start] + ([fault.end] if fault.end is not None and fault.end is not fault.start else [])
    if pair.terms.session_bound:
        found += [op.completion or op.invoke for op in pair.deaths()]
    return tuple(found)


def _foreign_release(pair: _Pair) -> Operation | None:
    """A successful release of the key by another process, invoked after the earlier grant
    returned (so it took effect while the earlier holder held) and returned before the later
    acquire was invoked (so it took effect before the later grant), of a lock that could not
    be its own: the releaser held none, or one granted before the earlier holder's grant was
    asked for (so gone by then, in a lock that works). A release of a lock the releaser was
    granted *after* the earlier grant removed its own, newer lock (two holders before it,
    whatever explains them), not the earlier holder's."""
    first, second = pair.earlier, pair.later
    for op in pair.ops:
        if (_is_release(op) and op.key == first.key and op.process != first.process and op.status == OK
                and first.ret < op.call and op.ret < second.call):
            own = _own_grant(pair, op)
            if own is None or own.ret < first.call:
                return op
    return None


def _own_grant(pair: _Pair, release: Operation) -> Operation | None:
    """The releasing process's last successful acquire of the key before its release."""
    grants = [op for op in pair.ops if op.process == release.process and op.key == release.key
              and op.f.startswith("acquire") and op.status == OK and op.ret < release.call]
    return grants[-1] if grants else None


def classify(history: History, earlier: Operation, later: Operation, terms: LeaseTerms, *,
             rate: float = RATE, slack: float = SLACK,
             losing: Callable[[Fault, LeaseTerms], bool] = loses_state) -> Classification:
    """Classify the overlap of `earlier`'s hold with `later`'s grant (see the module docstring).

    `earlier` and `later` are the two holders' `ok` acquires of one key, `earlier` returning
    first, and `earlier`'s holder not having invoked its release before `later` returned
    (the checker's `HeldTogether` guarantees it). `losing` decides which faults lose state.
    """
    pair = _Pair(history, earlier, later, terms, rate, slack)
    made = dict(earlier=earlier, later=later, terms=terms, margins=(rate, slack))
    granted_at = lease_left = None
    stops: tuple[Event, ...] = ()
    if pair.timed:
        invoked, returned, asked, granted = pair.times
        granted_at = Span(asked - returned, granted - invoked)
        if terms.leased:
            end, stops = lease_end_at_latest(pair)
            lease_left = Span(lease_valid_at_least(pair) - granted, end - asked)
    made.update(granted_at=granted_at, lease_left=lease_left)
    if lease_left is not None and lease_left.hi < 0:
        return Classification(PAST_LEASE, **made, faults=stops, reason=_past_reason(terms))
    lost = _state_lost(pair, losing)
    if lost:
        return Classification(STATE_LOST, **made, faults=lost, reason="a state-losing fault struck while both held")
    release = _foreign_release(pair)
    if release is not None:
        return Classification(FOREIGN_RELEASE, **made, release=release,
                              reason="another process's release succeeded while the earlier holder held")
    if not terms.leased or (lease_left is not None and lease_left.lo > 0):
        return Classification(BUG, **made, reason="granted while the earlier lease was certainly valid")
    return Classification(UNDETERMINED, **made, reason=_undetermined_reason(pair, lease_left))


def classify_all(history: History, pairs: Sequence[tuple[Operation, Operation]], terms: LeaseTerms,
                 **margins: Any) -> list[Classification]:
    """`classify` for each (earlier, later) overlap of one history."""
    return [classify(history, earlier, later, terms, **margins) for earlier, later in pairs]


# ---- words -------------------------------------------------------------------------------------

def _past_reason(terms: LeaseTerms) -> str:
    if not terms.renews:
        return "the later acquire was invoked after the latest moment the lease could end"
    return "the holder's renewal was certainly stopped for longer than the lease before the later acquire"


def _undetermined_reason(pair: _Pair, left: Span | None) -> str:
    if not pair.timed:
        return "the history has no times for the two acquires"
    if any(extends(fault, pair.terms) for fault in pair.in_window()):
        return "a fault that may restart or stretch the lease (a leader change, a clock set back) struck meanwhile"
    if math.isinf(left.hi):
        return ("the lock renews its lease, no fault certainly stopped the renewal, and the grant may have"
                " come after the first lease ended")
    return (f"the grant came somewhere from {_s(left.hi)} before to {_s(-left.lo)} after the lease ran out"
            " (inside the margins)")


def _s(x: float) -> str:
    """Seconds with sensible precision: 12.3 s, 3.1 s, 0.42 s, 7 ms."""
    if abs(x) >= 1:
        return f"{x:.1f} s"
    if abs(x) >= 0.1:
        return f"{x:.2f} s"
    return f"{x * 1000:.0f} ms"


def _leases(x: float) -> str:
    """A count of leases: 2.6 leases, 0.018 leases."""
    return f"{x:.1f} leases" if x >= 1 else f"{x:.2g} leases"


def _p(op: Operation) -> str:
    return f"p{op.process}"


def _fault_words(e: Event, events: tuple[Event, ...]) -> str | None:
    """One fault event in words; None for an event another one already words (a restart
    after its kill, a heal)."""
    v = e.value if isinstance(e.value, dict) else {}
    node = f"node {v.get('node')}"
    if e.type == "invoke":
        return f"p{e.process}'s process may have died during its {e.f} (it never returned), ending its session"
    if not e.is_nemesis:
        return f"p{e.process}'s process was killed (retired after its indeterminate {e.f}), ending its session"
    if e.f == "kill":
        restart = next((r for r in events if r.f == "restart" and r.value.get("node") == v.get("node")), None)
        if restart is None:
            return f"{node} was killed"
        return f"{node} was killed and restarted{' empty' if restart.value.get('wipe') else ''}"
    if e.f == "restart":
        killed = any(k.f == "kill" and k.value.get("node") == v.get("node") for k in events)
        return None if killed else f"{node} was restarted{' empty' if v.get('wipe') else ''}"
    if e.f == "clock-jump":
        delta = float(v.get("delta", 0.0))
        return f"{node}'s clock jumped {_s(abs(delta))} {'forward' if delta >= 0 else 'back'}"
    if e.f == "clock-reset":
        return f"{node}'s clock was set back to true time"
    if e.f == "partition":
        return f"{node} was cut off from its peers" if "node" in v else "the nodes were partitioned"
    if e.f == "connection-kill":
        return f"the connections through {v.get('proxy')} were dropped"
    if e.f in ENDINGS:
        return None
    return f"a {e.f} fault struck"


def _stop_words(c: Classification) -> str:
    e = c.faults[0]
    if not e.is_nemesis:
        return f"its renewal stopped when {_p(c.earlier)}'s process was killed"
    if e.f == "partition":
        return f"its renewal stopped while {_p(c.earlier)} was cut off from every server"
    pause = [_seconds(x) for x in c.faults]
    long = f" for {_s(pause[1] - pause[0])}" if len(pause) == 2 and None not in pause else ""
    return f"its renewal stopped while {_p(c.earlier)} was paused{long}"


def _headline(c: Classification) -> str:
    p, q, lease = _p(c.earlier), _p(c.later), c.terms.describe()
    if c.kind == PAST_LEASE:
        past = c.past_by.lo
        why = f" ({_stop_words(c)})" if c.faults else ""
        return (f"{q} was granted the lock at least {_s(past)} ({_leases(past / c.terms.longest)}) "
                f"after {p}'s {lease} ran out{why}")
    if c.kind == STATE_LOST:
        words = [w for w in (_fault_words(e, c.faults) for e in c.faults) if w]
        return f"{q} was granted the lock while {p} held it, after " + " and ".join(dict.fromkeys(words))
    if c.kind == FOREIGN_RELEASE:
        r = c.release
        return (f"{q} was granted the lock after p{r.process}'s release (index {r.index}) succeeded "
                f"while {p} still held it")
    if c.kind == BUG and c.lease_left is None:
        return f"{q} was granted the lock while {p} held it and had not released ({lease}), with no fault to explain it"
    if c.kind == BUG:
        renewed = "renewed " if c.terms.renews else ""
        return (f"{q} was granted the lock at most {_s(c.granted_at.hi)} into {p}'s {renewed}{lease} "
                f"({_s(c.lease_left.lo)} or more of it left), with no fault to explain it")
    return f"{q} was granted the lock while {p} held it; whether inside {p}'s {lease} cannot be told: {c.reason}"
