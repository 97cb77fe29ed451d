"""Process adapters: a lock client in any language, as an executable taala speaks JSON lines to.

Why: the locks worth vetting are often only reachable from their own language (Curator in
Java, a Go service's Redis lock), and a port to Python would vet the port. A process adapter
is declared in a `taala-adapter.toml` beside the executable (one `[[adapter]]` each; see
docs/process-adapters.md for the protocol and the fields). `load` turns the file into
`ProcessAdapter` subclasses the registry lists like any Python adapter; each runner client
process starts its own child, so a client pause (SIGSTOP of the client's process tree)
stops the lock client too, and the child dies with its client (`taala.process_wire`).

Every failure of the child (a crash mid-op, a hang, garbage, a wrong protocol version or
request id, a line over the limit) is an exception within the op's deadline, with the child's
process tree killed: the runner records it as `info` (outcome unknown) and retires the client.
"""

from __future__ import annotations

import itertools
import shutil
import sys
from pathlib import Path
from typing import Any, ClassVar

from taala.adapter import Adapter, LeaseTerms
from taala.process_build import Build
from taala.process_wire import Channel, ProtocolError, kill_tree, start

PROTOCOL = 1
OP_SLACK_S = 5.0  # each op's deadline: its leases plus this


class ClientError(RuntimeError):
    """The child answered {"error": ...}: it does not know the outcome (a timeout, a lost
    connection). Not a breach of the protocol: the runner records `info` all the same."""


class ProcessAdapter(Adapter):
    """An adapter whose lock client is a child process (see the module docstring). `load`
    makes the subclasses; their class fields come from the TOML."""

    command: ClassVar[tuple[str, ...]] = ()  # {build}, {here} and {python} are filled in
    here: ClassVar[Path] = Path(".")  # the directory of the TOML: the child's cwd
    toml_file: ClassVar[str] = ""  # the TOML as the user or the registry named it
    toml_line: ClassVar[int] = 0  # the line of this adapter's [[adapter]]
    build: ClassVar[Build | None] = None
    start_timeout: ClassVar[float] = 30.0  # seconds the child has to answer hello
    terms: ClassVar[Any] = None  # ttl -> LeaseTerms | None, from `lease_terms` in the TOML

    def __init__(self, addresses, *, ttl, client, resource=None):
        super().__init__(addresses, ttl=ttl, client=client, resource=resource)
        built = self.build.ensure() if self.build is not None else None
        argv = [_fill(a, built, self.here) for a in self.command]
        try:
            self._proc = start(argv, cwd=str(self.here))
        except OSError as e:
            raise ProtocolError(f"{self._who()}: cannot start {argv[0]!r}: {e.strerror}") from None
        self._channel = Channel(self._proc)
        self._ids = itertools.count(1)
        self._ended: str | None = None  # why the child is gone, once it is
        hello = {"taala": PROTOCOL, "op": "hello", "adapter": self.name, "addresses": list(addresses),
                 "ttl": ttl, "client": client, "resource": resource}
        try:
            self._exchange(hello, "hello", self.start_timeout)
        except BaseException:  # it cannot start: nothing of it may outlive this constructor
            self._end("hello failed")
            raise

    def _who(self) -> str:
        return f"process adapter {self.name!r} (client {self.client})"

    def _deadline(self, op: str) -> float:
        leases = 1 + (self.max_wait if op == "acquire" and self.blocking else 0)
        return leases * self.ttl + OP_SLACK_S

    def _exchange(self, request: dict[str, Any], op: str, timeout: float) -> dict[str, Any]:
        """Send one request, return its reply; any breach kills the tree and raises ProtocolError."""
        if self._ended is not None:
            raise ProtocolError(f"{self._who()}: {op}: the process has ended ({self._ended})")
        try:
            self._channel.send(request)
            reply = self._channel.receive(timeout)
            _check(request, reply)
        except ProtocolError as e:
            self._end(str(e))
            raise ProtocolError(f"{self._who()}: {op}: {e}") from None
        if "error" in reply:
            raise ClientError(f"{self._who()}: {op}: {str(reply['error']).strip()[:500]}")
        return reply

    def _end(self, why: str) -> None:
        if self._ended is None:
            self._ended = why
            kill_tree(self._proc)
            self._channel.close()

    def acquire(self, key: str, mode: str | None = None) -> Any:
        request = {"id": next(self._ids), "op": "acquire", "key": key, "mode": mode}
        reply = self._exchange(request, "acquire", self._deadline("acquire"))
        if not reply["ok"]:
            return None
        token = reply.get("token")
        if isinstance(token, (dict, list)) or not token:
            self._end("bad token")  # the client believes it holds the lock: retire it
            raise ProtocolError(f"{self._who()}: acquire: ok with token {token!r}; a token must be a "
                                f"truthy JSON scalar (fencing tokens start at 1)")
        return token

    def release(self, key: str, token: Any, mode: str | None = None) -> bool:
        request = {"id": next(self._ids), "op": "release", "key": key, "token": token, "mode": mode}
        return bool(self._exchange(request, "release", self._deadline("release"))["ok"])

    def close(self) -> None:
        if self._ended is not None:
            return
        try:
            self._exchange({"id": next(self._ids), "op": "close"}, "close", self._deadline("close"))
            self._proc.wait(1.0)
        except Exception:
            pass  # closing: whatever it did, it is killed below
        finally:
            self._end("closed")

    @classmethod
    def lease_terms(cls, ttl: float) -> LeaseTerms | None:
        return cls.terms(ttl) if cls.terms is not None else None

    @classmethod
    def unavailable(cls) -> str | None:
        """Why this adapter cannot run on this machine (a build tool or its program is not
        installed), or None. `pytest verifier/` skips it with this reason; `taala vet` says it."""
        if cls.build is not None and (reason := cls.build.missing()) is not None:
            return reason
        program = cls.command[0] if cls.command else ""
        if "{" in program or "/" in program or shutil.which(program) is not None:
            return None
        return f"needs {program} on PATH (not found)"

    @classmethod
    def prepare(cls) -> None:
        """Build once in the coordinator, before client processes start (their start is timed)."""
        if cls.build is not None:
            cls.build.ensure()

    @classmethod
    def source_file(cls) -> str:
        return f"{cls.toml_file}:{cls.toml_line}"

    @classmethod
    def defined_at(cls) -> str:
        return cls.source_file()


