"""The private dockerd: starts alone, and leaves nothing behind even when we are SIGKILLed."""

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from taala.servers.docker_cleanup import mounts_under, processes

CHILD = textwrap.dedent("""
    import json, sys
    from taala.servers.dockerd import start_dockerd, import_binaries
    daemon = start_dockerd()
    tag = import_binaries(daemon, "crash/redis:local", ["redis-server"])
    net = daemon.network("crash")
    container = daemon.client.containers.run(
        tag, ["/usr/bin/redis-server", "--port", "6379", "--protected-mode", "no", "--save", ""],
        detach=True, name="doomed", network=net.name)
    container.reload()
    container.pause()  # a frozen container must be killed all the same
    print(json.dumps({"workdir": str(daemon.workdir), "cgroup": daemon.cgroup,
                      "bridge": net.bridge,
                      "ip": container.attrs["NetworkSettings"]["Networks"]["crash"]["IPAddress"]}))
    sys.stdout.flush()
    sys.stdin.read()  # until killed
""")


def test_dockerd_serves_its_own_socket_only(dockerd):
    assert dockerd.client.ping()
    assert dockerd.socket.is_socket() and str(dockerd.workdir) in dockerd.address
    info = dockerd.client.info()
    assert info["DockerRootDir"].startswith(str(dockerd.workdir))
    assert dockerd.docker_cli("version", "--format", "{{.Server.Version}}").returncode == 0
    # the directory's name is the containerd namespace too: containerd's own rule for it
    assert re.fullmatch(r"[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*", dockerd.tag)


def test_nothing_outlives_a_sigkilled_owner(dockerd):
    # `dockerd` only for its skip reasons: the daemon under test is the child's own
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        state = json.loads(child.stdout.readline())
        workdir = state["workdir"]
        assert processes(workdir, state["cgroup"])  # dockerd, containerd, shim, redis
        assert mounts_under(workdir)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(10)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (Path(workdir).exists() or bridge_exists(state["bridge"])
                                           or processes(workdir, state["cgroup"])):
        time.sleep(0.1)
    assert not processes(workdir, state["cgroup"])
    assert not mounts_under(workdir)
    assert not Path(workdir).exists()
    assert not list(Path("/sys/fs/cgroup").glob(f"*{state['cgroup']}"))
    assert not bridge_exists(state["bridge"])


def bridge_exists(name: str) -> bool:
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    return f" {name}:" in links
