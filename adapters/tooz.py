"""tooz 9.1.0 (OpenStack's coordination library) locks, one adapter class per driver, with
and without the heartbeat (`coordinator.start(start_heart=True)`).

Every class drives `tooz.coordination.get_coordinator(url, member_id)` and its
`get_lock(name)`, as a tooz user does: one coordinator per client process (member id unique
per client), one lock object per key, `acquire(blocking=False)` (a try-lock: the drivers
differ in what a blocking wait means, and memcached/pgsql/mysql refuse a wait `timeout`),
`release()`. tooz gives no fencing token. What each driver does underneath (read in the
9.1.0 source):

- `redis`: redis-py `Lock(timeout=lock_timeout, thread_local=False)` (`SET NX PX`, Lua
  release); the heartbeat calls `reacquire()` (PEXPIRE back to the full timeout). tooz
  builds its own redis-py client with redis-py's default retries: a retried command can
  only make an acquire that succeeded look failed (the key stays until it expires), never
  grant twice.
- `memcached`: `add(key, member_id, expire=lock_timeout)`; release is `get` then `delete`,
  not atomic (tooz's own comment); the heartbeat `touch`es the key. Expiry is whole seconds
  on memcached's one-second clock, so a `lock_timeout` of L s really lasts (L - 1, L] s:
  at L = 1 the heart cannot save it (measured: a lock lost 0.27 s after its acquire, before
  the heart's second beat); at L = 2 it kept a lock 6 s. So `tooz-memcached-heartbeat` is
  declared unsafe under `slow` at the 1 s lease the campaigns use. Observed (2026-11-28,
  `pytest verifier/ --taala-adapter tooz-memcached-heartbeat`): the violation found under
  `slow` shrank to a schedule with **no fault and no wait** (`[acquire 0] x4, [race 0]`: 2
  clients, 6 ops), i.e. at `lock_timeout=1` the lock can lapse within a few hundred
  milliseconds of its acquire, heart or not; only the 10 s lease taala uses under `none`
  hides that.
- `postgresql`: `pg_try_advisory_lock` on a connection of the lock's own; tooz keeps a local
  `acquired` flag and `release()` ignores what `pg_advisory_unlock` answers. No lease.
- `mysql` (MariaDB here): `GET_LOCK(name, 0)` on the lock's own connection, a NULL answer is
  "not acquired"; local `acquired` flag. No lease.
- `zookeeper`: kazoo's `Lock` (ephemeral sequential znodes); the lease is the session
  timeout (`timeout`); tooz's heartbeat only pings (kazoo keeps the session itself).
- `file`: fasteners' `InterProcessLock` (a POSIX `lockf` record lock) on a file in the
  shared lock directory of the file adapters (`_files.lock_dir()`); no lease, the kernel
  drops it when the holder dies; its heartbeat only touches member files: no twin.
- `etcd3+http`: etcd3gw lease (`lock_timeout`) + transaction `create_revision == 0`; the
  heartbeat refreshes the lease.

Whole seconds everywhere: tooz reads `timeout`/`lock_timeout` with `int()`, so the lease is
`ceil(ttl)` seconds and `min_ttl` is 1 s (2 s for ZooKeeper and etcd, like the other
adapters on those servers, which puts those four classes in the full tier).

**Observed** (2026-11-28, each class vetted alone with `--taala-adapter`, table in
docs/findings.md): every declaration held. `tooz-postgresql` under `pause` was once inconclusive on a
loaded machine (10 schedules in its 15 s, none pausing a holder) and passed on the rerun (16
schedules): its connection per acquire makes its runs slow. `tooz-memcached` under `slow`
shrank to `[acquire 1, wait 0.5 leases, acquire 0]`: half a lease of plain waiting loses a
1 s memcached lock.

**The heartbeat.** Drivers whose `heartbeat()` renews locks (redis, memcached, etcd3+http)
get a `-heartbeat` twin started with `start(start_heart=True)`: tooz's heart thread beats,
then sleeps *half* of what the driver returns, `min(lock_timeout, membership_timeout)`:
renewal every half lease. PostgreSQL and MySQL locks do not beat (`requires_beating` is
false: `start_heart=True` is a no-op there) and ZooKeeper's beat renews no lock, so those
have no twin. A renewal thread survives a slow holder, not a paused one: SIGSTOP freezes
the heart with the rest of the process, exactly as a GC pause would.
"""

from __future__ import annotations

import contextlib
import math
import sys
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from taala.adapter import Adapter, LeaseTerms, keepalive_promise, safe, session_user, unsafe
from taala.adapters import _etcd as etcd
from taala.adapters import _files
from taala.adapters._redis import key_lease
from taala.adapters.memcached_add_lock import expiry_lease
from taala.adapters.zookeeper_lock import session_lease

PAUSE = unsafe("TTL lock without fencing: a holder paused past its lease (heart frozen too) still believes it holds the lock")
SLOW = unsafe("no renewal without the heartbeat: a holder working past its lease loses the lock without knowing")
SLOW_HEART = safe("the heart renews the lease every half lease while the holder works")
NONE = safe("holders finish well inside the lease (or no lease at all)")
SESSION = LeaseTerms.unleased(session_bound=True)  # a lock that lives as long as its session (or process)


