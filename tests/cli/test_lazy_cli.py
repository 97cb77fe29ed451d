"""The command line loads only what the command it runs needs.

`taala --help` and `taala check` must not import the vetting machinery (Hypothesis, Redis
clients, the servers, the adapters), networkx (only a deadlock needs it) or pytest: that
is most of their start-up time, and `pip install taala` without extras does not have them.
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest
from taala.cli.app import COMMANDS, app, run_entry

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("hypothesis", "networkx", "redis", "pytest", "_pytest", "taala.vet", "taala.schedule", "taala.cli.vet",
         "taala.cli.replay", "taala.cli.adapters",
         "taala.servers", "taala.adapters", "taala.runner", "taala.report",
         # the Typer layer: about 0.2 s of imports that check, show, models and --help skip
         "typer", "pydantic", "rich", "click")

# Runs the CLI in-process, then prints which of HEAVY got imported. `blocked` modules raise
# ModuleNotFoundError on import, as in an install without the extra that provides them.
_PROBE = """
import importlib.abc, json, sys
blocked = set(json.loads(sys.argv[1]))
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Block())
heavy = json.loads(sys.argv[2])
sys.argv = ["taala"] + sys.argv[3:]
from taala.cli import main
try:
    main()
    code = 0
except SystemExit as e:
    code = e.code
print(json.dumps({"code": code, "loaded": sorted(m for m in heavy if m in sys.modules)}))
"""


def probe(*args: str, blocked: tuple[str, ...] = ()) -> tuple[dict, str, str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(blocked), json.dumps(HEAVY), *args],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    last = done.stdout.strip().splitlines()[-1]
    return json.loads(last), done.stdout, done.stderr


def test_help_imports_no_subcommand():
    result, out, _ = probe("--help")
    assert result["code"] == 0
    assert result["loaded"] == []
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("history, model", [
    ("histories/mutex/valid/redis-lock-no-fault.jsonl", "mutex"),
    ("histories/mutex/invalid/etcd-lease-expired.edn", "mutex"),
    ("histories/cas-register/valid/cas-with-timeouts.txt", "cas-register"),
])
def test_check_imports_nothing_of_vet(history, model):
    result, _, err = probe("check", history, "--model", model)
    assert result["code"] in (0, 1), err
    assert result["loaded"] == []


def test_a_deadlock_check_loads_networkx_when_it_needs_it(tmp_path):
    # two processes, two locks, each holding one and waiting for the other
    lines = [
        (0, "invoke", "acquire", "a"), (0, "ok", "acquire", "a"),
        (1, "invoke", "acquire", "b"), (1, "ok", "acquire", "b"),
        (0, "invoke", "acquire", "b"), (1, "invoke", "acquire", "a"),
    ]
    path = tmp_path / "deadlock.jsonl"
    path.write_text("".join(json.dumps({"process": p, "type": t, "f": f, "key": k}) + "\n" for p, t, f, k in lines))
    result, out, err = probe("check", str(path), "--model", "mutex")
    assert result["code"] == 1, out + err
    assert "deadlock" in out
    assert result["loaded"] == ["networkx"]


def test_check_works_without_the_vet_extra():
    result, _, err = probe("check", "histories/mutex/valid/redis-lock-no-fault.jsonl", "--model", "mutex",
                           blocked=("hypothesis", "redis", "networkx"))
    assert result["code"] == 0, err


def test_a_command_needing_an_extra_names_it_in_one_line():
    result, out, err = probe("vet", "seed-redis", "--budget", "1", blocked=("hypothesis", "redis"))
    assert result["code"] == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "pip install 'taala[vet]'" in lines[0]
    assert "Traceback" not in err


def test_the_command_table_matches_the_commands(capsys):
    for module in {lazy.module for lazy in COMMANDS.values()}:
        importlib.import_module(module)
    registered = {info.name or info.callback.__name__.replace("_", "-"): info.callback for info in app.registered_commands}
    assert set(registered) == set(COMMANDS)
    for name, callback in registered.items():
        lazy = COMMANDS[name]
        if lazy.entry is None:  # a Typer command: its module registered it, its docstring is the summary
            assert lazy.module == callback.__module__
            assert lazy.summary == inspect.getdoc(callback).splitlines()[0], name
            continue
        assert run_entry(lazy, ["--help"]) == 0  # an argparse command: its --help opens with the summary
        description = capsys.readouterr().out.split("\n\n")[1]
        assert description.splitlines()[0] == lazy.summary, name


@pytest.mark.parametrize("args", [["check", "--help"], ["show", "--help"], ["models"]])
def test_typer_runs_the_argparse_commands_too(args, capsys):
    """`CliRunner().invoke(app, ...)` (how tests drive the CLI) reaches the same code as the script."""
    from typer.testing import CliRunner

    direct = run_entry(COMMANDS[args[0]], args[1:])
    expected = capsys.readouterr().out
    through_typer = CliRunner().invoke(app, args)
    assert through_typer.exit_code == direct == 0
    assert through_typer.stdout == expected
