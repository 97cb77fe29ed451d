"""Fencing tokens, checked directly: each new holder's token exceeds every earlier one's.

"Earlier" is real time: if acquire A returned before acquire B was invoked, A is
linearized first, so token(A) < token(B) is required. One sweep in history order keeps the
largest token returned so far; each acquire must beat the value it saw when invoked. Two
acquires returning the same token is also a violation: the resource cannot tell them apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from taala.checker.result import CheckOutcome, Counterexample, StaleToken
from taala.history import OK, Operation, key_name
from taala.model import LockSemantics


def check(ops: Sequence[Operation], lock: LockSemantics) -> CheckOutcome:
    acquires = [op for op in ops if op.f in lock.acquire and op.status == OK and isinstance(op.value, int)]
    events = sorted([(op.call, 0, op) for op in acquires] + [(op.ret, 1, op) for op in acquires], key=lambda e: e[0])
    top: dict = defaultdict(lambda: None)  # key -> (largest token returned so far, its acquire)
    floor: dict[int, tuple | None] = {}  # acquire id -> top at its invocation
    owner: dict = {}  # (key, token) -> first acquire that returned it
    violations: list[tuple[Operation, Operation, str]] = []
    for _, is_return, op in events:
        if not is_return:
            floor[op.id] = top[op.key]
            continue
        seen = floor.pop(op.id)
        token = op.value
        if seen is not None and token <= seen[0]:
            violations.append((seen[1], op, f"token {token}, not greater than token {seen[0]} returned earlier"))
        elif (op.key, token) in owner and owner[(op.key, token)].process != op.process:
            violations.append((owner[(op.key, token)], op, f"token {token}, already handed out"))
        owner.setdefault((op.key, token), op)
        if top[op.key] is None or token > top[op.key][0]:
            top[op.key] = (token, op)
    details = {"tokens": len(acquires), "violations": len(violations)}
    if not violations:
        return CheckOutcome("fencing", True, None, details)
    earlier, later, why = violations[0]
    text = (
        f"fencing tokens went wrong on {key_name(later.key)}: {later.describe()} got {why} "
        f"(by {earlier.describe()})"
    )
    facts = StaleToken(earlier, later, reused=earlier.value == later.value)
    ce = Counterexample("fencing", text, [earlier, later], key=later.key, prefix_end=later.completion.index, facts=facts)
    return CheckOutcome("fencing", False, ce, details)
