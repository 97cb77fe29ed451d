"""The adapters' registry: one file (or one directory of process adapters) per adapter family, named after it, and every
adapter's declarations checked as it is loaded, wrong ones named in one line.

No servers: these tests read the registry and the files only.
"""

from __future__ import annotations

import json
import pkgutil
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
import taala.adapters
from taala.adapter import UNDECLARED, Adapter
from taala.adapters import available, broken, get, scan
from taala.process_adapter import ProcessAdapter
from taala.cli.app import app
from taala.faults import FAULTS
from typer.testing import CliRunner


def _families() -> list[str]:
    """The public modules of `taala.adapters` as adapter-name prefixes (`tooz.py` -> `tooz`), and
    its directories of process adapters (`seed_redis_process/` -> `seed-redis-process`)."""
    modules = [m.name for m in pkgutil.iter_modules(taala.adapters.__path__) if not m.name.startswith("_")]
    folders = [p.parent.name for f in taala.adapters.__path__ for p in Path(f).glob("*/taala-adapter.toml")]
    return [name.replace("_", "-") for name in modules + folders]


def _home(cls) -> str | None:
    """The family file or directory a built-in adapter is in, as a name prefix; None: not built in."""
    if issubclass(cls, ProcessAdapter):
        parts = Path(cls.toml_file).parts
        return parts[1].replace("_", "-") if parts[0] == "adapters" and len(parts) == 3 else None
    if not cls.__module__.startswith("taala.adapters."):
        return None  # an installed package's adapter (entry point): its own layout
    return cls.__module__.rsplit(".", 1)[1].replace("_", "-")


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
        stem = _home(cls)
        if stem is not None and family_of(name, families) != stem:
            misplaced[name] = cls.source_file()
    assert not misplaced, f"adapter -> file it is in, not named after its family: {misplaced}"


def test_every_family_file_and_directory_holds_an_adapter():
    found = {_home(cls) for cls in available().values()}
    assert set(_families()) <= found
    assert "seed-redis-process" in found  # a directory of process adapters


def test_the_family_rule_picks_the_longest_stem():
    families = ["seed-redis", "seed-redis-phonepe", "seed-redlock", "tooz", "zookeeper-semaphore"]
    assert family_of("seed-redis-phonepe", families) == "seed-redis-phonepe"
    assert family_of("seed-redis", families) == "seed-redis"
    assert family_of("seed-redlock", families) == "seed-redlock"
    assert family_of("tooz-etcd3-heartbeat", families) == "tooz"
    assert family_of("zookeeper-semaphore-2", families) == "zookeeper-semaphore"
    assert family_of("toozy", families) is None


# ---- declarations checked at load --------------------------------------------------------

FIXTURES = "tests.adapters.misdeclared"
MISTAKES = [  # class, the name the error gives it, what the error says
    ("NoName", "NoName", "has no `name`"),
    ("NoExpectations", "no-expectations", "declares no `expectations`"),
    ("UnknownFault", "unknown-fault", "`expectations` names unknown fault(s) paws (faults: none, slow, pause"),
    ("NotAnExpectation", "not-an-expectation", "`expectations` for pause must be safe(reason) or unsafe(reason)"),
    ("BadModel", "bad-model", "`model` 'semaphore:permits=two' does not parse: model 'semaphore'"),
    ("UnknownModel", "unknown-model", "`model` 'rw-lokc' does not parse: unknown model 'rw-lokc'"),
    ("ModesWithoutModel", "modes-without-model", "has `modes` write, read but no `model` to judge them by"),
    ("NoBackend", "no-backend", "declares no `backend` (a server kind such as \"redis\""),
]


