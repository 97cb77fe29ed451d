"""Direct checks: verdicts read straight off a lock history, without a search.

They scale linearly (or n log n) to histories far beyond any WGL search, and they speak
the language of lock users: two holders at once, a token that went backwards, a cycle of
waiters. Each takes the paired operations and the model's `LockSemantics`.
"""
