"""The resource a lock protects: a counter in a Redis the nemesis never touches.

Clients update it by read-modify-write inside their critical section, which is exactly
the pattern a lock is for. If two clients are ever inside at once, one increment is lost,
and the recorded ops show it: every write is recorded as `cas [v v+1]` ("I wrote v+1
believing the value was v"), so a lost update is a cas from a value the register no
longer held, and the `cas-register` model rejects it.

With a fencing token (adapters that set `fenced`), both the read and the write carry the
holder's token and a Lua script rejects any token older than the newest one seen: the
stale holder's access fails instead of doing damage (Kleppmann's fencing).
"""

from __future__ import annotations

from taala.redis_connect import redis_client

VALUE, FENCE = "resource:value", "resource:fence"

# Admit an access only with a token at least as new as any seen; remember the newest.
_FENCED_READ = """
local newest = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[1]) < newest then return {0, 0} end
redis.call('SET', KEYS[2], ARGV[1])
return {1, tonumber(redis.call('GET', KEYS[1]) or '0')}
"""
_FENCED_WRITE = """
local newest = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[2]) < newest then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""


class Rejected(Exception):
    """The resource refused a stale fencing token: the access certainly did not happen."""


class Resource:
    def __init__(self, address: str):
        self.redis = redis_client(address, timeout=1.0)
        self._read = self.redis.register_script(_FENCED_READ)
        self._write = self.redis.register_script(_FENCED_WRITE)

    def read(self, token: int | None = None) -> int:
        if token is None:
            return int(self.redis.get(VALUE) or 0)
        admitted, value = self._read(keys=[VALUE, FENCE], args=[token])
        if not admitted:
            raise Rejected(f"stale token {token}")
        return int(value)

    def write(self, value: int, token: int | None = None) -> None:
        if token is None:
            self.redis.set(VALUE, value)
        elif not self._write(keys=[VALUE, FENCE], args=[value, token]):
            raise Rejected(f"stale token {token}")

    def close(self) -> None:
        self.redis.close()
