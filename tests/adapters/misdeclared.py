"""Adapters whose declarations are wrong on purpose, one mistake each, for the checks the
registry runs as it loads an adapter (`Adapter.problems`). Reachable by import path, e.g.
`taala vet tests.adapters.misdeclared:UnknownFault`; none gets as far as a server.
"""

from taala.adapter import Adapter, LeaseTerms, safe, unsafe


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


class LeaseTermsRaise(_Lock):
    """Its terms refuse a lease it supports (min_ttl is 0): a campaign's classifier would crash."""

    name = "lease-terms-raise"

    @classmethod
    def lease_terms(cls, ttl):
        if ttl != int(ttl):
            raise ValueError(f"leases are whole seconds, not {ttl:g}\nsecond line")
        return LeaseTerms(ttl, ttl)


class LeaseTermsNotTerms(_Lock):
    name = "lease-terms-not-terms"

    @classmethod
    def lease_terms(cls, ttl):
        return (ttl, ttl)  # shortest, longest: but the classifier reads a LeaseTerms


class LeaseIgnoresTtl(_Lock):
    """A lease of 1 s whatever the runner's lease: shorter than `timing`'s at 10 s."""

    name = "lease-ignores-ttl"

    @classmethod
    def lease_terms(cls, ttl):
        return LeaseTerms(1.0, 1.0)


class LeaseUndeclared(_Lock):
    """Declares no lease terms: fine (its violations stay undetermined), not a mistake."""

    name = "lease-undeclared"
