"""A server's own wall clock, moved while it runs (libfaketime with a timestamp file).

Each server gets its own timestamp file, so clocks jump independently. The environment
reproduces the settings that were found to work (each tried on Debian 12's libfaketime
0.9.10 and redis-server; `tests/nemesis/test_clock.py` holds them to it):

- ``FAKETIME_NO_CACHE=1``: re-read the file on every call, so a jump takes effect at once
  (``FAKETIME_CACHE_DURATION=0`` does not do that in libfaketime 0.9.10).
- ``FAKETIME_DONT_FAKE_MONOTONIC=1``: only the wall clock jumps. Faking the monotonic clock
  too stalls Redis's event loop for as long as the jump after jumping back.
- Debian's redis-server links jemalloc, and libfaketime's lazy init deadlocks inside
  jemalloc's init (libfaketime issues #130/#478); preloading glibc's
  ``libc_malloc_debug.so.0`` first puts glibc's malloc in front of jemalloc's.

Only servers that read expiry deadlines from the wall clock are affected: Redis is; the
ZooKeeper JVM and Go's etcd time sessions and leases with the monotonic clock, so a wall
clock jump does nothing to them (the nemesis models their clock faults as pauses).
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from taala.servers.base import MissingBinaryError

_LIBFAKETIME = "/usr/lib/*/faketime/libfaketime.so.1"
_MALLOC_DEBUG = "/lib/*/libc_malloc_debug.so.0"


class FakeClock:
    """The offset of one server's wall clock from real time, in seconds."""

    def __init__(self, timestamp_file: Path):
        self.timestamp_file = timestamp_file
        self.offset = 0.0
        self._write()

    def set_offset(self, seconds: float) -> None:
        """Move the clock to real time + `seconds`; the server sees it on its next clock read."""
        self.offset = float(seconds)
        self._write()

    def jump(self, seconds: float) -> None:
        """Move the clock by `seconds` (negative: back) relative to where it is now."""
        self.set_offset(self.offset + seconds)

    def reset(self) -> None:
        self.set_offset(0.0)

    def environment(self) -> dict[str, str]:
        return {
            "LD_PRELOAD": f"{_find(_MALLOC_DEBUG, 'libc6')}:{_find(_LIBFAKETIME, 'libfaketime')}",
            "FAKETIME_TIMESTAMP_FILE": str(self.timestamp_file),
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        }

    def _write(self) -> None:
        # write-then-rename: the server never reads a half-written offset
        tmp = self.timestamp_file.with_suffix(".tmp")
        tmp.write_text(f"{self.offset:+.3f}\n")
        os.replace(tmp, self.timestamp_file)


def faketime_leftovers(pid: int) -> list[str]:
    """A SIGKILLed libfaketime process leaves its shared memory segment and semaphore."""
    return [f"/dev/shm/faketime_shm_{pid}", f"/dev/shm/sem.faketime_sem_{pid}"]


def _find(pattern: str, package: str) -> str:
    matches = sorted(glob.glob(pattern))
    if not matches:
        raise MissingBinaryError(pattern.rsplit("/", 1)[-1], package)
    return matches[0]
