"""Hand-written histories with verdicts a person can verify, for every model."""

import pytest

import taala
from tests.support.dsl import history

CASES = [
    # (model, verdict, description, history)
    ("mutex", True, "acquire, release, acquire by another", """
        p0 invoke acquire
        p0 ok acquire
        p0 invoke release
        p0 ok release
        p1 invoke acquire
        p1 ok acquire"""),
    ("mutex", False, "lost lock: two holders", """
        p0 invoke acquire
        p0 ok acquire
        p1 invoke acquire
        p1 ok acquire"""),
    ("mutex", True, "a timed-out acquire may not have taken effect", """
        p0 invoke acquire
        p0 info acquire
        p1 invoke acquire
        p1 ok acquire"""),
    ("mutex", True, "a never-completed acquire may not have taken effect", """
        p0 invoke acquire
        p1 invoke acquire
        p1 ok acquire
        p1 invoke release
        p1 ok release"""),
    ("mutex", True, "concurrent acquire and release may order either way", """
        p0 invoke acquire
        p0 ok acquire
        p1 invoke acquire
        p0 invoke release
        p1 ok acquire
        p0 ok release"""),
    ("mutex", False, "etcd lease expiry: release fails, another acquired meanwhile", """
        p3 invoke acquire
        p3 ok acquire
        p0 invoke acquire
        p3 invoke release
        p0 ok acquire
        p3 fail release"""),
    ("mutex", True, "Knossos mutex ignores who releases", """
        p0 invoke acquire
        p0 ok acquire
        p1 invoke release
        p1 ok release"""),
    ("owner-mutex", False, "release by a non-owner", """
        p0 invoke acquire
        p0 ok acquire
        p1 invoke release
        p1 ok release"""),
    ("owner-mutex", True, "owner releases", """
        p0 invoke acquire
        p0 ok acquire
        p0 invoke release
        p0 ok release
        p1 invoke acquire
        p1 ok acquire"""),
    ("reentrant-mutex", True, "holder re-acquires, releases twice", """
        p0 invoke acquire
        p0 ok acquire
        p0 invoke acquire
        p0 ok acquire
        p0 invoke release
        p0 ok release
        p0 invoke release
        p0 ok release
        p1 invoke acquire
        p1 ok acquire"""),
    ("reentrant-mutex", False, "released once of twice, another acquires", """
        p0 invoke acquire
        p0 ok acquire
        p0 invoke acquire
        p0 ok acquire
        p0 invoke release
        p0 ok release
        p1 invoke acquire
        p1 ok acquire"""),
    ("fenced-mutex", True, "tokens increase", """
        p0 invoke acquire
        p0 ok acquire 1
        p0 invoke release
        p0 ok release
        p1 invoke acquire
        p1 ok acquire 2"""),
    ("fenced-mutex", False, "token reissued after a restart", """
        p0 invoke acquire
        p0 ok acquire 5
        p0 invoke release
        p0 ok release
        p1 invoke acquire
        p1 ok acquire 5"""),
    ("fenced-mutex", True, "a lost acquire's unknown token does not matter", """
        p0 invoke acquire
        p0 info acquire
        p1 invoke acquire
        p1 ok acquire 3"""),
    ("semaphore:permits=2", True, "two holders of two permits", """
        p0 invoke acquire
        p0 ok acquire
        p1 invoke acquire
        p1 ok acquire"""),
    ("semaphore:permits=2", False, "three holders of two permits", """
        p0 invoke acquire
        p0 ok acquire
        p1 invoke acquire
        p1 ok acquire
        p2 invoke acquire
        p2 ok acquire"""),
    ("rw-lock", True, "two readers", """
        p0 invoke acquire-read
        p0 ok acquire-read
        p1 invoke acquire-read
        p1 ok acquire-read"""),
    ("rw-lock", False, "a writer while a reader holds", """
        p0 invoke acquire-read
        p0 ok acquire-read
        p1 invoke acquire-write
        p1 ok acquire-write"""),
    ("register", False, "the classic stale read", """
        p0 invoke write 1
        p0 ok write 1
        p0 invoke write 2
        p0 ok write 2
        p1 invoke read
        p1 ok read 1"""),
    ("register", True, "a read concurrent with a write sees either value", """
        p0 invoke write 1
        p0 ok write 1
        p0 invoke write 2
        p1 invoke read
        p1 ok read 1
        p0 ok write 2"""),
    ("register", True, "a timed-out write may show up later", """
        p0 invoke write 1
        p0 info write 1
        p1 invoke read
        p1 ok read 1"""),
    ("cas-register:initial=0", False, "cas from a value the register never held", """
        p0 invoke cas [1 2]
        p0 ok cas [1 2]"""),
    ("cas-register:initial=0", True, "cas chain", """
        p0 invoke cas [0 1]
        p0 ok cas [0 1]
        p1 invoke cas [1 2]
        p1 ok cas [1 2]
        p2 invoke read
        p2 ok read 2"""),
    ("cas-register:initial=0", False, "both of two racing cas [0 x] succeed", """
        p0 invoke cas [0 1]
        p1 invoke cas [0 2]
        p0 ok cas [0 1]
        p1 ok cas [0 2]"""),
    ("cas-register:initial=0", True, "failed cas is dropped", """
        p0 invoke cas [5 6]
        p0 fail cas [5 6]
        p1 invoke read
        p1 ok read 0"""),
    ("counter", False, "lost update: two adds, read sees one", """
        p0 invoke add 1
        p1 invoke add 1
        p0 ok add 1
        p1 ok add 1
        p2 invoke read
        p2 ok read 1"""),
    ("counter", True, "a read concurrent with an add", """
        p0 invoke add 1
        p1 invoke read
        p1 ok read 0
        p0 ok add 1"""),
    ("ledger:initial=1", False, "double spend: two debits of the only unit", """
        p0 invoke debit 1
        p1 invoke debit 1
        p0 ok debit 1
        p1 ok debit 1"""),
    ("ledger:initial=1", True, "one debit wins, the other fails", """
        p0 invoke debit 1
        p1 invoke debit 1
        p0 ok debit 1
        p1 fail debit 1
        p2 invoke read
        p2 ok read 0"""),
    ("mutex", True, "holds on different keys never conflict", """
        p0 invoke acquire @a
        p0 ok acquire @a
        p1 invoke acquire @b
        p1 ok acquire @b"""),
    ("mutex", False, "same history, one key", """
        p0 invoke acquire @a
        p0 ok acquire @a
        p1 invoke acquire @a
        p1 ok acquire @a"""),
]


@pytest.mark.parametrize("spec,expected,description,text", CASES, ids=[c[2] for c in CASES])
def test_known_verdict(spec, expected, description, text):
    result = taala.check(history(text), taala.get_model(spec))
    lin = result.checks["linearizability"]
    assert lin.valid is expected, description
    assert result.valid is expected, {n: c.valid for n, c in result.checks.items()}
    if not expected:
        assert result.counterexample is not None and result.counterexample.explanation