@pytest.mark.parametrize("cls_name, named, said", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_wrong_declaration_is_one_line_naming_the_adapter_and_its_file(cls_name, named, said):
    with pytest.raises(ValueError) as e:
        get(f"{FIXTURES}:{cls_name}")
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith(f"adapter {named!r} (tests/adapters/misdeclared.py): "), message
    assert said in message


def test_every_mistake_of_one_adapter_is_on_its_one_line():
    with pytest.raises(ValueError) as e:
        get(f"{FIXTURES}:TwoMistakes")
    message = str(e.value)
    assert "\n" not in message and "unknown fault(s) pauses" in message and "declares no `backend`" in message


def test_a_class_that_is_no_adapter_is_refused():
    with pytest.raises(ValueError, match="is not a taala Adapter subclass"):
        get(f"{FIXTURES}:NotAnAdapter")


def test_the_backend_must_be_declared_and_every_built_in_declares_it():
    assert Adapter.backend is UNDECLARED
    assert broken() == {}
    for name, cls in available().items():
        assert cls.backend is None or isinstance(cls.backend, str), name
        assert cls.problems() == [], name


def test_the_cli_refuses_a_wrong_declaration_in_one_line():
    result = CliRunner().invoke(app, ["vet", f"{FIXTURES}:UnknownFault", "--budget", "1"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        "taala: adapter 'unknown-fault' (tests/adapters/misdeclared.py): `expectations` names unknown fault(s) paws "
        f"(faults: {', '.join(FAULTS)})"]


@pytest.fixture
def more_built_ins(tmp_path, monkeypatch):
    """Adds files to the built-in adapters' folder (a second folder on the package's path)."""
    monkeypatch.setattr(taala.adapters, "__path__", [*taala.adapters.__path__, str(tmp_path)])
    added = []

    def add(module: str, text: str) -> None:
        (tmp_path / f"{module}.py").write_text(text)
        added.append(f"taala.adapters.{module}")

    yield add
    for module in added:
        sys.modules.pop(module, None)


def test_a_broken_built_in_is_named_in_one_line_and_the_rest_are_listed(more_built_ins):
    more_built_ins("misfit_lock", "from taala.adapter import Adapter, unsafe\n\n\n"
                                  "class MisfitLock(Adapter):\n    name = 'misfit-lock'\n    backend = 'redis'\n"
                                  "    expectations = {'paws': unsafe('a typo')}\n")
    more_built_ins("syntax_error", "class Oops(:\n")
    found, bad = scan()
    assert "misfit-lock" not in found and "seed-redis" in found
    assert bad["misfit-lock"].startswith("adapter 'misfit-lock' (adapters/misfit_lock.py): `expectations` names "
                                         "unknown fault(s) paws")
    assert bad["adapters/syntax_error.py"].startswith("adapters/syntax_error.py: cannot import: SyntaxError: ")
    with pytest.raises(ValueError, match=r"^adapter 'misfit-lock' \(adapters/misfit_lock.py\): "):
        get("misfit-lock")

    result = CliRunner().invoke(app, ["adapters", "--json"])
    assert result.exit_code == 2
    assert set(json.loads(result.stdout)) == set(found)
    assert result.stderr.splitlines() == [f"taala: broken adapter: {bad['misfit-lock']}",
                                          f"taala: broken adapter: {bad['adapters/syntax_error.py']}"]


def test_a_broken_process_adapter_directory_is_named_in_one_line_and_the_rest_are_listed(more_built_ins, tmp_path):
    def folder(name: str, text: str) -> None:
        (tmp_path / name).mkdir()
        (tmp_path / name / "taala-adapter.toml").write_text(text)

    adapter = '[[adapter]]\nname = "{}"\ncommand = ["true"]\nbackend = "none"\n[adapter.expectations]\n{} = {{ safe = true, reason = "r" }}\n'
    folder("not_toml", "protocol = 1\n[[adapter]\n")
    folder("misfit_process", "protocol = 1\n" + adapter.format("misfit-process", "paws"))
    folder("seed_redis_again", "protocol = 1\n" + adapter.format("seed-redis", "none"))
    found, bad = scan()
    assert "seed-redis" in found and "seed-redis-process" in found and "misfit-process" not in found
    assert bad["adapters/not_toml/taala-adapter.toml"] == ("adapters/not_toml/taala-adapter.toml:2: not TOML: "
                                                          "Expected ']]' at the end of an array declaration")
    assert bad["misfit-process"].startswith("adapter 'misfit-process' (adapters/misfit_process/taala-adapter.toml:2): "
                                            "`expectations` names unknown fault(s) paws")
    seed_redis = _line_of("adapters/seed_redis.py", "class SeedRedisLock(")
    assert bad["adapters/seed_redis_again/taala-adapter.toml"] == (
        "adapter 'seed-redis' (adapters/seed_redis_again/taala-adapter.toml:2): the name is taken by "
        f"adapters/seed_redis.py:{seed_redis}")
    assert get("seed-redis").__name__ == "SeedRedisLock"


def test_a_file_path_names_process_adapters_on_the_command_line_only():
    toml = str(Path(__file__).resolve().parents[2] / "adapters" / "seed_redis_process" / "taala-adapter.toml")
    assert get(toml).name == "seed-redis-process" and get(f"{toml}:seed-redis-process").name == "seed-redis-process"
    with pytest.raises(ValueError, match=r"is a file path; only registered adapters \(`taala adapters`\) are accepted here"):
        get(toml, import_path=False)
    with pytest.raises(ValueError, match=r"declares no adapter 'nope' \(it declares seed-redis-process\)$"):
        get(f"{toml}:nope")


def test_entry_points_are_checked_too(monkeypatch):
    eps = [EntryPoint("unknown-fault", f"{FIXTURES}:UnknownFault", "taala.adapters"),
           EntryPoint("my-lock", f"{FIXTURES}:BadModel", "taala.adapters"),
           EntryPoint("not-adapter", f"{FIXTURES}:NotAnAdapter", "taala.adapters"),
           EntryPoint("gone", "tests.adapters.no_such_module:Lock", "taala.adapters"),
           EntryPoint("nameless", f"{FIXTURES}:NoName", "taala.adapters")]
    monkeypatch.setattr(taala.adapters, "entry_points", lambda group: eps)
    bad = broken()
    assert bad["unknown-fault"].startswith("adapter 'unknown-fault' (tests/adapters/misdeclared.py): ")
    assert bad["my-lock"] == (f"adapter 'my-lock' (entry point my-lock = {FIXTURES}:BadModel): the class is named "
                              "'bad-model'; the entry point and the class's `name` must agree")
    assert bad["not-adapter"] == (f"adapter 'not-adapter' (entry point not-adapter = {FIXTURES}:NotAnAdapter): "
                                  "not a taala Adapter subclass")
    assert bad["gone"].startswith("adapter 'gone' (entry point gone = tests.adapters.no_such_module:Lock): "
                                  "cannot import: ModuleNotFoundError: ")
    assert bad["nameless"] == "adapter 'NoName' (tests/adapters/misdeclared.py): has no `name`"
    with pytest.raises(ValueError, match="has no `name`"):
        get("nameless")


# ---- where each adapter is defined -------------------------------------------------------

def _line_of(path: str, text: str) -> int:
    lines = (Path(__file__).resolve().parents[2] / path).read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def test_taala_adapters_says_where_each_adapter_is_defined():
    result = CliRunner().invoke(app, ["adapters", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    seed_redis = _line_of("adapters/seed_redis.py", "class SeedRedisLock(")
    tooz_redis = _line_of("adapters/tooz.py", '_define("tooz-redis"')  # both redis classes: one call in a loop
    assert data["seed-redis"]["defined_at"] == f"adapters/seed_redis.py:{seed_redis}"
    assert data["tooz-redis-heartbeat"]["defined_at"] == f"adapters/tooz.py:{tooz_redis}"
    process = _line_of("adapters/seed_redis_process/taala-adapter.toml", "[[adapter]]")
    assert data["seed-redis-process"]["defined_at"] == f"adapters/seed_redis_process/taala-adapter.toml:{process}"
    assert {"summary", "backend", "nodes", "fenced", "model", "modes", "clients", "expectations"} < set(data["seed-redis"])

    table = CliRunner().invoke(app, ["adapters"], env={"COLUMNS": "200"})
    assert table.exit_code == 0
    assert data["seed-redlock"]["defined_at"] in table.stdout
