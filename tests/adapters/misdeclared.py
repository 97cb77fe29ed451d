"""Adapters whose declarations are wrong on purpose, one mistake each, for the checks the
registry runs as it loads an adapter (`Adapter.problems`). Reachable by import path, e.g.
`taala vet tests.adapters.misdeclared:UnknownFault`; none gets as far as a server.
"""

from taala.adapter import Adapter, safe, unsafe


class _Lock(Adapter):
    """What every class below gets right, apart from its one mistake."""

    backend = None
    expectations = {"none": safe("a fixture: never vetted")}

    def acquire(self, key):
        return "t"

    def release(self, key, token):
        return True


class NoName(_Lock):
    pass


class NoExpectations(_Lock):
    name = "no-expectations"
    expectations = {}


class UnknownFault(_Lock):
    name = "unknown-fault"
    expectations = {"none": safe("fine"), "paws": unsafe("a typo of pause")}


class NotAnExpectation(_Lock):
    name = "not-an-expectation"
    expectations = {"pause": "unsafe"}


class BadModel(_Lock):
    name = "bad-model"
    model = "semaphore:permits=two"


class UnknownModel(_Lock):
    name = "unknown-model"
    model = "rw-lokc"


class ModesWithoutModel(_Lock):
    name = "modes-without-model"
    modes = ("write", "read")


class NoBackend(Adapter):
    """Forgot `backend`: it used to get Redis servers without a word."""

    name = "no-backend"
    expectations = {"none": safe("a fixture: never vetted")}


class TwoMistakes(_Lock):
    name = "two-mistakes"
    backend = Adapter.backend
    expectations = {"pauses": unsafe("a typo")}


class NotAnAdapter:
    name = "not-an-adapter"
