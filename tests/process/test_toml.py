"""taala-adapter.toml: every field checked, each mistake one line naming the file and the line.

No servers, no processes: the file is only read."""

from __future__ import annotations

import pytest
from taala.adapter import LeaseTerms
from taala.adapters import get
from taala.cli.app import app
from taala.process_adapter import load
from typer.testing import CliRunner

from tests.process.conftest import toml

SHOWN = "x/taala-adapter.toml"


def _load(tmp_path, text: str):
    path = tmp_path / "taala-adapter.toml"
    path.write_text(text)
    return load(path, shown=SHOWN, like=lambda name: get(name) if name == "seed-redis" else None)


FILE_MISTAKES = [  # text, the one line
    ("protocol = 1\n[[adapter]\n", f"{SHOWN}:2: not TOML: Expected ']]' at the end of an array declaration"),
    ("protocol = 2\n", f"{SHOWN}:1: needs `protocol = 1` (the protocol version it speaks; taala speaks 1), not 2"),
    ("[[adapter]]\nname = 'x'\n", f"{SHOWN}:1: needs `protocol = 1` (the protocol version it speaks; taala speaks 1)"),
    ("protocol = 1\nadaptor = 1\n", f"{SHOWN}:2: unknown key(s) adaptor (known: adapter, build, protocol)"),
    ("protocol = 1\n", f"{SHOWN}: declares no adapter (an [[adapter]] table with name, command, backend, expectations)"),
    ("protocol = 1\n\n[build]\ncommand = []\n", f"{SHOWN}:3: `build.command` must be a non-empty list of strings"),
]


@pytest.mark.parametrize("text, said", FILE_MISTAKES)
def test_a_file_that_cannot_be_read_is_one_line(tmp_path, text, said):
    with pytest.raises(ValueError) as e:
        _load(tmp_path, text)
    assert str(e.value) == said


ADAPTER_MISTAKES = [  # extra lines of a [[adapter]] (at line 3; its command at 5), the error's line, what it says
    ("nodes = 0", 7, "`nodes` must be an integer >= 1, not 0"),
    ("colour = 'red'", 7, "unknown key `colour` (known: backend, blocking, clients, command, expectations, fenced, "),
    ("tier = 'nightly'", 7, "`tier` must be \"quick\" or \"full\", not 'nightly'"),
    ("lease_terms = { like = 'nope' }", 7, "`lease_terms.like` must name a registered adapter, alone; 'nope' is none"),
    ("lease_terms = { shortest = 2.0, longest = 1.0 }", 7, "`lease_terms` need 0 <= shortest <= longest"),
    ("liveness = true", 7, "`liveness` must be a number of leases, or false (no promise), not True"),
]


@pytest.mark.parametrize("extra, line, said", ADAPTER_MISTAKES, ids=[m[0].split()[0] for m in ADAPTER_MISTAKES])
def test_each_wrong_field_is_one_line_naming_the_adapter_file_and_line(tmp_path, extra, line, said):
    found, broken = _load(tmp_path, toml("my-lock", ["x"], extra))
    assert not found and list(broken) == ["my-lock"]
    assert broken["my-lock"].startswith(f"adapter 'my-lock' ({SHOWN}:{line}): "), broken
    assert said in broken["my-lock"] and "\n" not in broken["my-lock"]


def test_every_mistake_is_on_the_one_line_at_the_first_ones_line(tmp_path):
    text = "protocol = 1\n[[adapter]]\nname = 'my-lock'\nbackend = 'redsi'\n[adapter.expectations]\n" \
           "none = { safe = true, reason = 'r' }\n"
    _, broken = _load(tmp_path, text)
    assert broken["my-lock"] == (f"adapter 'my-lock' ({SHOWN}:2): needs `command` (a non-empty list of strings); "
                                 f"`backend` must be a server kind (\"redis\", \"zookeeper\", ...) or \"none\", not 'redsi'")


def test_build_in_a_command_needs_a_build_step(tmp_path):
    _, broken = _load(tmp_path, toml("my-lock", ["{build}/client"]))
    assert broken["my-lock"] == f"adapter 'my-lock' ({SHOWN}:5): `command` names {{build}} but the file has no [build]"


def test_declarations_are_the_python_ones_in_leases(tmp_path):
    extra = ("blocking = true\nmax_wait = 1.5\ntiming = { lease = 1.0, wait = 1.5 }\nliveness = false\nmin_ttl = 2.0\n"
             "fenced = true\ntier = 'full'\nmodes = ['write', 'read']\nmodel = 'rw-lock'\nclients = 3\n"
             "lease_terms = { shortest = 1.0, longest = 1.5, renews = true, renew_every = 0.5 }")
    [cls], broken = _load(tmp_path, toml("my-lock", ["{python}", "client.py"], extra))
    assert not broken and cls.problems() == []
    assert (cls.backend, cls.blocking, cls.max_wait, cls.liveness, cls.min_ttl, cls.fenced, cls.tier) == \
        (None, True, 1.5, None, 2.0, True, "full")
    assert (cls.modes, cls.model, cls.clients, cls.timing) == (("write", "read"), "rw-lock", 3, {"lease": 1.0, "wait": 1.5})
    assert cls.lease_terms(2.0) == LeaseTerms(2.0, 3.0, renews=True, renew_every=1.0)
    assert cls.expectations["none"].safe is False and cls.defined_at() == f"{SHOWN}:3"


def test_lease_terms_like_copies_a_registered_adapters(tmp_path):
    [cls], _ = _load(tmp_path, toml("my-lock", ["x"], "lease_terms = { like = 'seed-redis' }"))
    assert cls.lease_terms(0.25) == get("seed-redis").lease_terms(0.25)


def test_taala_adapters_declarations_apply_to_a_toml_adapter(tmp_path):
    """`Adapter.problems` holds a TOML adapter to the same rules (here: modes need a model)."""
    [cls], _ = _load(tmp_path, toml("my-lock", ["x"], "modes = ['write', 'read']"))
    assert cls.declaration_error() == (f"adapter 'my-lock' ({SHOWN}:3): has `modes` write, read but no `model` to "
                                       f"judge them by (e.g. model = \"rw-lock\")")


def test_the_cli_refuses_a_wrong_toml_in_one_line(tmp_path):
    path = tmp_path / "taala-adapter.toml"
    path.write_text(toml("my-lock", ["x"], "nodes = 0"))
    result = CliRunner().invoke(app, ["vet", str(path), "--budget", "1"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [f"taala: adapter 'my-lock' ({path}:7): `nodes` must be an integer "
                                                  f">= 1, not 0"]
