"""Neural posterior estimation on nafta-2017 (observations-2017, priors-2017), stage by stage, in CPU seconds:
simulations from the prior (``abc.simulate_batch``, in this process), training the flow, sampling the posterior.
Projects the wall time of 10^5 simulations on 2 cores (issue 21's target: under 5 minutes end to end), from CPU
seconds: simulations spread over 2 processes, training in one.

    .venv/bin/python benchmarks/npe.py [--simulations 2000] [--epochs 0] [--threads 1] [--from DIR | --standin N]
    .venv/bin/python benchmarks/npe.py --end-to-end --simulations 100000 --threads 2 --workers 2 [--out DIR]

``--end-to-end`` runs the command itself (``calibrate_npe``, as ``bargaining calibrate nafta-2017 observations-2017
--method npe`` with priors-2017 and the default settings) and reports each stage's wall time (from the manifest)
and this process's CPU seconds (training, sampling and writing; the simulations' CPU is in the worker processes,
so it reports their rate from 200 runs in this process instead). ``--out DIR`` keeps the folder; run again with
``--resume`` to time the training on the stored simulations (the simulation stage then only reads them).

``--epochs 0`` (the default) trains as ``bargaining calibrate --method npe`` does: ``npe.epoch_budget`` epochs at
most, batches of ``npe.batch_size``. ``--standin N`` trains on N simulations of a stand-in with priors-2017's
shape (9 parameters, 20 summaries: misses in [0, 1], six of them 0 or 1, and their mean, made from the parameters
by a fixed random linear map and noise), for the training cost at sizes not simulated yet; it also reports the
flow's mean log density of 4,000 held-out stand-in draws (higher is better), to compare training settings.

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


def nafta_problem() -> Problem:
    """nafta-2017 calibrated on observations-2017 with priors-2017."""
    scenario = load_scenario("nafta-2017")
    return Problem(scenario, load_observations(bundled_file("observations-2017"), scenario),
                   load_priors(bundled_file("priors-2017"), scenario))


def simulate_prior(problem: Problem, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The normal scores and misses of the first ``n`` simulations an NPE calibration with seed 0 runs."""
    from bargaining.calibration.npe import prior_draws

    z, seeds = prior_draws(problem, 0, 0, 0, n)
    draws = [problem.priors.overrides(dict(zip(problem.priors.names, map(float, row), strict=True))) for row in z]
    return z, simulate_batch(problem, draws, [int(s) for s in seeds])


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--simulations", type=int, default=2000)
    p.add_argument("--epochs", type=int, default=0, help="most epochs (0: npe.epoch_budget)")
    p.add_argument("--standin", type=int, default=0, help="train on this many stand-in simulations")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--transforms", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--from", dest="folder", help="train on the simulations stored in this NPE calibration folder "
                   "(e.g. results/npe, made with priors-2017) instead of simulating --simulations anew")
    p.add_argument("--end-to-end", action="store_true", help="run the whole calibration (see above)")
    p.add_argument("--workers", type=int, default=2, help="--end-to-end: processes for the simulations")
    p.add_argument("--out", help="--end-to-end: the calibration folder (default: a temporary one, deleted)")
    p.add_argument("--resume", action="store_true", help="--end-to-end: resume the calibration in --out")
    args = p.parse_args(argv)
    if args.end_to_end:
        return end_to_end(args)
    from bargaining.calibration.npe import (
        NPESettings,
        batch_size,
        epoch_budget,
        informative,
        missing_extra,
        observed,
        portable,
        prior_draws,
        summaries,
    )
    from bargaining.calibration.npe import train as train_flow

    if missing_extra():
        print(f"skipped: {missing_extra()}")
        return
    problem = nafta_problem()
    n = args.simulations
    cpu = time.process_time()
    z, x = simulate_prior(problem, 200 if args.folder or args.standin else n)
    simulate_cpu = time.process_time() - cpu
    per_run = simulate_cpu / len(z)
    if args.folder:
        import json
        from pathlib import Path

        x = np.concatenate([np.load(f) for f in sorted(Path(args.folder, "simulations").glob("chunk-*.npy"))])
        n = len(x)
        z, _ = prior_draws(problem, json.loads(Path(args.folder, "calibration.json").read_text())["seed"], 0, 0, n)
    searched = [problem.priors.names.index(name) for name in problem.priors.perturbed]
    xs = summaries(x, informative(x), problem.weights())
    theta = z[:, searched]
    if args.standin:
        n = args.standin
        theta, xs = standin(n, 0)
    settings = NPESettings(epochs=args.epochs, threads=args.threads, hidden=args.hidden, transforms=args.transforms)
    cpu, wall = time.process_time(), time.monotonic()
    trained = train_flow(theta, xs, settings, 0)
    train_cpu, train_wall = time.process_time() - cpu, time.monotonic() - wall
    cpu = time.process_time()
    trained.sample(1000, observed(xs), 1, args.threads)
    sample_cpu = time.process_time() - cpu
    per_epoch_sim = train_cpu / args.threads / trained.epochs / n  # training seconds per epoch and simulation
    big = 100_000
    project_sim = per_run * big / 2
    big_epochs = args.epochs or epoch_budget(big)  # at most; early stopping may end sooner
    project_train = per_epoch_sim * big_epochs * big
    what = "stand-in simulations" if args.standin else "simulations from priors-2017"
    print(f"nafta-2017, {n:,} {what} ({theta.shape[1]} parameters inferred, {xs.shape[1]} summaries), flow "
          f"{args.transforms} transforms x {args.hidden} hidden, batches of {batch_size(n)}, torch threads "
          f"{args.threads}, portable kernels {portable()}; python {sys.version.split()[0]}\n")
    print("| stage | measured | per unit |\n|---|---|---|")
    print(f"| simulations (`simulate_batch`, one process) | {simulate_cpu:.1f} CPU s | {1 / per_run:.0f} runs per "
          "CPU s |")
    print(f"| training on {n:,} simulations ({trained.epochs} epochs, {args.threads} threads) | {train_cpu:.1f} CPU "
          f"s, {train_wall:.1f} s wall | {1000 * per_epoch_sim:.3f} CPU s per epoch per 1,000 simulations |")
    print(f"| 1,000 posterior draws | {sample_cpu:.2f} CPU s | |")
    print(f"\nProjected for {big:,} simulations on 2 cores: simulations {project_sim / 60:.1f} min, training "
          f"{project_train / 60:.1f} min at {big_epochs} epochs (at most); "
          f"{(project_sim + project_train) / 60:.1f} min end to end (target: 5 min)"
          + ("" if batch_size(n) == batch_size(big) else f" (an upper bound: measured with batches of {batch_size(n)}, "
             f"which cost up to twice as much per simulation as {batch_size(big):,}'s)"))
    print(f"mean of the summaries (a check that the runs did something): {np.mean(xs):.4f}")
    if args.standin:
        held_theta, held_x = standin(4000, 99)
        print(f"held-out mean log density of the stand-in's parameters: {log_density(trained, held_theta, held_x):.3f}")


