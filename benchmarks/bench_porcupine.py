"""taala against Porcupine (Go) on Jepsen-etcd-shaped cas-register histories, whole process.

    python benchmarks/bench_porcupine.py --porcupine-src DIR [--histories 100] [--runs 5]

DIR is a source tree of github.com/anishathalye/porcupine (no dependencies beyond Go's
standard library, so it builds offline: `git --git-dir=<its git dir> archive HEAD | tar x
-C DIR`). This script builds `benchmarks/porcupine/main.go` (Porcupine's own etcd log
reader and model, from its tests) against it, generates the histories with
`generate.etcd_log` (one in three with a stale read), and times, as whole processes run
back to back, `porcupine-etcd FILES...` and `python -m taala check FILES... --model
cas-register:nil-reads=value --json`: each one process for all files, as a CI job would
run them. (`nil-reads=value` is Porcupine's etcd model: nil is the initial value, not a
wildcard.) It prints the median and range of `--runs` paired runs, and fails if any
verdict differs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_checker import machine
from generate import etcd_log

HERE = Path(__file__).resolve().parent
GO_MOD = """module porcupineetcd

go 1.16

require github.com/anishathalye/porcupine v0.0.0

replace github.com/anishathalye/porcupine => {src}
"""


def build(src: Path, out: Path) -> Path:
    """Build porcupine-etcd offline (GOPROXY=off) against the Porcupine tree at `src`."""
    work = out / "build"
    work.mkdir()
    shutil.copy(HERE / "porcupine" / "main.go", work)
    (work / "go.mod").write_text(GO_MOD.format(src=src.resolve()))
    exe = out / "porcupine-etcd"
    env = {"GOPROXY": "off", "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local", "PATH": "/usr/bin:/bin:/usr/local/bin",
           "HOME": str(out), "GOCACHE": str(out / "gocache"), "GOPATH": str(out / "gopath")}
    subprocess.run(["go", "build", "-o", str(exe), "."], cwd=work, env=env, check=True)
    return exe


def timed(cmd: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1) or (proc.stderr.strip() and "warning" not in proc.stderr):
        raise SystemExit(f"{cmd[0]} failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed, proc.stdout


def verdicts_porcupine(out: str) -> dict[str, bool]:
    return {name: ok == "true" for name, ok in (line.rsplit(" ", 1) for line in out.splitlines() if line.strip())}


def verdicts_taala(out: str) -> dict[str, object]:
    return {r["file"]: r["valid"] for r in map(json.loads, filter(str.strip, out.splitlines()))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--porcupine-src", type=Path, required=True)
    ap.add_argument("--histories", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="write the histories here instead of a temporary directory")
    args = ap.parse_args()
    go = subprocess.run(["go", "version"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"machine: {machine()}\n{go}; Porcupine source: {args.porcupine_src}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        exe = build(args.porcupine_src, out)
        hdir = args.keep or out / "histories"
        hdir.mkdir(parents=True, exist_ok=True)
        files = []
        for seed in range(args.histories):
            path = hdir / f"etcd_{seed:03d}.log"
            path.write_text(etcd_log(seed, faulty=seed % 3 == 0))
            files.append(str(path))
        porcupine_cmd = [str(exe), *files]
        taala_cmd = [sys.executable, "-m", "taala", "check", *files, "--model", "cas-register:nil-reads=value", "--json"]
        times: dict[str, list[float]] = {"porcupine": [], "taala": []}
        for _ in range(args.runs):
            t, p_out = timed(porcupine_cmd)
            times["porcupine"].append(t)
            t, t_out = timed(taala_cmd)
            times["taala"].append(t)
        p, t = verdicts_porcupine(p_out), verdicts_taala(t_out)
        differ = [f for f in files if p.get(f) != t.get(f)]
        invalid = sum(v is False for v in t.values())
        print(f"{len(files)} histories ({invalid} not linearizable), {args.runs} paired runs, whole process:")
        for name, ts in times.items():
            print(f"  {name:9} median {statistics.median(ts):.2f} s  (min {min(ts):.2f}, max {max(ts):.2f})")
        ratio = statistics.median(times["taala"]) / statistics.median(times["porcupine"])
        print(f"  taala / porcupine: {ratio:.2f}x")
        if differ:
            raise SystemExit("verdicts differ on: " + ", ".join(f"{f} (porcupine {p.get(f)}, taala {t.get(f)})" for f in differ))
        print("  verdicts: all equal")


if __name__ == "__main__":
    main()
