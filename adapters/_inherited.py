"""A workaround for client processes, until `taala.client._detach` keeps closed fd numbers taken.

A client process is forked from the coordinator and inherits its Python objects, among them
socket objects (the proxies' connections, other clients' pipes). `_detach` closes those
sockets' file descriptors with `os.close`, under the objects: the objects still hold the
old numbers. The adapter's own sockets then reuse those numbers, and when the cyclic garbage
collector later finalizes an inherited socket object, it closes the adapter's connection
(seen as `OperationalError 2013 … [Errno 9] Bad file descriptor` in a MariaDB adapter's
constructor, which aborts the campaign). Measured: a client process holds 6–14 such objects.

`gc.freeze()` moves every object that exists now (all inherited) into the permanent
generation, so the collector never finalizes them. Call it first in an adapter's
constructor, before any connection is opened. The proper fix is in `_detach`: `dup2` a
/dev/null descriptor over each inherited socket fd instead of closing it, so the number
stays taken and a late close hits /dev/null.
"""

from __future__ import annotations

import gc


def keep_inherited_objects() -> None:
    gc.freeze()