def end_to_end(args) -> None:
    """The whole calibration at ``--simulations``, with the default settings but ``--threads`` and ``--epochs``."""
    import json
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from bargaining.calibration.npe import (
        NPESettings,
        batch_size,
        calibrate_npe,
        epoch_budget,
        missing_extra,
    )

    if missing_extra():
        print(f"skipped: {missing_extra()}")
        return
    problem = nafta_problem()
    cpu = time.process_time()
    simulate_prior(problem, 200)
    rate = 200 / (time.process_time() - cpu)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="npe-bench-")) / "npe"
    settings = NPESettings(simulations=args.simulations, epochs=args.epochs, threads=args.threads)
    load = os.getloadavg()[0]
    cpu, wall = time.process_time(), time.monotonic()
    calibrate_npe(problem, out, settings, seed=0, workers=args.workers, resume=args.resume, progress=False)
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    manifest = json.loads((out / "calibration.json").read_text())
    secs, npe = manifest["npe"]["seconds"], manifest["npe"]
    print(f"nafta-2017, observations-2017, priors-2017: `calibrate_npe` with {args.simulations:,} simulations on "
          f"{args.workers} workers, training on {args.threads} torch thread(s), batches of "
          f"{batch_size(args.simulations)}, at most {args.epochs or epoch_budget(args.simulations)} epochs, "
          f"{settings.transforms} transforms x {settings.hidden} hidden; load average {load:.1f} -> "
          f"{os.getloadavg()[0]:.1f}; python {sys.version.split()[0]}\n")
    print("| stage | wall s |\n|---|---|")
    print(f"| simulations ({'read back, ' if args.resume else ''}{rate:.0f} runs per CPU s in this process) | "
          f"{secs['simulations']:.0f} |")
    print(f"| training: {npe['epochs']} epochs, validation loss {npe['validation_loss']:.4f} | "
          f"{secs['training']:.0f} |")
    print(f"| posterior: {settings.samples} draws and their runs | {secs['posterior']:.0f} |")
    print(f"| **end to end** (with the figures and summary) | **{wall:.0f}** ({wall / 60:.1f} min; target 300) |")
    print(f"\nCPU seconds in this process (training, sampling, writing; not the workers' simulations): {cpu:.0f}")
    if not args.out:
        shutil.rmtree(out.parent)


def standin(n: int, seed: int, d: int = 9, k: int = 19) -> tuple[np.ndarray, np.ndarray]:
    """``n`` stand-in simulations: normal scores (n, d) and summaries (n, k + 1) shaped like priors-2017's."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, d))
    fixed = np.random.default_rng(123)
    a = fixed.standard_normal((d, k)) * (fixed.random((d, k)) < 0.3)
    u = z @ a / 2 + 0.5 * rng.standard_normal((n, k))
    x = np.abs(np.tanh(u))
    x[:, :6] = u[:, :6] > 0.8
    return z, np.c_[x, x.mean(axis=1)]


def log_density(trained, theta: np.ndarray, x: np.ndarray) -> float:
    """Mean log q(theta | x) of the trained flow over held-out pairs."""
    import torch

    net = trained.posterior.posterior_estimator
    with torch.no_grad():
        return float(net.log_prob(torch.as_tensor(theta, dtype=torch.float32).unsqueeze(0),
                                  torch.as_tensor(x, dtype=torch.float32)).mean())


if __name__ == "__main__":
    main()
