"""The built-in adapters' registry: one file per adapter family, named after it.

No servers: these tests read the registry and the files only.
"""

from __future__ import annotations

import pkgutil

import taala.adapters
from taala.adapters import available


def _families() -> list[str]:
    """The public modules of `taala.adapters` as adapter-name prefixes (`tooz.py` -> `tooz`)."""
    return [m.name.replace("_", "-") for m in pkgutil.iter_modules(taala.adapters.__path__) if not m.name.startswith("_")]


def family_of(name: str, families: list[str]) -> str | None:
    """The module stem an adapter called `name` must live in: the longest stem that is the
    name itself or the name's first words (`seed-redis-phonepe` -> `seed-redis-phonepe`,
    not `seed-redis`), so a family file holds its own family and nothing of another's."""
    fitting = [f for f in families if name == f or name.startswith(f + "-")]
    return max(fitting, key=len, default=None)


def test_every_built_in_adapter_lives_in_the_file_named_after_its_family():
    families = _families()
    misplaced = {}
    for name, cls in available().items():
        if not cls.__module__.startswith("taala.adapters."):
            continue  # an installed package's adapter (entry point): its own layout
        stem = cls.__module__.rsplit(".", 1)[1].replace("_", "-")
        if family_of(name, families) != stem:
            misplaced[name] = f"{stem.replace('-', '_')}.py"
    assert not misplaced, f"adapter -> file it is in, not named after its family: {misplaced}"


def test_every_family_file_holds_an_adapter():
    found = {cls.__module__.rsplit(".", 1)[1].replace("_", "-") for cls in available().values()}
    assert set(_families()) <= found


def test_the_family_rule_picks_the_longest_stem():
    families = ["seed-redis", "seed-redis-phonepe", "seed-redlock", "tooz", "zookeeper-semaphore"]
    assert family_of("seed-redis-phonepe", families) == "seed-redis-phonepe"
    assert family_of("seed-redis", families) == "seed-redis"
    assert family_of("seed-redlock", families) == "seed-redlock"
    assert family_of("tooz-etcd3-heartbeat", families) == "tooz"
    assert family_of("zookeeper-semaphore-2", families) == "zookeeper-semaphore"
    assert family_of("toozy", families) is None