def whole_seconds(ttl: float) -> int:
    """What the adapters pass as tooz's `timeout`, which tooz reads with int(): ceil(ttl), at least 1."""
    return max(1, math.ceil(ttl))


class ToozLock(Adapter):
    """Base: not registered (no `name`); the classes below set the driver."""

    driver: ClassVar[str] = ""
    heartbeat: ClassVar[bool] = False
    # `pytest verifier/` vets these in the full tier only: each driver wraps a lock the quick
    # tier already vets (redis-py-lock, memcached-add-lock, postgres-advisory, mariadb-get-lock)
    # and 1 s leases make each of their faults take minutes.
    tier: ClassVar[str] = "full"
    # the lease the driver's lock gets for a timeout of `seconds` (not `lease`: adapters use that
    # name for the seconds their server applies)
    driver_lease: ClassVar[Callable[[int], LeaseTerms]]

    # the driver's lease for the whole seconds tooz reads; the heart renews it every half lease
    # (tooz/coordination.py Heart: after each beat it waits half of what is left of min(lock_timeout,
    # membership_timeout), the driver's heartbeat() answer)
    @classmethod
    def lease_terms(cls, ttl):
        seconds = whole_seconds(ttl)
        terms = cls.driver_lease(seconds)
        if not cls.heartbeat:
            return terms
        return replace(terms, renews=True, renew_every=keepalive_promise(seconds / 2, terms.shortest))

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        if ttl < self.min_ttl:
            raise ValueError(f"{self.name}: tooz reads its timeouts as whole seconds; use ttl >= {self.min_ttl:g}")
        from tooz import coordination

        self.seconds = whole_seconds(ttl)
        self.coordinator = coordination.get_coordinator(self.url(), f"taala-c{client}-{uuid.uuid4().hex[:8]}".encode())
        self.coordinator.start(start_heart=self.heartbeat)
        self.locks: dict[str, Any] = {}
        self.tokens: dict[str, str] = {}

    def url(self) -> str:
        raise NotImplementedError

    def acquire(self, key):
        lock = self.locks.get(key) or self.locks.setdefault(key, self.coordinator.get_lock(key.encode()))
        if key in self.tokens:
            return None  # tooz would refuse (or re-grant) its own lock: never a second grant
        if not lock.acquire(blocking=False):
            return None
        token = self.tokens[key] = f"c{self.client}-{uuid.uuid4().hex}"
        return token

    def release(self, key, token):
        if self.tokens.get(key) != token:
            return False
        del self.tokens[key]
        return bool(self.locks[key].release())

    def close(self):
        with contextlib.suppress(Exception):  # a stopped or unreachable server: nothing left to release
            self.coordinator.stop()


def _define(name: str, driver: str, url, *, backend: str | None, nodes: int = 1, requires: tuple[str, ...],
            min_ttl: float, lease: Callable[[int], LeaseTerms], expectations: dict, heartbeat: bool = False,
            summary: str) -> type[ToozLock]:
    cls = type(name.replace("-", "_"), (ToozLock,), {
        "__module__": __name__,
        "__firstlineno__": sys._getframe(1).f_lineno,  # the `_define` call: `taala adapters` shows it
        "__doc__": f"tooz `{driver}` driver{' with the heartbeat' if heartbeat else ''} (see the module docstring).",
        "name": name, "summary": summary, "driver": driver, "heartbeat": heartbeat, "backend": backend,
        "nodes": nodes, "requires": ("tooz", *requires), "min_ttl": min_ttl, "expectations": expectations,
        "timing": {"lease": 1.0, "heartbeat": 0.5} if heartbeat else {"lease": 1.0},
        "url": lambda self: url(self), "driver_lease": staticmethod(lease),
    })
    globals()[cls.__name__] = cls
    return cls


# ---- redis --------------------------------------------------------------------------------
for _hb in (False, True):
    _define("tooz-redis" + ("-heartbeat" if _hb else ""), "redis",
            lambda self: f"redis://{self.addresses[0]}?timeout={self.seconds}",
            backend="redis", requires=("redis",), min_ttl=1.0, heartbeat=_hb,
            lease=key_lease,  # redis-py Lock(timeout=lock_timeout): SET NX PX, reacquire() PEXPIREs it
            summary="tooz redis driver: redis-py Lock (SET NX PX, Lua release)"
                    + (", renewed by tooz's heartbeat (reacquire)" if _hb else ", no heartbeat"),
            expectations={
                "none": NONE,
                "slow": SLOW_HEART if _hb else SLOW,
                "pause": PAUSE,
                "kill": unsafe("a Redis restarted without persistence has forgotten the lock"),
                "connection-kill": safe("the key outlives the connection: dropping it changes nothing"),
            })

