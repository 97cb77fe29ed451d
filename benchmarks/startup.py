"""Startup cost of the real servers: wall time from `start_*()` to every node serving.

    python benchmarks/startup.py [--runs 5]

Targets on a 2-core VM (issue 3): 5 Redis <= 0.5 s, ZooKeeper ensemble <= 3 s, etcd
cluster <= 3 s. "Serving" is the same readiness the tests wait for: Redis answers PING,
every ZooKeeper node reports leader/follower, every etcd node reports healthy (has a
leader), PostgreSQL passes pg_isready, MariaDB sends its handshake, memcached answers
`version`. The time includes creating data directories (initdb, mariadb-install-db).
"""

from __future__ import annotations

import argparse
import statistics
import time

from taala.servers import (
    start_etcd,
    start_mariadb,
    start_memcached,
    start_postgres,
    start_redis,
    start_zookeeper,
)

CASES = [
    # (label, start function, kwargs, target seconds or None)
    ("redis x5", start_redis, {"nodes": 5}, 0.5),
    ("redis x5 with fake clocks", start_redis, {"nodes": 5, "clock": True}, 0.5),
    ("zookeeper standalone", start_zookeeper, {"nodes": 1}, None),
    ("zookeeper ensemble x3", start_zookeeper, {"nodes": 3}, 3.0),
    ("etcd single", start_etcd, {"nodes": 1}, None),
    ("etcd cluster x3", start_etcd, {"nodes": 3}, 3.0),
    ("postgres (incl. initdb)", start_postgres, {}, None),
    ("mariadb (incl. install-db)", start_mariadb, {}, None),
    ("memcached", start_memcached, {}, None),
]


def measure(start, kwargs: dict, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.monotonic()
        started = start(**kwargs)
        times.append(time.monotonic() - began)
        started.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"{'backend':<28} {'median s':>9} {'min s':>7} {'max s':>7} {'target':>7}  ok")
    failed = False
    for label, start, kwargs, target in CASES:
        times = measure(start, kwargs, runs)
        median = statistics.median(times)
        ok = "yes" if target is None or median <= target else "NO"
        failed |= ok == "NO"
        print(f"{label:<28} {median:>9.2f} {min(times):>7.2f} {max(times):>7.2f} "
              f"{(f'{target:.1f}' if target else '-'):>7}  {ok}")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
