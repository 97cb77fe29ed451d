"""Target files (`taala vet --target FILE`): every mistake is one line naming the file."""

from __future__ import annotations

import pytest
from taala.adapters import get
from taala.target import TargetError, load
from taala.vet import target_problems

GOOD = 'backend = "redis"\n\n[[node]]\naddress = "10.0.0.5:6379"\ninject = "docker:redis-1"\n'


def write(tmp_path, text: str) -> str:
    path = tmp_path / "target.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("text,message", [
    ('backend = "redis"\n[[node]\n', r"target\.toml: .*line 2"),
    ('[[node]]\naddress = "a:1"\n', r"target\.toml: needs backend"),
    ('backend = "redis"\n', r"target\.toml: needs at least one \[\[node\]\]"),
    ('backend = "redis"\n[[node]]\naddress = "nohost"\n', r"target\.toml: node 0: address must be \"host:port\""),
    ('backend = "redis"\n[[node]]\naddress = "a:1"\ninject = "ssh:x"\n', r"node 0: inject must be"),
])
def test_a_bad_target_file_is_refused_with_its_name(tmp_path, text, message):
    with pytest.raises(TargetError, match=message):
        load(write(tmp_path, text))


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(TargetError, match="cannot read"):
        load(tmp_path / "nope.toml")


def test_a_target_must_fit_the_adapter_and_the_faults(tmp_path):
    target = load(write(tmp_path, GOOD))
    assert target.nodes[0].container == "redis-1"
    assert target_problems(get("seed-redis"), ["pause", "node-pause", "kill"], target) == []
    assert "needs 5 node(s)" in target_problems(get("seed-redlock"), ["pause"], target)[0]
    assert "is a redis target" in target_problems(get("postgres-advisory"), ["none"], target)[0]
    assert "cannot inject node-partition" in load(write(tmp_path, GOOD)).unsupported(["node-partition"])[0]
    blind = load(write(tmp_path, GOOD.replace("docker:redis-1", "none")))
    assert target_problems(get("seed-redis"), ["pause", "partition"], blind) == []
    assert 'says inject = "none"' in target_problems(get("seed-redis"), ["node-pause"], blind)[0]


def test_a_clock_directory_lets_a_target_take_clock_jumps(tmp_path):
    clocked = load(write(tmp_path, GOOD + 'clock = "clocks/redis-1"\n'))
    assert clocked.nodes[0].clock == str(tmp_path / "clocks" / "redis-1")  # read from the file's folder
    assert target_problems(get("seed-redis"), ["clock", "kill"], clocked) == []
    plain = load(write(tmp_path, GOOD))
    assert "names no clock directory" in target_problems(get("seed-redis"), ["clock"], plain)[0]


@pytest.mark.parametrize("extra", ['clock = 3\n', 'clock = ""\n'])
def test_a_bad_clock_is_refused_with_the_node(tmp_path, extra):
    with pytest.raises(TargetError, match="node 0: clock must be a directory"):
        load(write(tmp_path, GOOD + extra))


def test_a_clock_needs_a_container(tmp_path):
    with pytest.raises(TargetError, match="node 0: clock must be a directory .* on a docker: node"):
        load(write(tmp_path, GOOD.replace("docker:redis-1", "none") + 'clock = "c"\n'))
