"""A process-adapter client that misbehaves as argv[1] says (tests/process/test_hostile.py).

Every process it starts appends its pid to pids.txt in its cwd (the test's directory), so the
test can tell that none is left. `well` behaves: an in-memory lock (no server; each client
process has its own, which is all a protocol test needs)."""
import json
import os
import subprocess
import sys
import time

MODE = sys.argv[1]


def note(pid):
    with open("pids.txt", "a") as f:
        f.write(f"{pid}\n")


def say(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def hang():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])  # a grandchild to orphan
    note(child.pid)
    time.sleep(300)


def answer(request):
    rid, op = request.get("id"), request["op"]
    if op == "close":
        if MODE == "close-hang":
            hang()
        say(json.dumps({"id": rid, "ok": True}))
        sys.exit(0)
    if op == "acquire" and MODE == "slow":  # well behaved, but takes its time
        time.sleep(0.5)
    elif op == "acquire" and MODE != "well":
        if MODE == "crash":
            sys.exit(3)
        if MODE == "hang":
            hang()
        replies = {"garbage": "this is not json", "huge": "x" * 200_000, "huge-unended": "x" * 200_000 + "...",
                   "wrong-id": json.dumps({"id": rid + 100, "ok": True, "token": "t"}),
                   "error": json.dumps({"id": rid, "error": "timed out talking to the server"}),
                   "zero-token": json.dumps({"id": rid, "ok": True, "token": 0}),
                   "no-ok": json.dumps({"id": rid, "token": "t"})}
        if MODE in replies:
            sys.stdout.write(replies[MODE] + ("" if MODE == "huge-unended" else "\n"))
            sys.stdout.flush()
            if MODE == "huge-unended":
                time.sleep(300)
            return
    say(json.dumps({"id": rid, "ok": True, "token": f"t{rid}"} if op == "acquire" else {"id": rid, "ok": True}))


def main():
    note(os.getpid())
    hello = json.loads(sys.stdin.readline())
    print(f"hostile {MODE}: hello {hello}", file=sys.stderr)  # stderr: the client log
    if MODE == "exit-at-start":
        sys.exit(0)
    if MODE == "hello-hang":
        hang()
    if MODE == "version":
        return say(json.dumps({"taala": 2, "ok": True}))
    if MODE == "hello-error":
        return say(json.dumps({"taala": 1, "error": "cannot reach 127.0.0.1:1: connection refused"}))
    say(json.dumps({"taala": 1, "ok": True}))
    for line in sys.stdin:
        answer(json.loads(line))


if __name__ == "__main__":
    main()