def _fill(arg: str, built: Path | None, here: Path) -> str:
    out = arg.replace("{here}", str(here)).replace("{python}", sys.executable)
    return out.replace("{build}", str(built)) if built is not None else out


def _check(request: dict[str, Any], reply: dict[str, Any]) -> None:
    """ProtocolError unless `reply` is a well-formed answer to `request`."""
    if request.get("op") == "hello":
        version = reply.get("taala")
        if version != PROTOCOL:
            said = "no \"taala\" version" if version is None else f"protocol {version!r}"
            raise ProtocolError(f"speaks {said}; taala speaks {PROTOCOL}")
    elif reply.get("id") != request["id"]:
        raise ProtocolError(f"reply id {reply.get('id')!r} is not the request's {request['id']}")
    if "error" in reply:
        return
    if not isinstance(reply.get("ok"), bool):
        raise ProtocolError(f"reply has neither \"ok\" (true/false) nor \"error\": {str(reply)[:80]}")
    if request.get("op") == "hello" and not reply["ok"]:
        raise ProtocolError("hello answered ok: false (say why with {\"error\": ...})")


def load(path: str | Path, *, shown: str | None = None, like=None) -> tuple[list[type[ProcessAdapter]], dict[str, str]]:
    """The adapters a taala-adapter.toml declares, and one line per broken one (by name).
    ValueError (one line naming the file and line) when the file itself is unreadable.
    `shown`: how errors name the file; `like`: name -> registered adapter class or None."""
    from taala.process_toml import read  # the reader of the file's fields: see there

    return read(Path(path), shown or str(path), like or (lambda name: None), ProcessAdapter)
