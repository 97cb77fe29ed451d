"""Faults for real servers (the nemesis), each reversible and recorded as a history event.

    from taala.nemesis import Nemesis
    with Nemesis(record=history.append) as nemesis:
        nemesis.pause(cluster[1])
        nemesis.clock_jump(cluster[3], +60)
    # everything healed here, whatever happened
"""

from taala.nemesis.client_pause import PauseGate, ProcessClient
from taala.nemesis.events import nemesis_event
from taala.nemesis.nemesis import Nemesis
from taala.nemesis.proxy import TcpProxy

__all__ = ["Nemesis", "PauseGate", "ProcessClient", "TcpProxy", "nemesis_event"]
