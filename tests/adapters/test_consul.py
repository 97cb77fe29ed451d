"""The Consul adapters (the seed's Swiggy coordinator and a correct session lock, plain and
fenced by `LockIndex`).

Against a real agent (`CONSUL_HTTP_ADDR`, e.g. a `consul` service in docker-compose): the
seed's same-session re-acquire granted twice, one holder at a time with one session per
client, `LockIndex` growing with each holder. No Consul binary can be installed on this
machine, so those skip here with the reason `_consul.unavailable()` gives.

Always: the adapters' client calls against a small fake agent on loopback that answers the
five endpoints they use as Consul documents them (sessions, `?acquire=`/`?release=`,
`LockIndex`). It checks the plumbing (URLs, parameters, answers parsed), not Consul.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from taala.adapters import _consul, get
from taala.servers import start_redis

pytest.importorskip("consul")

NAMES = ["seed-consul-swiggy", "consul-session-lock", "consul-session-lock-fenced"]
TTL = 10.0
NO_AGENT = _consul.unavailable()


class FakeAgent(BaseHTTPRequestHandler):
    sessions: dict[str, dict] = {}
    kv: dict[str, dict] = {}
    index = [0]
    guard = threading.Lock()

    def log_message(self, *args):
        pass

    def _reply(self, body, status=200):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Consul-Index", str(self.index[0]))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self, method):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.guard:
            self.index[0] += 1
            if url.path == "/v1/status/leader":
                return self._reply("127.0.0.1:8300")
            if url.path == "/v1/session/create":
                sid = str(uuid.uuid4())
                self.sessions[sid] = json.loads(body or b"{}")
                return self._reply({"ID": sid})
            if url.path.startswith(("/v1/session/renew/", "/v1/session/destroy/")):
                sid = url.path.rsplit("/", 1)[1]
                if url.path.startswith("/v1/session/destroy/"):
                    self.sessions.pop(sid, None)
                    for entry in self.kv.values():
                        if entry.get("Session") == sid:
                            entry.pop("Session")
                    return self._reply(True)
                return self._reply([{"ID": sid}] if sid in self.sessions else [], 200 if sid in self.sessions else 404)
            if url.path.startswith("/v1/kv/"):
                key = url.path[len("/v1/kv/"):]
                entry = self.kv.setdefault(key, {"Key": key, "LockIndex": 0, "Flags": 0, "CreateIndex": self.index[0]})
                if method == "GET":
                    if "Value" not in entry:
                        return self._reply(None, 404)
                    return self._reply([entry])
                if "acquire" in query:  # granted if free or already this session's (Consul's KV docs)
                    sid = query["acquire"]
                    if sid not in self.sessions or entry.get("Session") not in (None, sid):
                        return self._reply(False)
                    if entry.get("Session") != sid:
                        entry["LockIndex"] += 1
                    entry["Session"] = sid
                elif "release" in query:
                    if entry.get("Session") != query["release"]:
                        return self._reply(False)
                    entry.pop("Session")
                entry["Value"] = base64.b64encode(body).decode()
                entry["ModifyIndex"] = self.index[0]
                return self._reply(True)
        return self._reply({"error": url.path}, 404)

    def do_GET(self):
        self._route("GET")

    def do_PUT(self):
        self._route("PUT")


@pytest.fixture
def fake_agent(monkeypatch):
    FakeAgent.sessions, FakeAgent.kv = {}, {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAgent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(_consul.ENV, f"127.0.0.1:{server.server_address[1]}")
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def resource():
    with start_redis(1) as cluster:
        yield cluster[0].address


@pytest.fixture
def key():
    return f"taala-test-{uuid.uuid4().hex[:8]}"


def _pair(name, resource):
    cls = get(name)
    return cls([], ttl=TTL, client=0, resource=resource), cls([], ttl=TTL, client=1, resource=resource)


def test_unavailable_names_the_agent_and_the_variable(monkeypatch):
    monkeypatch.setenv(_consul.ENV, "http://127.0.0.1:9")  # discard port: nothing listens
    reason = _consul.unavailable()
    assert reason.startswith("no Consul agent answers at 127.0.0.1:9") and _consul.ENV in reason


def test_fake_agent_is_found(fake_agent):
    assert _consul.unavailable() is None


def test_seed_goroutines_share_one_session_and_both_get_the_order(fake_agent, resource, key):
    a, b = _pair("seed-consul-swiggy", resource)
    assert a.session == b.session  # one coordinator, one session
    assert a.acquire(key) and b.acquire(key)  # F8: re-acquire by the holding session succeeds
    assert FakeAgent.sessions[a.session] == {"name": "swiggy-coordinator", "ttl": "10s", "lockdelay": "5s"}


@pytest.mark.parametrize("name", ["consul-session-lock", "consul-session-lock-fenced"])
def test_one_session_per_client_excludes_and_release_hands_over(name, fake_agent, resource, key):
    a, b = _pair(name, resource)
    try:
        ta = a.acquire(key)
        assert ta and b.acquire(key) is None
        assert a.release(key, ta)
        tb = b.acquire(key)
        assert tb
        if get(name).fenced:
            assert (ta, tb) == (1, 2)  # LockIndex: one more per new holder
    finally:
        a.close()
        b.close()


@pytest.mark.skipif(NO_AGENT is not None, reason=NO_AGENT or "")
@pytest.mark.parametrize("name", NAMES)
def test_real_agent_semantics(name, resource, key):
    a, b = _pair(name, resource)
    try:
        ta = a.acquire(key)
        assert ta
        if name == "seed-consul-swiggy":
            assert b.acquire(key)  # the seed's F8 on a real agent
            return
        assert b.acquire(key) is None
        assert a.release(key, ta)
        tb = b.acquire(key)
        assert tb
        if get(name).fenced:
            assert tb > ta
    finally:
        a.close()
        b.close()
