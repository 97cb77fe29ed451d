"""Adapters that wrap a library's lock *object*, one per acquire (redis-py's `Lock`,
pottery's `Redlock`, sherlock's `RedisLock`): the object that took the lock is the one that
must release it, so each holder's object is kept by its token until its release. Some
libraries also release a lock object when it is garbage-collected (sherlock's `__del__`),
which an adapter that dropped it would do behind the runner's back.
"""

from __future__ import annotations

from typing import Any


class HeldLocks:
    """`hold(token, lock)` after a library's acquire succeeded; `release` then releases that
    very object, a library exception in `not_ours` (the key expired or is another's) being
    a refused release."""

    not_ours: tuple[type[BaseException], ...] = ()

    def hold(self, token: str, lock: Any) -> str:
        self.__dict__.setdefault("_held", {})[token] = lock
        return token

    def held(self) -> dict[str, Any]:
        return self.__dict__.setdefault("_held", {})

    def release(self, key: str, token: Any) -> bool:
        lock = self.held().pop(token, None)
        if lock is None:
            return False
        try:
            lock.release()
        except self.not_ours:
            return False
        return True
