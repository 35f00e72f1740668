"""Sweep throughput and memory (figures go in BENCHMARKS.md, section "Sweeps").

    .venv/bin/python benchmarks/sweep.py                      # both measurements
    .venv/bin/python benchmarks/sweep.py --runs 20000 --memory-runs 100000

1. Throughput: a nafta-2017 grid (US termination value x partners' belief, 100 cells) of ``--runs`` runs,
   serially (``--workers 1``, one process) and on 2 local processes (``--workers 2``); runs/s as the sweep
   reports it (pool start-up included, report not included).
2. Memory: ``bargaining sweep`` of ``--memory-runs`` runs (2 local processes) in a subprocess; the resident
   memory of the whole process tree (main process + workers + forkserver) is sampled every 0.2 s, and
   the peak is reported with the memory at 10 % and 90 % of the runs (flat = no growth with the sweep).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bargaining.experiment.spec import from_dict
from bargaining.experiment.store import read_runs
from bargaining.experiment.sweep import sweep


def grid(runs: int) -> dict:
    return {
        "name": "bench", "scenario": "nafta-2017", "replications": max(1, runs // 100), "seed": 1,
        "parameters": {
            "US.termination_value": {"range": [0.0, 0.9], "steps": 10},
            "partners_belief": {"paths": ["CA.belief", "MX.belief"], "range": [0.0, 1.0], "steps": 10},
        },
    }


def throughput(runs: int) -> dict[int, float]:
    experiment = from_dict(grid(runs))
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            summary = sweep(experiment, Path(tmp) / str(workers), workers=workers, progress=False)
            rates[workers] = summary.runs_per_second
            print(f"{summary.ran:,} runs, {workers} worker(s): {summary.runs_per_second:,.0f} runs/s "
                  f"({summary.seconds:.1f} s)", flush=True)
        assert read_runs(Path(tmp) / "1").equals(read_runs(Path(tmp) / "2"))
    return rates


def memory(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        exp = Path(tmp) / "bench.toml"
        replications = max(1, runs // 100)
        exp.write_text(f"""name = "bench"
scenario = "nafta-2017"
replications = {replications}
seed = 1
[parameters."US.termination_value"]
range = [0.0, 0.9]
steps = 10
[parameters.partners_belief]
paths = ["CA.belief", "MX.belief"]
range = [0.0, 1.0]
steps = 10
""")
        out = Path(tmp) / "out"
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "bargaining.cli", "sweep", str(exp), "--out", str(out),
                                 "--workers", "2", "--no-report", "--no-progress"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        root = psutil.Process(proc.pid)
        samples = []  # (runs stored, main rss, tree rss)
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
                rss = [p.memory_info().rss for p in tree]
            except psutil.NoSuchProcess:
                break
            done = sum(1 for _ in (out / "runs").glob("part-*.parquet")) if (out / "runs").exists() else 0
            samples.append((done, rss[0], sum(rss)))
            time.sleep(0.2)
        stdout, stderr = proc.communicate()
        seconds = time.perf_counter() - start
        assert proc.returncode == 0, stderr
        parts = max(s[0] for s in samples)
        at = lambda share: next(s for s in samples if s[0] >= share * parts)  # noqa: E731
        mb = 1024 * 1024
        print(stdout.strip().splitlines()[0])
        print(f"{replications * 100:,}-run sweep, 2 workers: {seconds:.0f} s wall; peak resident memory "
              f"{max(s[2] for s in samples) / mb:,.0f} MB for the process tree, {max(s[1] for s in samples) / mb:,.0f} "
              f"MB for the main process; tree at 10 % of the runs {at(0.1)[2] / mb:,.0f} MB, at 90 % "
              f"{at(0.9)[2] / mb:,.0f} MB; results on disk {sum(f.stat().st_size for f in out.rglob('*')) / mb:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20_000, help="runs of the throughput sweep")
    parser.add_argument("--memory-runs", type=int, default=100_000, help="runs of the memory sweep (0: skip)")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {psutil.cpu_count()} cores, Python "
          f"{platform.python_version()}")
    rates = throughput(args.runs)
    print(f"speed-up with 2 workers: {rates[2] / rates[1]:.2f}x")
    if args.memory_runs:
        memory(args.memory_runs)


if __name__ == "__main__":
    main()
