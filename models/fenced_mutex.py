"""`fenced-mutex`: acquire returns a fencing token; every new holder's token must exceed
every earlier holder's (Hazelcast's FencedMutex, Kleppmann's fencing argument).

An ok acquire's value is its token (an integer). The state remembers the largest token
seen, so a lock that re-issues an old token (Redis restarted empty, a lease reborn after a
leader change) is caught even when the holds themselves never overlap.
"""

from taala.model import INCONSISTENT, LockSemantics, Model


class FencedMutex(Model):
    name = "fenced-mutex"
    summary = "mutex whose acquire returns a token greater than every earlier holder's"
    indeterminate = (
        "An acquire with unknown outcome may have taken the lock or not; its token is unknown, "
        "so later tokens are only required to exceed the largest token actually observed."
    )
    fs = frozenset({"acquire", "release"})
    lock = LockSemantics(fenced=True)

    def init(self):
        return (False, None)

    def check_op(self, op):
        problem = super().check_op(op)
        if problem is None and op.f == "acquire" and op.known:
            token = op.value
            if isinstance(token, bool) or not isinstance(token, int):
                return f"an ok acquire must carry its fencing token (an integer) as its value, got {token!r}"
        return problem

    def step(self, state, op):
        held, top = state
        if op.f == "acquire":
            if held:
                return INCONSISTENT
            if not op.known:
                return (True, top)
            if top is not None and op.value <= top:
                return INCONSISTENT
            return (True, op.value)
        return (False, top) if held else INCONSISTENT

    def explain(self, state, op):
        held, top = state
        if op.f == "acquire":
            if held:
                return "acquire succeeded while the lock was already held"
            return f"acquire returned token {op.value!r}, not greater than the earlier token {top!r}"
        return "release succeeded while the lock was not held"

    def describe_state(self, state):
        held, top = state
        return f"{'held' if held else 'free'}, last token {top}"
