"""Adapter semantics tests run against real Redis servers: none may hang a run."""

from pathlib import Path

import pytest


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(60))
