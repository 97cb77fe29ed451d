"""Process adapters: a lock client in any language, as a program taala speaks JSON lines to.

`adapter` (the `ProcessAdapter` base the runner drives), `declaration` (a `taala-adapter.toml`
read into adapter classes, every mistake one line naming the file), `wire` (the child and its
pipe: start, framing, deadlines, killing the tree), `build` (compiling a client on first use
into a cache keyed by its sources). docs/process-adapters.md has the protocol.
"""
