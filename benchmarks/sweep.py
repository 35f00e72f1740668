"""Sweep throughput and memory (figures go in BENCHMARKS.md, section "Sweeps").

    .venv/bin/python benchmarks/sweep.py                      # both measurements
    .venv/bin/python benchmarks/sweep.py --runs 20000 --memory-runs 100000

Each measurement runs ``bargaining sweep`` in a subprocess on a nafta-2017 grid of 100 cells with
``runs / 100`` replications, without the report, and samples the whole process tree (main process,
forkserver, workers) every 0.2 s with psutil. ``--grid beliefs`` (the default) varies Canada's and Mexico's
beliefs in the threat (10 x 10 levels; the runs are the scenario's own, mostly deals in about 7 rounds);
``--grid threat`` varies the U.S. termination value (0-0.9) x both partners' belief, so about a third of the
runs play out a withdrawal (14 rounds).

1. Throughput: ``--runs`` runs serially (``--workers 1``) and on 2 local processes (``--workers 2``); runs/s
   as the sweep reports it (pool start-up included), and CPU seconds per 1,000 runs of the process tree (on
   a busy machine the wall-clock figures fall, the CPU cost does not).
2. Efficiency measures: ``--distances-runs`` runs of the ``threat`` grid (a third withdrawals, the rest mostly
   deals), serially, with and without the ``distances`` outcome group: CPU seconds of each and their ratio.
   ``--before DIR`` measures a checkout of an earlier commit in the same run, side by side
   (``git archive COMMIT | tar -x -C DIR``).
3. Memory: ``--memory-runs`` runs on 2 local processes: peak memory of the process tree (sum of each
   process's proportional set size, PSS, so that pages the processes share, such as the numpy, scipy and
   mesa libraries, count once) and resident memory (RSS) of the main process, each at 10 % and 90 % of the
   runs too (flat = no growth with the sweep). A bare ``import bargaining`` (mesa, numpy, pandas, scipy)
   is about 180 MB RSS per process.
4. An experiment file (``--experiment FILE``, optionally with ``--replications N`` a cell) on 2 local processes,
   measured the same way (and, if it records ``distances``, again without them: the ratio of CPU seconds),
   e.g. ``--experiment experiments/threat_credibility.toml --replications 9524`` (105 cells:
   1,000,020 runs).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

MB = 1024 * 1024


GRIDS = {
    "beliefs": """[parameters."CA.belief"]
range = [0.0, 1.0]
steps = 10
[parameters."MX.belief"]
range = [0.0, 1.0]
steps = 10
""",
    "threat": """[parameters."US.termination_value"]
range = [0.0, 0.9]
steps = 10
[parameters.partners_belief]
paths = ["CA.belief", "MX.belief"]
range = [0.0, 1.0]
steps = 10
""",
}


OUTCOMES = ["outcome", "round", "agreement", "utilities", "walk_away"]


def experiment(runs: int, grid: str, outcomes: list[str] | None = None) -> str:
    return f"""name = "bench"
