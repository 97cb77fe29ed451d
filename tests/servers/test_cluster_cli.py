"""`taala cluster`: prints addresses of real servers and stops them on Ctrl-C."""

import signal
import subprocess
import sys

import psutil
import redis
from tests.support.signals import default_sigint


def test_cluster_command_serves_until_interrupted():
    command = [sys.executable, "-c", "from taala.cli import main; main()", "cluster", "redis",
               "--nodes", "2"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
        addresses = [line.split("\t")[1] for line in lines]
        pids = [int(line.split("pid ")[1].split()[0]) for line in lines]
        for address in addresses:
            host, port = address.split(":")
            assert redis.Redis(host=host, port=int(port), socket_timeout=1).ping()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0 and "stopped." in out
        assert not [p for p in pids if psutil.pid_exists(p)
                    and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    finally:
        proc.kill()


def test_cluster_command_rejects_unknown_backend():
    done = subprocess.run([sys.executable, "-c", "from taala.cli import main; main()", "cluster",
                           "nosuch"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "unknown backend" in done.stderr
