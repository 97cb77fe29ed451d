"""Network faults with iptables inside the namespaces of a `PrivateNetwork`.

Every rule lives in a namespace this process created for one server, so the machine's
own tables are never touched and healing is just flushing those namespaces' INPUT and
OUTPUT chains. Clients run in the root namespace and reach a server from the bridge
address (``network.gateway``), so "cut from clients" means "drop that address".

``tc netem`` does not exist on this kernel (no CONFIG_NET_SCH_NETEM): random loss uses the
iptables ``statistic`` match instead, and latency needs the TCP proxy (`proxy.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from taala.servers.base import Server
from taala.servers.network import run

Direction = Literal["both", "in", "out"]


def _require_netns(node: Server) -> str:
    if not node.netns:
        raise ValueError(f"{node.name} is not in a private network namespace; start it with "
                         "network=PrivateNetwork() to partition it (or put a TcpProxy in front)")
    return node.netns


def _apply(node: Server, rules: Iterable[str]) -> None:
    """Append rules to the node's namespace in one iptables-restore transaction."""
    body = "\n".join(rules)
    if body:
        run("iptables-restore", "--noflush", netns=_require_netns(node),
            stdin=f"*filter\n{body}\nCOMMIT\n")


def drop_rules(address: str, direction: Direction = "both", probability: float = 1.0) -> list[str]:
    """Rules that drop traffic to/from `address` ("in": what it sends us, "out": our replies)."""
    match = "" if probability >= 1.0 else (
        f" -m statistic --mode random --probability {probability:.4f}")
    rules = []
    if direction in ("both", "in"):
        rules.append(f"-A INPUT -s {address}{match} -j DROP")
    if direction in ("both", "out"):
        rules.append(f"-A OUTPUT -d {address}{match} -j DROP")
    return rules


def cut(node: Server, addresses: Iterable[str], direction: Direction = "both",
        probability: float = 1.0) -> None:
    """Make `node` drop packets exchanged with each of `addresses`."""
    _apply(node, [r for a in addresses for r in drop_rules(a, direction, probability)])


def partition(groups: Sequence[Sequence[Server]]) -> None:
    """Nodes in different groups cannot talk to each other (both directions).
    Clients in the root namespace still reach every node."""
    for i, group in enumerate(groups):
        others = [n.host for j, g in enumerate(groups) if j != i for n in g]
        for node in group:
            cut(node, others)


def heal(nodes: Iterable[Server]) -> None:
    """Remove every rule this module added to these nodes' namespaces."""
    for node in nodes:
        if node.netns:
            run("iptables", "-F", "INPUT", netns=node.netns)
            run("iptables", "-F", "OUTPUT", netns=node.netns)
