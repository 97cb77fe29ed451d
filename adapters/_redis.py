"""Shared Redis plumbing for adapters: the owner-checked release.

Connections come from `taala.redis_client` (public: it never retries a timed-out write).
"""

from __future__ import annotations

# Lua compare-and-delete: the release the talk's Redis locks (docs/talk.md, M2) and the
# Redis docs use.
RELEASE_IF_OWNER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""

__all__ = ["RELEASE_IF_OWNER"]
