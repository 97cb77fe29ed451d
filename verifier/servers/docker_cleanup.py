"""Tear down what a private dockerd leaves behind, even after a SIGKILL of everything of ours.

A dockerd started by taala (`dockerd.py`) dies with us (parent-death signal, watchdog), and
takes its containerd along, but not the rest: each container's ``containerd-shim`` lives
in a session of its own, the containers' processes (a Redis on a bridge IP, possibly
frozen by ``docker pause``) are children of those shims, and the daemon leaves mounts
(its data root, overlay layers, ``exec/netns/default``) and cgroups behind. This finds all
of them by two marks that are ours alone — the daemon's private work directory, which
every shim names on its command line, and the cgroup parent given to the daemon — and
removes them: thaw, SIGKILL, unmount (deepest first), remove the cgroups, delete the
directory.

Run by the watchdog as ``python -I docker_cleanup.py WORKDIR CGROUP`` (so: standard
library only), and called in-process by `DockerDaemon.close()` after a normal stop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

_CGROUPS = "/sys/fs/cgroup"


def _cgroup_dirs(cgroup: str) -> list[str]:
    """Every directory of `cgroup` in every controller, children before parents."""
    found: list[str] = []
    try:
        controllers = os.listdir(_CGROUPS)
    except OSError:
        return found
    for controller in controllers:
        base = os.path.join(_CGROUPS, controller, cgroup.strip("/"))
        for directory, _, _ in os.walk(base, topdown=False):
            found.append(directory)
    return found


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w") as f:
            f.write(text)
    except OSError:
        pass


def processes(workdir: str, cgroup: str) -> set[int]:
    """Processes in `cgroup` and processes whose command line names `workdir`."""
    victims: set[int] = set()
    for directory in _cgroup_dirs(cgroup):
        try:
            with open(os.path.join(directory, "cgroup.procs")) as f:
                victims.update(int(pid) for pid in f.read().split())
        except (OSError, ValueError):
            pass
    marker = workdir.rstrip("/").encode() + b"/"
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if marker in f.read():
                    victims.add(int(entry))
        except OSError:
            pass
    return victims


def mounts_under(workdir: str) -> list[str]:
    """Mount points at or below `workdir`, deepest first."""
    prefix = workdir.rstrip("/") + "/"
    try:
        with open("/proc/self/mounts") as f:
            points = [line.split()[1] for line in f if len(line.split()) > 1]
    except OSError:
        return []
    return sorted((p for p in points if p == workdir or p.startswith(prefix)), key=len, reverse=True)


def clean(workdir: str, cgroup: str, *, remove: bool = True) -> None:
    """Kill, unmount and delete everything of the daemon that owned `workdir` and `cgroup`."""
    for directory in _cgroup_dirs(cgroup):  # a frozen process never acts on its SIGKILL
        if os.path.exists(os.path.join(directory, "freezer.state")):
            _write(os.path.join(directory, "freezer.state"), "THAWED")
    victims = processes(workdir, cgroup)
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + 5
    while victims and time.monotonic() < deadline:
        victims = {p for p in victims if os.path.exists(f"/proc/{p}") and not _zombie(p)}
        time.sleep(0.02)
    for point in mounts_under(workdir):
        subprocess.run(["umount", "-l", point], check=False, capture_output=True, timeout=10)
    for directory in _cgroup_dirs(cgroup):
        try:
            os.rmdir(directory)
        except OSError:
            pass
    if remove:
        subprocess.run(["rm", "-rf", "--one-file-system", "--", workdir], check=False, capture_output=True,
                       timeout=120)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return stat[stat.rindex(b")") + 2:][:1] == b"Z"
    except (OSError, ValueError):
        return True


if __name__ == "__main__":
    clean(sys.argv[1], sys.argv[2])
