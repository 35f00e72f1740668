"""Calibration's batches of prior draws (figures go in BENCHMARKS.md, section "Prior draws in one model").

    .venv/bin/python benchmarks/priors_batch.py --draws 1000                  # this checkout
    .venv/bin/python benchmarks/priors_batch.py --draws 1000 --before DIR     # and an older checkout, side by side

``calibration.abc.simulate_batch`` of ``--draws`` draws from priors-2017 (nafta-2017, observations-2017, one seed
each, as ``npe.prior_draws`` makes them), serially, in one process: how many models it builds, its CPU seconds
(``time.process_time``: fair on a busy machine) and runs per CPU second, and how much of it builds concession paths
(``offers.concession_paths`` and ``offers.concession_paths_of``) and how much is the rest. The misses' sum must be
the same on both sides.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def measure(draws: int) -> dict:
    from bargaining import load_scenario, offers
    from bargaining.calibration.abc import Problem, simulate_batch
    from bargaining.calibration.npe import prior_draws
    from bargaining.calibration.observations import load_observations
    from bargaining.calibration.priors import load_priors
    from bargaining.cli.calibrate import bundled_file
    from bargaining.model import NegotiationModel
    from bargaining.scenario import case

    scenario = load_scenario("nafta-2017")
    problem = Problem(scenario, load_observations(bundled_file("observations-2017"), scenario),
                      load_priors(bundled_file("priors-2017"), scenario))
    priors = problem.priors
    z, seeds = prior_draws(problem, 0, 0, 0, draws)
    sets = [priors.overrides(dict(zip(priors.names, map(float, row), strict=True))) for row in z]
    paths, models = [0.0], [0]
    init = NegotiationModel.__init__

    def timed(build):
        def wrapped(*args, **kwargs):
            start = time.process_time()
            try:
                return build(*args, **kwargs)
            finally:
                paths[0] += time.process_time() - start
        return wrapped

    def counted(self, *args, **kwargs):
        models[0] += 1
        init(self, *args, **kwargs)

    offers.concession_paths = case.concession_paths = timed(offers.concession_paths)
    offers.concession_paths_of = case.concession_paths_of = timed(offers.concession_paths_of)
    NegotiationModel.__init__ = counted
    start = time.process_time()
    misses = simulate_batch(problem, sets, [int(s) for s in seeds])
    cpu = time.process_time() - start
    return {"draws": draws, "models": models[0], "cpu": cpu, "paths": paths[0], "misses": float(misses.sum())}


def line(name: str, m: dict) -> str:
    rest = m["cpu"] - m["paths"]
    return (f"| {name} | {m['draws']} | {m['models']} | {m['cpu']:.2f} | {m['draws'] / m['cpu']:.0f} | "
            f"{m['paths']:.2f} | {rest:.2f} | {m['draws'] / rest:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--before", metavar="DIR", help="an older checkout to measure the same way")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one side, as JSON
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.draws)))
        return
    sides = [("this checkout", Path(__file__).resolve().parents[1])]
    if args.before:
        sides.insert(0, ("before", Path(args.before).resolve()))
    print("| checkout | draws | models | CPU s | runs per CPU s | paths CPU s | rest CPU s | rest: runs per CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    results = []
    for name, root in sides:
        env = {**os.environ, "PYTHONPATH": str(root)}
        out = subprocess.run([sys.executable, __file__, "--draws", str(args.draws), "--json"], env=env,
                             capture_output=True, text=True, check=True, cwd=root)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(line(name, results[-1]), flush=True)
    if len(results) == 2:
        print("same misses:", results[0]["misses"] == results[1]["misses"])


if __name__ == "__main__":
    main()