# ---- memcached ----------------------------------------------------------------------------
for _hb in (False, True):
    _define("tooz-memcached" + ("-heartbeat" if _hb else ""), "memcached",
            lambda self: f"memcached://{self.addresses[0]}?timeout={self.seconds}",
            backend="memcached", requires=("pymemcache",), min_ttl=1.0, heartbeat=_hb,
            lease=expiry_lease,  # add/touch with expire=lock_timeout on memcached's one-second clock
            summary="tooz memcached driver: add with whole-second expiry, get-then-delete release"
                    + (", touched by tooz's heartbeat" if _hb else ", no heartbeat"),
            expectations={
                "none": NONE,
                "slow": unsafe("memcached's one-second clock: a lock_timeout of 1 s lasts (0, 1] s (seen: 0.27 s), "
                               "shorter than the heart's half-second beat") if _hb else SLOW,
                "pause": PAUSE,
                "connection-kill": safe("the item outlives the connection: dropping it changes nothing"),
            })

# ---- postgresql (no heartbeat: its locks do not beat) ---------------------------------------
_define("tooz-postgresql", "postgresql",
        lambda self: f"postgresql://postgres@{self.addresses[0]}/postgres",
        backend="postgres", requires=("psycopg2",), min_ttl=0.0,
        lease=lambda seconds: SESSION,  # pg_try_advisory_lock: the session's until unlocked or it ends
        summary="tooz postgresql driver: pg_try_advisory_lock on the lock's own session; no lease",
        expectations={
            "none": NONE,
            "pause": safe("a paused holder's session stays open on the server, so the lock stays held"),
            "connection-kill": unsafe("the server ends the dropped session and frees its lock; tooz's acquired flag still says held"),
            "kill": unsafe("a restarted server has forgotten every session's locks; the old holder still believes"),
        })

# ---- mysql / MariaDB (no heartbeat) ----------------------------------------------------------
_define("tooz-mysql", "mysql",
        lambda self: f"mysql://{session_user(self.client)}@{self.addresses[0]}/mysql",
        backend="mariadb", requires=("pymysql",), min_ttl=0.0,
        lease=lambda seconds: SESSION,  # GET_LOCK: the session's until released or it ends
        summary="tooz mysql driver on MariaDB: GET_LOCK(name, 0) on the lock's own connection; no lease",
        expectations={
            "none": NONE,
            "pause": safe("a paused holder's connection stays open, so GET_LOCK stays held"),
            "connection-kill": unsafe("the server ends the dropped session and frees GET_LOCK; tooz's acquired flag still says held"),
            "query-kill": safe("a killed GET_LOCK answers NULL, which tooz reads as not acquired (unlike the seed's IRCTC loop)"),
        })

# ---- file (fasteners' lockf-based InterProcessLock; its heartbeat only touches member files) --
_define("tooz-file", "file",
        lambda self: f"file://{_files.lock_dir()}/tooz",
        backend=None, requires=("fasteners",), min_ttl=0.0,
        lease=lambda seconds: SESSION,  # fcntl.lockf (fasteners/process_mechanism.py): the process's until it dies
        summary="tooz file driver: fasteners InterProcessLock (a POSIX record lock) in a shared directory; no lease",
        expectations={
            "none": NONE,
            "slow": safe("no lease: a slow holder keeps the file lock until it releases"),
            "pause": safe("no lease: a paused holder's descriptor stays open, so the kernel keeps its lock"),
        })

# ---- zookeeper (heartbeat only pings: no twin) ---------------------------------------------
_define("tooz-zookeeper", "zookeeper",
        lambda self: (f"zookeeper://{self.addresses[0]}?timeout={self.seconds}"
                      + "".join(f"&hosts={a}" for a in self.addresses[1:])),
        backend="zookeeper", nodes=3, requires=("kazoo",), min_ttl=2.0,
        lease=session_lease,  # kazoo's Lock: the ephemeral node lives as long as the session (timeout)
        summary="tooz zookeeper driver: kazoo Lock on a 3-node ensemble; the lease is the session timeout",
        expectations={
            "none": NONE,
            "pause": unsafe("a holder paused past its session timeout loses its znode and still believes it holds the lock"),
        })

# ---- etcd3+http -------------------------------------------------------------------------------
for _hb in (False, True):
    _define("tooz-etcd3" + ("-heartbeat" if _hb else ""), "etcd3+http",
            lambda self: f"etcd3+http://{self.addresses[0]}?timeout={self.seconds}&api_version=v3",
            backend="etcd", nodes=3, requires=("etcd3gw",), min_ttl=2.0, heartbeat=_hb,
            lease=etcd.lease,  # a fresh etcd3gw lease of lock_timeout per acquire; the heart refresh()es it
            summary="tooz etcd3+http driver: etcd3gw lease + create_revision == 0 txn on 3 nodes"
                    + (", lease refreshed by tooz's heartbeat" if _hb else ", no heartbeat"),
            expectations={
                "none": NONE,
                "slow": SLOW_HEART if _hb else SLOW,
                "pause": PAUSE,
            })

del _hb
