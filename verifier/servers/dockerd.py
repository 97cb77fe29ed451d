"""A private Docker engine as a child process, and images made from Debian's own binaries.

For the Docker nemesis's tests, and for anyone who wants containers without touching the
machine's own Docker (if any): Debian's ``dockerd`` (package ``docker.io``) runs as one of
our supervised servers, with everything of its own under one fresh temporary directory —
API socket, data root, exec root, pid file, containerd namespace — and its containers in a
cgroup parent of its own. It creates no default bridge and writes no iptables rules
(``--bridge=none --iptables=false``); the networks it does create (`network`) are Linux
bridges on subnets ``10.214.<slot>.0/24`` whose slot is locked machine-wide, like
`taala.servers.network`'s.

No registry is reachable from here, so images are made locally: `import_binaries` copies
a binary and the shared libraries ``ldd`` names (plus optional files such as libfaketime)
into a root filesystem and ``docker import``s it (a Redis image is 17 MB and imports in
0.2 s).

Cleanup survives crashes: if this process dies, the watchdog runs `docker_cleanup`, which
kills the shims and containers (thawing paused ones first), unmounts and deletes the
directory. Needs root, like dockerd itself.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taala.servers import docker_cleanup, watchdog
from taala.servers.base import Server, ServerError, find_binary
from taala.servers.ports import try_lock, unlock

_NET_PREFIX = "10.214"


@dataclass
class DockerNetwork:
    """A bridge network of one private daemon: containers get ``subnet.10`` upwards, and
    this process reaches them directly through the bridge (the host holds the gateway)."""

    name: str
    slot: int
    bridge: str
    network: Any  # docker.models.networks.Network

    @property
    def subnet(self) -> str:
        return f"{_NET_PREFIX}.{self.slot}"

    @property
    def gateway(self) -> str:
        return f"{self.subnet}.1"

    def address(self, index: int) -> str:
        """The fixed address of the `index`-th container (1-based): ``subnet.(9 + index)``."""
        return f"{self.subnet}.{9 + index}"


class DockerDaemon(Server):
    """dockerd with a private socket, data root, exec root, containerd namespace and cgroup."""

    kind = "dockerd"
    package = "docker.io"
    port_names = ()
    start_timeout = 30.0
    stop_grace = 15.0

    def __init__(self, name: str = "dockerd"):
        self._binary = find_binary("dockerd", self.package, "/usr/sbin/dockerd")
        if os.geteuid() != 0:
            raise ServerError("dockerd needs root")
        # A short fresh path (unix socket paths are limited to 107 bytes), and the only mark
        # the crash cleanup needs: every shim names it on its command line.
        self.workdir = _fresh_dir()
        self.tag = self.workdir.name  # also the containerd namespace: [a-z0-9-] only
        self.cgroup = f"/{self.tag}"
        self._cleanup = [sys.executable, "-I", docker_cleanup.__file__, str(self.workdir), self.cgroup]
        watchdog.guard_command(self._cleanup)
        super().__init__(name, self.workdir)
        self.socket = self.dir / "docker.sock"
        self._client: Any = None
        self.networks: list[DockerNetwork] = []

    @property
    def address(self) -> str:
        return f"unix://{self.socket}"

    def command(self) -> list[str]:
        return [
            self._binary,
            "--host", self.address,
            "--data-root", str(self.dir / "root"),
            "--exec-root", str(self.dir / "exec"),
            "--pidfile", str(self.dir / "dockerd.pid"),
            "--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-forward=false",
            "--containerd-namespace", self.tag,
            "--containerd-plugins-namespace", f"{self.tag}-plugins",
            "--cgroup-parent", self.cgroup,
            "--log-level", "warn",
            # not /etc/docker/daemon.json: the machine's own Docker settings are not ours
            "--config-file", str(self.dir / "daemon.json"),
        ]

    def prepare(self) -> None:
        super().prepare()
        # its identity key too (20.10 writes /etc/docker/key.json otherwise)
        settings = {"deprecated-key-path": str(self.dir / "key.json")}
        (self.dir / "daemon.json").write_text(json.dumps(settings) + "\n")

    def probe(self) -> bool:
        with socket.socket(socket.AF_UNIX) as conn:
            conn.settimeout(1.0)
            conn.connect(str(self.socket))
            conn.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = conn.recv(4096)
        return reply.startswith(b"HTTP/1.") and reply.rstrip().endswith(b"OK")

    def _owns_port(self) -> bool:
        return True  # the socket is in our own fresh directory: nobody else can answer on it

    # ---- the API ----------------------------------------------------------------------
    @property
    def client(self) -> Any:
        """A `docker.DockerClient` on this daemon's socket (the `docker` extra)."""
        if self._client is None:
            try:
                import docker
            except ImportError as error:
                raise ServerError("the Docker SDK is missing: pip install 'taala[docker]'") from error
            self._client = docker.DockerClient(base_url=self.address, version="auto", timeout=60)
        return self._client

    def network(self, name: str) -> DockerNetwork:
        """A bridge network on a subnet no other taala process uses; removed on close."""
        in_use = subprocess.run(["ip", "-o", "addr"], check=False, capture_output=True, text=True,
                                timeout=10).stdout
        for slot in range(1, 250):
            bridge = f"tdk{slot}"
            if f" {_NET_PREFIX}.{slot}." in in_use or f" {bridge} " in in_use:
                continue
            if not try_lock(f"docker-net-{slot}"):
                continue
            break
        else:
            raise ServerError(f"no free {_NET_PREFIX}.x.0/24 slot for a Docker network")
        import docker.types
        watchdog.guard_command(["ip", "link", "del", bridge])
        try:
            ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(
                subnet=f"{_NET_PREFIX}.{slot}.0/24", gateway=f"{_NET_PREFIX}.{slot}.1")])
            created = self.client.networks.create(
                name, driver="bridge", ipam=ipam,
                options={"com.docker.network.bridge.name": bridge})
        except BaseException:
            self._release_network(slot, bridge)
            raise
        net = DockerNetwork(name, slot, bridge, created)
        self.networks.append(net)
        return net

    def _release_network(self, slot: int, bridge: str) -> None:
        subprocess.run(["ip", "link", "del", bridge], check=False, capture_output=True, timeout=20)
        watchdog.release_command(["ip", "link", "del", bridge])
        unlock(f"docker-net-{slot}")

    # ---- lifecycle ----------------------------------------------------------------------
    def close(self) -> None:
        """Remove every container and network, stop dockerd, then kill, unmount and delete
        whatever is left. Safe to call more than once."""
        if self._client is not None and self.running:
            # the daemon may be wedged: docker_cleanup.clean() does the rest
            with contextlib.suppress(Exception):
                for container in self._client.containers.list(all=True):
                    container.remove(force=True, v=True)
                for net in self.networks:
                    net.network.remove()
            self._client.close()
            self._client = None
        for net in self.networks:
            self._release_network(net.slot, net.bridge)
        self.networks = []
        super().close()
        if self._cleanup:
            docker_cleanup.clean(str(self.workdir), self.cgroup)
            watchdog.release_command(self._cleanup)
            self._cleanup = []

    def docker_cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run the ``docker`` command-line client against this daemon (bounded)."""
        docker = find_binary("docker", self.package)
        return subprocess.run([docker, "-H", self.address, *args], check=False, capture_output=True,
                              text=True, timeout=timeout)


def _fresh_dir() -> Path:
    """A new private directory ``<tmp>/taala-dockerd-<hex>`` (mkdtemp's names may hold
    ``_``, which containerd refuses in a namespace)."""
    for _ in range(100):
        path = Path(tempfile.gettempdir()) / f"taala-dockerd-{secrets.token_hex(4)}"
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return path
    raise ServerError(f"no fresh directory for dockerd in {tempfile.gettempdir()}")


def start_dockerd(timeout: float | None = None) -> DockerDaemon:
    """Start a private dockerd in a fresh temporary directory (all deleted on close)."""
    daemon = DockerDaemon()
    try:
        return daemon.start(timeout)
    except BaseException:
        daemon.close()
        raise


# ---- images from this machine's binaries ------------------------------------------------------
def shared_libraries(binary: str) -> list[str]:
    """The absolute paths of the libraries ``ldd`` says `binary` loads (the loader included)."""
    done = subprocess.run(["ldd", binary], check=False, capture_output=True, text=True, timeout=20)
    if done.returncode != 0:
        raise ServerError(f"ldd {binary} failed: {done.stderr.strip()}")
    paths = []
    for line in done.stdout.splitlines():
        for word in line.split():
            if word.startswith("/"):
                paths.append(word)
    return paths


def rootfs_tar(binaries: list[str], extra_files: list[str] = (), dirs: list[str] = ("/data", "/tmp")) -> bytes:
    """A tar of a root filesystem holding `binaries`, their libraries and `extra_files` at
    their paths on this machine (symlinks followed), and empty `dirs`."""
    files: dict[str, str] = {}
    for binary in binaries:
        path = shutil.which(binary) or binary
        for f in [path, *shared_libraries(path)]:
            files.setdefault(f, f)
    for f in extra_files:
        files.setdefault(f, f)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        made: set[str] = set()

        def directory(path: str, mode: int = 0o755) -> None:
            parts = Path(path).parts[1:]
            for i in range(1, len(parts) + 1):
                name = "/".join(parts[:i])
                if name not in made:
                    made.add(name)
                    info = tarfile.TarInfo(name)
                    info.type, info.mode = tarfile.DIRTYPE, mode
                    tar.addfile(info)

        for d in dirs:
            directory(d, 0o1777 if d == "/tmp" else 0o755)
        for f in sorted(files):
            directory(str(Path(f).parent))
            real = os.path.realpath(f)
            info = tar.gettarinfo(real, arcname=f.lstrip("/"))
            with open(real, "rb") as data:
                tar.addfile(info, data)
    return buffer.getvalue()


def import_binaries(daemon: DockerDaemon, tag: str, binaries: list[str],
                    extra_files: list[str] = ()) -> str:
    """``docker import`` an image holding `binaries` (found on PATH) and what they need;
    returns `tag` (``repository:tag``)."""
    repository, _, version = tag.partition(":")
    daemon.client.api.import_image_from_data(rootfs_tar(binaries, list(extra_files)),
                                             repository=repository, tag=version or "latest")
    return tag
