"""Run one function in a forked child and collect its (pickled) result later.

Forking shares the parent's memory copy-on-write, so a million-op history is not pickled
on the way in; only the small result comes back. `gc.freeze()` keeps the child's garbage
collector from touching, and so copying, every page of the parent's heap. Exceptions in
the child are re-raised in the parent.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import traceback
from typing import Any, Callable


class Forked:
    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict):
        ctx = multiprocessing.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        gc.freeze()
        try:
            self._proc = ctx.Process(target=_child, args=(send, fn, args, kwargs), daemon=True)
            self._proc.start()
        finally:
            gc.unfreeze()
        send.close()

    def result(self) -> Any:
        try:
            ok, payload = pickle.loads(self._recv.recv_bytes())
        except EOFError:
            self._proc.join()
            raise RuntimeError(f"worker process died (exit code {self._proc.exitcode})") from None
        finally:
            self._recv.close()
        self._proc.join()
        if not ok:
            raise RuntimeError(f"worker process failed:\n{payload}")
        return payload


def forked(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Forked:
    return Forked(fn, args, kwargs)


def _child(send, fn, args, kwargs) -> None:
    try:
        message = (True, fn(*args, **kwargs))
    except BaseException:  # report everything: the parent is waiting for an answer
        message = (False, traceback.format_exc())
    send.send_bytes(pickle.dumps(message))
    send.close()
