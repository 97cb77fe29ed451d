"""Thread clients pause cooperatively at their PauseGate; their clock keeps running."""

import threading
import time

from taala.nemesis import PauseGate


def test_thread_client_stalls_at_its_checkpoint_for_the_pause(nemesis, nemesis_history):
    gate = PauseGate("worker")
    stamps: list[float] = []
    stop = threading.Event()

    def worker():
        while not stop.is_set():
            gate.checkpoint()
            stamps.append(time.monotonic())
            time.sleep(0.01)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        time.sleep(0.1)
        nemesis.pause_client(gate, duration=0.5)
        time.sleep(0.8)
    finally:
        stop.set()
        nemesis.heal()
        thread.join(5)
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert max(gaps) >= 0.45  # the client saw half a second of real time vanish
    assert [e["f"] for e in nemesis_history] == ["start-client-pause", "stop-client-pause"]
