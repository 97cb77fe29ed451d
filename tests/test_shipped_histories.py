"""Every example in histories/<model>/<valid|invalid>/ gets the verdict its folder names."""

from pathlib import Path

import pytest

import taala

ROOT = Path(__file__).resolve().parent.parent / "histories"
EXAMPLES = sorted(p for p in ROOT.glob("*/*/*") if p.parent.name in ("valid", "invalid"))


def test_examples_exist_in_every_format():
    suffixes = {p.suffix for p in EXAMPLES}
    assert {".jsonl", ".edn", ".txt", ".log"} <= suffixes
    assert {p.parent.name for p in EXAMPLES} == {"valid", "invalid"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_example_verdict(path):
    model = taala.get_model(path.parent.parent.name)
    result = taala.check(taala.load(path), model)
    assert result.valid is (path.parent.name == "valid")
