"""A TCP proxy in front of one server, for faults iptables cannot make here.

This kernel has no netem, so added latency needs a userspace hop; and without root there
are no namespaces at all. Clients connect to the proxy's loopback address instead of the
server's. The proxy forwards bytes both ways and can:

- delay every chunk by a fixed latency (arrival time + delay, so throughput is kept),
- drop one direction: "in" loses requests, "out" loses replies (the client's SET NX times
  out although the server granted the lock), "both" is a partition of this link,
- reset every open connection.

The proxy only ever listens on loopback, and connects to loopback or to the private network
taala made on this machine for node-partition (it refuses any other target).
It runs its own asyncio loop in a daemon thread; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import Literal

from taala.servers.ports import reserve_ports

Direction = Literal["both", "in", "out"]
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, *, name: str | None = None,
                 subnet: str | None = None):
        """`subnet`: a private network taala made on this machine (`taala.servers.network`,
        "10.213.4"), whose nodes the proxy may target too: node-partition runs the servers
        there, and a campaign that also cuts clients off puts its proxies in front of them."""
        ours = subnet is not None and target_host.startswith(subnet + ".")
        if target_host not in _LOOPBACK and not ours:
            raise ValueError(f"the proxy only targets loopback or taala's own private network, not {target_host!r}")
        self.target = (target_host, target_port)
        self.name = name or f"proxy-{target_port}"
        self.host = "127.0.0.1"
        self._lease = reserve_ports(1)
        self.port = self._lease.ports[0]
        self.delay = 0.0
        self.dropping = {"in": False, "out": False}
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=self.name, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> TcpProxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        future.result(timeout=5)
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._connect, self.host, self.port)

    # ---- faults (thread-safe: plain attribute writes read by the loop) ------------------
    def set_delay(self, seconds: float) -> None:
        self.delay = max(0.0, seconds)

    def drop(self, direction: Direction = "both") -> None:
        for d in ("in", "out"):
            if direction in (d, "both"):
                self.dropping[d] = True

    def reset_connections(self) -> None:
        def close_all() -> None:
            for writer in list(self._writers):
                writer.transport.abort()
        self._loop.call_soon_threadsafe(close_all)

    def heal(self) -> None:
        self.delay = 0.0
        self.dropping = {"in": False, "out": False}

    # ---- forwarding -----------------------------------------------------------------------
    async def _connect(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.wait_for(asyncio.open_connection(*self.target), 5)
        except (OSError, asyncio.TimeoutError):
            client_w.transport.abort()
            return
        self._writers |= {client_w, server_w}
        try:
            await asyncio.gather(self._pump(client_r, server_w, "in"),
                                 self._pump(server_r, client_w, "out"))
        finally:
            for w in (client_w, server_w):
                self._writers.discard(w)
                w.transport.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    direction: str) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    return
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()

        sender = asyncio.ensure_future(deliver())
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if not self.dropping[direction]:
                    queue.put_nowait((time.monotonic() + self.delay, data))
            queue.put_nowait((0.0, b""))
            await sender
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            sender.cancel()
            writer.transport.abort()  # one side closed: close the other (and the gather)

    def close(self) -> None:
        if self._thread.is_alive():
            async def shutdown() -> None:
                if self._server:
                    self._server.close()
                for writer in list(self._writers):
                    writer.transport.abort()
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        self._lease.release()

    def __enter__(self) -> TcpProxy:
        return self.start() if not self._thread.is_alive() else self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
