"""Shared helpers for the report tests: shipped histories checked under their folder's model."""

from __future__ import annotations

from pathlib import Path

import pytest
from taala.checker import check
from taala.formats import load
from taala.models import get

HISTORIES = Path(__file__).resolve().parents[2] / "histories"
REDIS = HISTORIES / "mutex/invalid/redis-lock-client-pause.jsonl"
ETCD = HISTORIES / "mutex/invalid/etcd-lease-expired.edn"
FENCED = HISTORIES / "fenced-mutex/invalid/redis-restarted-empty.edn"
STALE_READ = HISTORIES / "cas-register/invalid/stale-read.txt"


def checked(path: Path):
    """(history, result) for a shipped history, under the model its folder is named after."""
    history = load(path)
    return history, check(history, get(path.relative_to(HISTORIES).parts[0]))


@pytest.fixture
def redis():
    return checked(REDIS)


@pytest.fixture
def etcd():
    return checked(ETCD)
