"""The optional `[build]` step of a process adapter: compiled on first use, into a cache keyed
by its sources, so a Java or Go client is built once and rebuilt only when it changes.

Why a cache and a lock: every lock client starts its own process adapter, and several start
side by side; the first one to need the build does it while the others wait on a file lock,
then all find it done. The directory is named by a hash of the build command and the
sources' names and contents, so an edited source builds afresh and never reuses a stale
output. A build tool that is not installed makes the adapter *unavailable* (one line, the
verifier skips it), never an error of the registry.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

DONE = ".taala-built"  # written last: a directory without it is a build that did not finish


class BuildError(RuntimeError):
    """The build command failed or timed out (one line, naming its log)."""


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "taala" / "build"


@dataclass(frozen=True)
class Build:
    """`[build]` of one taala-adapter.toml: run `command` in `here` with TAALA_BUILD_DIR set."""

    here: Path
    name: str  # names the cache directory: the adapter directory's name
    command: tuple[str, ...]
    sources: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    timeout: float = 600.0

    def missing(self) -> str | None:
        """Why the build cannot run here (a tool not on PATH), or None."""
        absent = [t for t in self.tools if shutil.which(t) is None]
        return f"needs {', '.join(absent)} on PATH to build (not found)" if absent else None

    def key(self) -> str:
        digest = hashlib.sha256(json.dumps(list(self.command)).encode())
        for path in self.files():
            digest.update(str(path.relative_to(self.here)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
        return digest.hexdigest()[:16]

    def files(self) -> list[Path]:
        return sorted({p for pattern in self.sources for p in self.here.glob(pattern) if p.is_file()})

    def directory(self) -> Path:
        return cache_root() / f"{self.name}-{self.key()}"

    def ensure(self) -> Path:
        """The built directory, building it first if no finished build of these sources exists."""
        out = self.directory()
        if (out / DONE).exists():
            return out
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out.parent / f"{self.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another client process may be building it
            if not (out / DONE).exists():
                self._run(out)
        return out

    def _run(self, out: Path) -> None:
        if (reason := self.missing()) is not None:
            raise BuildError(f"cannot build {self.name}: {reason}")
        shutil.rmtree(out, ignore_errors=True)  # a build that died half-way
        out.mkdir(parents=True)
        log = out / "build.log"
        env = {**os.environ, "TAALA_BUILD_DIR": str(out)}
        try:
            with open(log, "wb") as f:
                done = subprocess.run(list(self.command), cwd=self.here, env=env, stdin=subprocess.DEVNULL,
                                      stdout=f, stderr=subprocess.STDOUT, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise BuildError(f"build of {self.name} took over {self.timeout:g} s; log: {log}") from None
        except OSError as e:
            raise BuildError(f"build of {self.name} could not run {self.command[0]!r}: {e.strerror}") from None
        if done.returncode != 0:
            lines = log.read_text(errors="replace").strip().splitlines()
            last = f": {lines[-1].strip()[:200]}" if lines else ""
            raise BuildError(f"build of {self.name} failed (status {done.returncode}){last}; log: {log}")
        (out / DONE).write_text("")