scenario = "nafta-2017"
replications = {max(1, runs // 100)}
seed = 1
{"" if outcomes is None else f"outcomes = {outcomes!r}"}
{GRIDS[grid]}"""


@dataclass
class Measurement:
    runs: int
    workers: int
    runs_per_second: float
    cpu_seconds: float
    tree: tuple[float, float, float]  # PSS of the process tree: peak, at 10 %, at 90 % of the runs
    main: tuple[float, float, float]  # RSS of the main process: peak, at 10 %, at 90 %
    worker: tuple[float, float, float]  # RSS of the largest other process (a worker): peak, at 10 %, at 90 %

    def text(self) -> str:
        mb = lambda t: f"{t[0] / MB:,.0f} MB (at 10 % / 90 % of the runs: {t[1] / MB:,.0f} / {t[2] / MB:,.0f})"  # noqa: E731
        return (f"{self.runs:,} runs, {self.workers} worker(s): {self.runs_per_second:,.0f} runs/s, "
                f"{1000 * self.cpu_seconds / self.runs:.3f} CPU s per 1,000 runs ({self.cpu_seconds:,.0f} CPU s); "
                f"peak memory of the process "
                f"tree (PSS) {mb(self.tree)}; main process (RSS) {mb(self.main)}"
                + (f"; largest worker (RSS) {mb(self.worker)}" if self.workers > 1 else ""))


def measure(runs: int, workers: int, grid: str = "beliefs", outcomes: list[str] | None = None,
            code: Path | None = None, text: str | None = None) -> Measurement:
    """One sweep in a subprocess, run in a scratch folder so that ``code`` is the folder ``bargaining`` is imported
    from (default: this checkout); ``text``: the experiment file to sweep instead of the grid."""
    env = dict(os.environ, PYTHONPATH=str(code or Path(__file__).resolve().parent.parent))
    with tempfile.TemporaryDirectory() as tmp:
        exp, out = Path(tmp) / "bench.toml", Path(tmp) / "out"
        exp.write_text(text or experiment(runs, grid, outcomes))
        proc = subprocess.Popen([sys.executable, "-m", "bargaining.cli", "sweep", str(exp), "--out", str(out),
                                 "--workers", str(workers), "--no-report", "--no-progress"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp)
        root = psutil.Process(proc.pid)
        cpu: dict[int, float] = {}
        samples = []  # (parts stored, main rss, tree pss, largest other rss)
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
                rss, pss = [], []
                for p in tree:
                    with p.oneshot():
                        info = p.memory_full_info()
                        rss.append(info.rss)
                        pss.append(info.pss)
                        times = p.cpu_times()
                        cpu[p.pid] = times.user + times.system
            except psutil.NoSuchProcess:
                continue
            parts = len(os.listdir(out / "runs")) if (out / "runs").exists() else 0
            samples.append((parts, rss[0], sum(pss), max(rss[1:], default=0)))
            time.sleep(0.2)
        stdout, stderr = proc.communicate()
        assert proc.returncode == 0, stderr
        ran = int(re.search(r"^([\d,]+) runs in", stdout, re.M).group(1).replace(",", ""))
        rate = float(re.search(r"\(([\d,]+) runs/s\)", stdout).group(1).replace(",", ""))
        total = max(s[0] for s in samples)
        at = lambda share, i: next(s[i] for s in samples if s[0] >= share * total)  # noqa: E731
        peak = lambda i: (max(s[i] for s in samples), at(0.1, i), at(0.9, i))  # noqa: E731
        return Measurement(ran, workers, rate, sum(cpu.values()), peak(2), peak(1), peak(3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20_000, help="runs of the throughput sweeps (0: skip)")
    parser.add_argument("--distances-runs", type=int, default=2_000,
                        help="runs of the sweeps with and without efficiency measures (0: skip)")
    parser.add_argument("--before", type=Path, help="an earlier checkout to measure the distances ratio of too")
    parser.add_argument("--memory-runs", type=int, default=100_000, help="runs of the memory sweep (0: skip)")
    parser.add_argument("--grid", choices=sorted(GRIDS), default="beliefs", help="what the sweeps vary")
    parser.add_argument("--experiment", type=Path, help="also sweep this experiment file on 2 local processes ...")
    parser.add_argument("--replications", type=int, help="... with this many replications a cell")
    args = parser.parse_args()
    print(f"{platform.machine()}, {psutil.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    print(f"grid: {args.grid}", flush=True)
    if args.runs:
        one = measure(args.runs, 1, args.grid)
        print(one.text(), flush=True)
        two = measure(args.runs, 2, args.grid)
        print(two.text(), flush=True)
        print(f"speed-up with 2 workers: {two.runs_per_second / one.runs_per_second:.2f}x", flush=True)
    if args.distances_runs:
        for label, code in [("before", args.before)] * (args.before is not None) + [("now", None)]:
            plain = measure(args.distances_runs, 1, "threat", OUTCOMES, code)
            measured = measure(args.distances_runs, 1, "threat", OUTCOMES + ["distances"], code)
            print(f"efficiency measures ({label}): {args.distances_runs:,} runs of the threat grid serially, "
                  f"{plain.cpu_seconds:.1f} CPU s without distances, {measured.cpu_seconds:.1f} CPU s with: "
                  f"{measured.cpu_seconds / plain.cpu_seconds:.2f}x", flush=True)
    if args.memory_runs:
        print(measure(args.memory_runs, 2, args.grid).text())
    if args.experiment:
        text = args.experiment.read_text()
        if args.replications:
            text = re.sub(r"(?m)^replications = \d+", f"replications = {args.replications}", text, count=1)
        found = measure(0, 2, text=text)
        print(f"{args.experiment}: {found.text()}", flush=True)
        if '"distances"' in text:  # the same sweep without them: what the efficiency measures cost at this scale
            plain = measure(0, 2, text=text.replace(', "distances"', "").replace('"distances", ', ""))
            print(f"... without distances: {plain.text()}\n... with distances / without: "
                  f"{found.cpu_seconds / plain.cpu_seconds:.2f}x the CPU", flush=True)


if __name__ == "__main__":
    main()
