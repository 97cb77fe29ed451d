"""For tests that interrupt a taala subprocess with SIGINT, as Ctrl-C would.

A process started in the background by a non-interactive shell (`cmd &`, a CI runner's
nohup) inherits SIGINT *ignored*, and Python then installs no KeyboardInterrupt handler:
the child would never see the test's Ctrl-C. `preexec_fn=default_sigint` gives the child
the default disposition back, whatever the test runner inherited.
"""

import signal


def default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
