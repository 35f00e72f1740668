"""Neural posterior estimation on nafta-2017 (observations-2017, priors-2017), stage by stage, in CPU seconds:
simulations from the prior (``abc.simulate_batch``, in this process), training the flow, sampling the posterior.
Projects the wall time of 10^5 simulations on 2 cores (issue 21's target: under 5 minutes end to end), from CPU
seconds: simulations spread over 2 processes, training in one.

    .venv/bin/python benchmarks/npe.py [--simulations 2000] [--epochs 100] [--threads 1] [--from DIR]

CPU seconds, not wall time, because the machine is shared: simulations parallelise over processes (2 cores halve
their wall time), training runs ``--threads`` threads in one process. Needs the extra bargaining[npe].
"""

import argparse
import sys
import time

import numpy as np

from bargaining import load_scenario
from bargaining.calibration.abc import Problem, simulate_batch
from bargaining.calibration.observations import load_observations
from bargaining.calibration.priors import load_priors
from bargaining.cli.calibrate import bundled_file


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--simulations", type=int, default=2000)
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--from", dest="folder", help="train on the simulations stored in this NPE calibration folder "
                   "(e.g. results/npe, made with priors-2017) instead of simulating --simulations anew")
    args = p.parse_args(argv)
    from bargaining.calibration.npe import NPESettings, informative, missing_extra, observed, prior_draws, summaries
    from bargaining.calibration.npe import train as train_flow

    if missing_extra():
        print(f"skipped: {missing_extra()}")
        return
    scenario = load_scenario("nafta-2017")
    problem = Problem(scenario, load_observations(bundled_file("observations-2017"), scenario),
                      load_priors(bundled_file("priors-2017"), scenario))
    priors = problem.priors
    n = args.simulations
    cpu = time.process_time()
    z, seeds = prior_draws(problem, 0, 0, 0, 200 if args.folder else n)
    draws = [priors.overrides(dict(zip(priors.names, map(float, row), strict=True))) for row in z]
    x = simulate_batch(problem, draws, [int(s) for s in seeds])
    simulate_cpu = time.process_time() - cpu
    per_run = simulate_cpu / len(z)
    if args.folder:
        import json
        from pathlib import Path

        x = np.concatenate([np.load(f) for f in sorted(Path(args.folder, "simulations").glob("chunk-*.npy"))])
        n = len(x)
        z, _ = prior_draws(problem, json.loads(Path(args.folder, "calibration.json").read_text())["seed"], 0, 0, n)
    searched = [priors.names.index(name) for name in priors.perturbed]
    xs = summaries(x, informative(x), problem.weights())
    cpu, wall = time.process_time(), time.monotonic()
    trained = train_flow(z[:, searched], xs, NPESettings(epochs=args.epochs, threads=args.threads), 0)
    train_cpu, train_wall = time.process_time() - cpu, time.monotonic() - wall
    cpu = time.process_time()
    trained.sample(1000, observed(xs), 1, args.threads)
    sample_cpu = time.process_time() - cpu
    per_epoch_sim = train_cpu / args.threads / trained.epochs / n  # training seconds per epoch and simulation
    big = 100_000
    project_sim = per_run * big / 2
    project_train = per_epoch_sim * trained.epochs * big
    print(f"nafta-2017, {n:,} simulations from priors-2017 ({len(priors.perturbed)} parameters inferred, "
          f"{xs.shape[1]} summaries), torch threads {args.threads}; python {sys.version.split()[0]}\n")
    print("| stage | measured | per unit |\n|---|---|---|")
    print(f"| simulations (`simulate_batch`, one process) | {simulate_cpu:.1f} CPU s | {1 / per_run:.0f} runs per "
          "CPU s |")
    print(f"| training on {n:,} simulations ({trained.epochs} epochs, {args.threads} threads) | {train_cpu:.1f} CPU "
          f"s, {train_wall:.1f} s wall | {1000 * per_epoch_sim:.3f} CPU s per epoch per 1,000 simulations |")
    print(f"| 1,000 posterior draws | {sample_cpu:.2f} CPU s | |")
    print(f"\nProjected for {big:,} simulations on 2 cores: simulations {project_sim / 60:.1f} min, training "
          f"{project_train / 60:.1f} min at {trained.epochs} epochs; {(project_sim + project_train) / 60:.1f} min "
          f"end to end (target: 5 min)")
    print(f"mean of the summaries (a check that the runs did something): {np.mean(xs):.4f}")


if __name__ == "__main__":
    main()
