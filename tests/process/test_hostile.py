"""Hostile process-adapter clients: each misbehaviour ends in one clear exception (the runner's
`info`) within the op's deadline, with the child's whole process tree killed.

No servers: tests/process/hostile.py plays the client, without a lock server."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest
from taala.process_adapter import ClientError
from taala.process_wire import ProtocolError

from tests.process.conftest import assert_none_left, started_pids

pytestmark = pytest.mark.timeout(60)
TTL = 0.2  # op deadlines: 1 lease + 1 s (see the `declare` fixture)


def test_a_well_behaved_client_acquires_releases_and_closes(declare, tmp_path):
    adapter = declare("well")(["127.0.0.1:1"], ttl=TTL, client=0)
    assert adapter.acquire("k") == "t1"
    assert adapter.release("k", "t1") is True
    adapter.close()
    assert_none_left(tmp_path)


FAILING_OPS = [  # mode, what the error says
    ("crash", "acquire: exited with status 3 mid-op (its stderr is in the client log)"),
    ("hang", "acquire: no reply within 1.2 s"),
    ("garbage", "acquire: reply is not JSON: 'this is not json'"),
    ("wrong-id", "acquire: reply id 101 is not the request's 1"),
    ("huge", "acquire: reply line over 65536 bytes"),
    ("huge-unended", "acquire: reply line over 65536 bytes"),
    ("zero-token", "acquire: ok with token 0; a token must be a truthy JSON scalar"),
    ("no-ok", "acquire: reply has neither \"ok\" (true/false) nor \"error\""),
]


@pytest.mark.parametrize("mode, said", FAILING_OPS, ids=[m for m, _ in FAILING_OPS])
def test_a_hostile_op_is_one_clear_error_and_leaves_no_process(declare, tmp_path, mode, said):
    adapter = declare(mode)(["127.0.0.1:1"], ttl=TTL, client=3)
    started = time.monotonic()
    with pytest.raises(ProtocolError) as e:
        adapter.acquire("k")
    assert time.monotonic() - started < TTL + 1.0 + 2.0  # the deadline, and the kill
    message = str(e.value)
    assert "\n" not in message and message.startswith(f"process adapter 'hostile-{mode}' (client 3): ")
    assert said in message, message
    assert_none_left(tmp_path)
    with pytest.raises(ProtocolError, match="release: the process has ended"):  # and stays ended
        adapter.release("k", "t")
    adapter.close()


FAILING_STARTS = [
    ("version", ProtocolError, "hello: speaks protocol 2; taala speaks 1"),
    ("hello-error", ClientError, "hello: cannot reach 127.0.0.1:1: connection refused"),
    ("hello-hang", ProtocolError, "hello: no reply within 1 s"),
    ("exit-at-start", ProtocolError, "hello: exited with status 0 mid-op"),
]


@pytest.mark.parametrize("mode, kind, said", FAILING_STARTS, ids=[m for m, _, _ in FAILING_STARTS])
def test_a_client_that_cannot_start_is_one_clear_error_and_leaves_no_process(declare, tmp_path, mode, kind, said):
    cls = declare(mode, extra="start_timeout = 1")
    with pytest.raises(kind) as e:
        cls(["127.0.0.1:1"], ttl=TTL, client=0)
    assert str(e.value) == f"process adapter 'hostile-{mode}' (client 0): {said}" or said in str(e.value), str(e.value)
    assert_none_left(tmp_path)


def test_an_error_reply_is_an_unknown_outcome_not_a_protocol_breach(declare, tmp_path):
    adapter = declare("error")(["127.0.0.1:1"], ttl=TTL, client=0)
    with pytest.raises(ClientError, match=r"\(client 0\): acquire: timed out talking to the server$"):
        adapter.acquire("k")
    adapter.close()  # still speaking the protocol: it closes
    assert_none_left(tmp_path)


def test_a_close_that_hangs_ends_within_its_deadline(declare, tmp_path):
    adapter = declare("close-hang")(["127.0.0.1:1"], ttl=TTL, client=0)
    started = time.monotonic()
    adapter.close()
    assert time.monotonic() - started < TTL + 1.0 + 2.0
    assert_none_left(tmp_path)


def test_a_missing_program_is_one_clear_error(declare, tmp_path):
    cls = declare("well")
    cls.command = ("/nonexistent/program",)
    with pytest.raises(ProtocolError, match=r"^process adapter 'hostile-well' \(client 0\): cannot start "
                                            r"'/nonexistent/program': No such file or directory$"):
        cls(["127.0.0.1:1"], ttl=TTL, client=0)


def _hold(cls, ready) -> None:
    cls(["127.0.0.1:1"], ttl=TTL, client=0)
    ready.set()
    time.sleep(300)


def test_the_child_dies_with_its_client_process(declare, tmp_path):
    """kill -9 of the client process (the runner retiring it, or taala killed) takes the child too."""
    cls = declare("well")
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    client = ctx.Process(target=_hold, args=(cls, ready), daemon=True)
    client.start()
    assert ready.wait(20)
    assert started_pids(tmp_path)
    os.kill(client.pid, signal.SIGKILL)
    client.join(5)
    assert_none_left(tmp_path)
