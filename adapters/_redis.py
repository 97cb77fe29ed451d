"""Shared Redis plumbing for adapters: retry-free connections and the owner-checked release."""

from __future__ import annotations

from taala.redis_connect import connect

# Lua compare-and-delete: the release the seed (and the Redis docs) use.
RELEASE_IF_OWNER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""

__all__ = ["RELEASE_IF_OWNER", "connect"]
