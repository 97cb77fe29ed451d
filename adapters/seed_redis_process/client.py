"""seed-redis as a process adapter: the reference client of taala's protocol (docs/process-adapters.md).

The same lock as adapters/seed_redis.py (SET NX PX, Lua compare-and-delete release), spoken to
over stdin/stdout in JSON lines. It needs only redis-py: a template for a client in any language.
"""
import json
import sys
import uuid

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

RELEASE_IF_OWNER = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()  # one reply per line, flushed: taala waits for it


def main():
    hello = json.loads(sys.stdin.readline())
    host, _, port = hello["addresses"][0].rpartition(":")
    # no retries: a retried SET NX that had succeeded would grant the lock twice
    r = redis.Redis(host=host, port=int(port), socket_timeout=0.5, socket_connect_timeout=0.5,
                    retry=Retry(NoBackoff(), 0), decode_responses=True)
    release = r.register_script(RELEASE_IF_OWNER)
    ttl_ms = int(hello["ttl"] * 1000)
    reply({"taala": 1, "ok": True})
    for line in sys.stdin:  # EOF: taala is gone, so are we
        request = json.loads(line)
        op, rid = request["op"], request["id"]
        try:
            if op == "acquire":
                token = str(uuid.uuid4())
                ok = bool(r.set(request["key"], token, nx=True, px=ttl_ms))
                reply({"id": rid, "ok": True, "token": token} if ok else {"id": rid, "ok": False})
            elif op == "release":
                reply({"id": rid, "ok": bool(release(keys=[request["key"]], args=[request["token"]]))})
            elif op == "close":
                reply({"id": rid, "ok": True})
                break
            else:
                reply({"id": rid, "error": f"unknown op {op!r}"})
        except redis.RedisError as e:  # outcome unknown: say so, taala records `info`
            reply({"id": rid, "error": f"{type(e).__name__}: {e}"})
    r.close()


if __name__ == "__main__":
    main()
