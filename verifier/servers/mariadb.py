"""MariaDB 10.11 (``GET_LOCK`` named locks) on a loopback port with its own datadir.

``mariadb-install-db`` creates the system tables (about 0.5 s); small InnoDB log and
buffer pool keep each datadir at ~20 MB instead of ~110 MB. Grant tables are skipped:
any user may connect without a password — this server exists only for the test.
``--no-defaults`` keeps the machine's /etc/mysql config (and its port and socket) out.
"""

from __future__ import annotations

import getpass
import os
import subprocess
from pathlib import Path

from taala.servers.base import (
    LOOPBACK,
    Server,
    ServerError,
    exchange,
    find_binary,
    make_workdir,
    remove_dir,
    start_single,
    temp_dir,
)
from taala.servers.network import PrivateNetwork

_SMALL_INNODB = ["--innodb-log-file-size=4M", "--innodb-buffer-pool-size=16M"]


class MariaDBServer(Server):
    kind = "mariadb"
    package = "mariadb-server"
    start_timeout = 30.0

    def __init__(self, name: str, workdir: Path, *, host: str = LOOPBACK,
                 netns: str | None = None):
        self._binary = find_binary("mariadbd", self.package, "/usr/sbin/mariadbd")
        self._install_db = find_binary("mariadb-install-db", self.package)
        super().__init__(name, workdir, host=host, netns=netns)
        self._user = "root" if os.geteuid() == 0 else getpass.getuser()
        self.socket_dir = temp_dir("taala-my-")  # socket paths <= 107 bytes

    def prepare(self) -> None:
        if (self.data_dir / "mysql").is_dir():
            return
        done = subprocess.run(
            [self._install_db, "--no-defaults", f"--datadir={self.data_dir}", f"--user={self._user}",
             "--skip-test-db", "--auth-root-authentication-method=normal", f"--tmpdir={self.socket_dir}",
             *_SMALL_INNODB],
            capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise ServerError(f"mariadb-install-db failed for {self.name} (Debian package "
                              f"{self.package!r}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")

    def command(self) -> list[str]:
        return [self._binary, "--no-defaults", f"--datadir={self.data_dir}", f"--user={self._user}",
                f"--port={self.port}", f"--bind-address={self.host}",
                f"--socket={self.socket_dir / 'mysqld.sock'}", "--skip-grant-tables",
                # its own temporary tables in a directory of its own: in the shared /tmp they
                # vanished under it on a busy machine (install-db aborted: 'mysql.tmp_user_sys')
                f"--tmpdir={self.socket_dir}", "--skip-name-resolve", "--log-error=", *_SMALL_INNODB]

    def probe(self) -> bool:
        # the server speaks first: a handshake packet carrying its version string
        return b"MariaDB" in exchange(self.host, self.port, b"", until=b"MariaDB")

    def kill_statements(self, user: str) -> int:
        """`KILL QUERY` every statement `user` is running (what pt-kill does to a busy
        connection): the session stays, its statement ends. How many were killed."""
        import pymysql

        killed = 0
        conn = pymysql.connect(host=self.host, port=self.port, user="root", autocommit=True, connect_timeout=5)
        try:
            with conn.cursor() as cur:
                try:
                    cur.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s AND COMMAND = 'Query'",
                                (user,))
                except pymysql.err.InternalError:  # seen once: the view's temporary table vanished
                    return 0  # the caller sweeps again a moment later
                for (session_id,) in cur.fetchall():
                    try:
                        cur.execute(f"KILL QUERY {int(session_id)}")
                        killed += 1
                    except pymysql.err.OperationalError:  # it ended meanwhile
                        pass
        finally:
            conn.close()
        return killed

    def close(self) -> None:
        super().close()
        remove_dir(self.socket_dir)


def start_mariadb(*, workdir: Path | str | None = None, network: PrivateNetwork | None = None,
                  timeout: float | None = None) -> MariaDBServer:
    """One MariaDB server on a free port; connect as user root, no password."""
    directory, owned = make_workdir("mariadb", workdir)
    where = network.add_host("mariadb") if network else None
    server = MariaDBServer("mariadb", directory, host=where.address if where else LOOPBACK,
                           netns=where.netns if where else None)
    server.remove_on_close = directory if owned else None
    return start_single(server, timeout)
