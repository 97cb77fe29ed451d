"""A reaper process that cleans up after us if we die without cleaning up ourselves.

Servers get ``PR_SET_PDEATHSIG`` (see `process.py`), but that alone is not enough:
the signal fires when the *thread* that started the child exits (so it is only armed from
the main thread), it is cleared when a child changes credentials (PostgreSQL via setpriv
restores it with ``--pdeathsig keep``, but that is one more thing that could go wrong), and
it reaches only the direct child, not PostgreSQL's backends. Network namespaces outlive
everyone unless deleted.

So each Python process that starts a server also starts one tiny watchdog: a separate
Python process, in its own session (Ctrl-C and ``timeout`` do not reach it), that reads
commands from a pipe whose only writer is us. When we die, however we die, the kernel
closes the pipe; the watchdog reads EOF, SIGKILLs every process group it was told about
and runs every cleanup command, then exits. A normal shutdown tells it to forget each
group as that group is stopped, so nothing is left to do at EOF.

This file is both the client API (imported) and the watchdog itself (run as a script
with ``python -I``, so it must import nothing but the standard library).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

_lock = threading.Lock()
_watchdog: subprocess.Popen | None = None


def guard_group(pgid: int) -> None:
    """Have the watchdog SIGKILL process group `pgid` if this process dies."""
    _send(["group", pgid, _start_time(pgid)])


def release_group(pgid: int) -> None:
    """The group was stopped normally: the watchdog must not touch that number again."""
    _send(["forget-group", pgid])


def guard_command(argv: list[str]) -> None:
    """Have the watchdog run `argv` (after killing the groups) if this process dies."""
    _send(["command", argv])


def release_command(argv: list[str]) -> None:
    _send(["forget-command", argv])


def _send(message: list) -> None:
    global _watchdog
    with _lock:
        if _watchdog is None or _watchdog.poll() is not None:
            _watchdog = subprocess.Popen(
                [sys.executable, "-I", os.path.abspath(__file__)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        assert _watchdog.stdin is not None
        _watchdog.stdin.write(json.dumps(message).encode() + b"\n")
        _watchdog.stdin.flush()


def _forget_watchdog_in_child() -> None:
    """A forked child must not keep our pipe open (the watchdog would never see EOF),
    and must start its own watchdog for any server it starts."""
    global _watchdog
    if _watchdog is not None and _watchdog.stdin is not None:
        try:
            os.close(_watchdog.stdin.fileno())
        except OSError:
            pass
    _watchdog = None


os.register_at_fork(after_in_child=_forget_watchdog_in_child)


def _start_time(pid: int) -> int | None:
    """Kernel start time of `pid` (clock ticks since boot), to detect pid reuse."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # the command name (field 2) may contain spaces and parentheses: split after the last ')'
    return int(stat[stat.rindex(b")") + 2 :].split()[19])


def _serve() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    groups: dict[int, int | None] = {}
    commands: list[list[str]] = []
    for line in sys.stdin.buffer:
        try:
            kind, *args = json.loads(line)
        except ValueError:
            continue
        if kind == "group":
            groups[args[0]] = args[1]
        elif kind == "forget-group":
            groups.pop(args[0], None)
        elif kind == "command":
            commands.append(args[0])
        elif kind == "forget-command" and args[0] in commands:
            commands.remove(args[0])
    # EOF: the process that started the servers is gone.
    for pgid, started in groups.items():
        leader_now = _start_time(pgid)
        if leader_now is not None and started is not None and leader_now != started:
            continue  # the number belongs to an unrelated process now
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass
    if commands:
        time.sleep(0.2)  # let the kernel tear down the killed processes' namespaces
    for argv in commands:
        try:
            subprocess.run(argv, timeout=10, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            pass


if __name__ == "__main__":
    _serve()
