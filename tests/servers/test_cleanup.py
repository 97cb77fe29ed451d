"""No server outlives the process that started it, even when that process is SIGKILLed."""

import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

STARTER = textwrap.dedent("""
    import sys, threading, time
    from taala.servers.redis import start_redis
    pids = []
    def start():
        pids.extend(s.pid for s in start_redis(2, clock=True))
    if sys.argv[1] == "thread":  # parent-death signal not armed: the watchdog alone
        t = threading.Thread(target=start); t.start(); t.join()
    else:
        start()
    if sys.argv[2] == "postgres":
        from taala.servers.postgres import start_postgres
        pg = start_postgres()
        pids.append(pg.pid)
    print(" ".join(map(str, pids)), flush=True)
    time.sleep(120)
""")


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("thread, extra", [("main", "-"), ("thread", "-"), ("main", "postgres")])
def test_sigkilled_starter_leaves_no_server_behind(thread, extra):
    starter = subprocess.Popen([sys.executable, "-c", STARTER, thread, extra],
                               stdout=subprocess.PIPE, text=True)
    try:
        line = starter.stdout.readline()
        pids = [int(p) for p in line.split()]
        assert len(pids) >= 2, line
        group_members = [c.pid for p in pids for c in psutil.Process(p).children(recursive=True)]
        assert all(_alive(p) for p in pids)
        starter.send_signal(signal.SIGKILL)
        starter.wait(5)
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in pids + group_members) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [p for p in pids + group_members if _alive(p)]
    finally:
        starter.kill()


NETWORK_STARTER = textwrap.dedent("""
    import time
    from taala.servers.network import PrivateNetwork
    from taala.servers.redis import start_redis
    network = PrivateNetwork()
    cluster = start_redis(2, network=network)
    print(network.bridge, " ".join(h.netns for h in network.hosts), flush=True)
    time.sleep(120)
""")


def _names(*argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout


def test_sigkilled_starter_leaves_no_network_namespace_behind():
    import os
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    starter = subprocess.Popen([sys.executable, "-c", NETWORK_STARTER], stdout=subprocess.PIPE,
                               text=True)
    try:
        bridge, *namespaces = starter.stdout.readline().split()
        assert namespaces and all(n in _names("ip", "netns", "list") for n in namespaces)
        starter.send_signal(signal.SIGKILL)
        starter.wait(5)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            listed, links = _names("ip", "netns", "list"), _names("ip", "-br", "link")
            if not any(n in listed for n in namespaces) and f"{bridge} " not in links:
                break
            time.sleep(0.1)
        assert not [n for n in namespaces if n in _names("ip", "netns", "list")]
        assert f"{bridge} " not in _names("ip", "-br", "link")
    finally:
        starter.kill()


DIR_STARTER = textwrap.dedent("""
    import time
    from taala.servers.etcd import start_etcd
    from taala.servers.postgres import start_postgres
    etcd = start_etcd(1)
    pg = start_postgres()
    print(etcd.workdir, pg.runtime_dir, pg.remove_on_close, flush=True)
    time.sleep(120)
""")


def test_sigkilled_starter_leaves_no_temporary_directory_behind():
    """etcd's data directory alone can reach hundreds of MB; the watchdog deletes it."""
    from pathlib import Path

    starter = subprocess.Popen([sys.executable, "-c", DIR_STARTER], stdout=subprocess.PIPE, text=True)
    try:
        dirs = [Path(d) for d in starter.stdout.readline().split()]
        assert len(dirs) == 3 and all(d.is_dir() for d in dirs), dirs
        starter.send_signal(signal.SIGKILL)
        starter.wait(5)
        deadline = time.monotonic() + 20
        while any(d.exists() for d in dirs) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [d for d in dirs if d.exists()]
    finally:
        starter.kill()
