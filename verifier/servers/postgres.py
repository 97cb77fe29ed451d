"""PostgreSQL 15 (advisory locks), run as the ``postgres`` user when we are root.

PostgreSQL refuses to run as root. ``setpriv`` drops privileges and then *execs* the
server, so the pid we hold is the postmaster's own (``runuser`` would stay in between
as the parent, and SIGSTOP would hit the wrong process). ``--pdeathsig keep`` re-arms the
parent-death signal that the kernel clears on the credential change.

The data directory and socket live in their own short temp directory owned by
``postgres``: pytest's tmp directories are 0700 root (postgres could not enter them) and
unix socket paths are limited to 107 bytes. The log stays with the other servers' logs.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
from pathlib import Path

from taala.servers.base import (
    LOOPBACK,
    MissingBinaryError,
    Server,
    ServerError,
    make_workdir,
    remove_dir,
    start_single,
    temp_dir,
)
from taala.servers.network import PrivateNetwork

_SYSTEM_USER = "postgres"


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise MissingBinaryError("postgres", "postgresql-15")
    return Path(found[-1]).parent


def _as_postgres() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={_SYSTEM_USER}", f"--regid={_SYSTEM_USER}", "--init-groups",
            "--pdeathsig", "keep", "--"]


class PostgresServer(Server):
    kind = "postgres"
    package = "postgresql-15"
    start_timeout = 30.0
    stop_signal = signal.SIGINT  # "fast" shutdown; SIGTERM would wait for clients to leave

    def __init__(self, name: str, workdir: Path, *, host: str = LOOPBACK,
                 netns: str | None = None):
        self.bindir = _bindir()
        super().__init__(name, workdir, host=host, netns=netns)
        self.runtime_dir = temp_dir("taala-pg-")
        self.data_dir = self.runtime_dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.runtime_dir, _SYSTEM_USER, _SYSTEM_USER)

    @property
    def dsn(self) -> str:
        return f"host={self.host} port={self.port} user=postgres dbname=postgres"

    def prepare(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        done = subprocess.run(
            [*_as_postgres(), str(self.bindir / "initdb"), "-D", str(self.data_dir),
             "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--no-instructions"],
            capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise ServerError(f"initdb failed for {self.name} (Debian package {self.package!r}):\n"
                              f"{done.stdout[-2000:]}{done.stderr[-2000:]}")

    def command(self) -> list[str]:
        return [*_as_postgres(), str(self.bindir / "postgres"), "-D", str(self.data_dir),
                "-p", str(self.port), "-k", str(self.runtime_dir),
                "-c", f"listen_addresses={self.host}", "-c", "fsync=off",
                "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                # dynamic shared memory as files in the data dir, not /dev/shm segments
                # that a SIGKILLed server would leave behind
                "-c", "dynamic_shared_memory_type=mmap"]

    def probe(self) -> bool:
        return subprocess.run(
            [str(self.bindir / "pg_isready"), "-q", "-h", self.host, "-p", str(self.port),
             "-t", "1"], timeout=5).returncode == 0

    def wipe(self) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def close(self) -> None:
        super().close()
        self._remove_orphaned_sysv_segment()
        remove_dir(self.runtime_dir)

    def _remove_orphaned_sysv_segment(self) -> None:
        """A killed postmaster leaves postmaster.pid and its small SysV segment; a restart
        would reclaim it, but we are closing for good."""
        try:
            shmid = (self.data_dir / "postmaster.pid").read_text().splitlines()[6].split()[1]
        except (OSError, IndexError):
            return
        subprocess.run(["ipcrm", "-m", shmid], capture_output=True, timeout=10)


def start_postgres(*, workdir: Path | str | None = None, network: PrivateNetwork | None = None,
                   timeout: float | None = None) -> PostgresServer:
    """One PostgreSQL server on a free port; connect with ``server.dsn`` (user postgres,
    trust auth). `network` as for `start_redis`."""
    directory, owned = make_workdir("postgres", workdir)
    where = network.add_host("postgres") if network else None
    server = PostgresServer("postgres", directory, host=where.address if where else LOOPBACK,
                            netns=where.netns if where else None)
    server.remove_on_close = directory if owned else None
    return start_single(server, timeout)
