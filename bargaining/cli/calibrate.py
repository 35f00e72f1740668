"""``bargaining calibrate SCENARIO OBSERVATIONS --out DIR``: ABC-SMC over the scenario's assumptions."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from ..errors import UsageError


def bundled_file(name: str) -> Path:
    """A path, or the name of a file bundled with the scenarios (``observations-2017``, ``priors-2017``)."""
    path = Path(name)
    if path.exists():
        return path
    candidate = resources.files("bargaining.scenarios") / (name if name.endswith(".toml") else f"{name}.toml")
    if candidate.is_file():
        return Path(str(candidate))
    raise UsageError(f"{name}: no such file (expected a path, or a file bundled with the scenarios such as "
                     f"observations-2017)")


def cmd_calibrate(args) -> None:
    from ..calibration.abc import MAX_GENERATIONS, MAX_POPULATION, Problem, Settings, calibrate
    from ..calibration.observations import load_observations
    from ..calibration.priors import load_priors
    from ..experiment.executors import default_workers
    from ..scenario import load_scenario

    if args.out is None:
        raise UsageError("--out DIR: required (the folder for the calibration)")
    most = 4 * default_workers()  # as a sweep: more processes than that only slow it down
    for option, value, limit in (("--workers", args.workers, most), ("--dask-local", args.dask_local, most),
                                 ("--population", args.population, MAX_POPULATION),
                                 ("--generations", args.generations, MAX_GENERATIONS)):
        if value is not None and not 1 <= value <= limit:
            raise UsageError(f"{option}: expected a number in 1..{limit:,}, found {value:,}")
    scenario = load_scenario(args.scenario)
    observations = load_observations(bundled_file(args.observations), scenario)
    if args.cutoff:
        observations = observations.with_cutoff(args.cutoff)
    priors_file = args.priors or observations.priors
    if priors_file is None:
        raise UsageError(f"{args.observations}: names no priors file (priors = \"...\"): give --priors FILE")
    priors = load_priors(bundled_file(priors_file), scenario)
    settings = Settings(population=args.population, generations=args.generations)
    try:
        out = calibrate(Problem(scenario, observations, priors), args.out, settings, seed=args.seed,
                        workers=args.workers, scheduler=args.scheduler, dask_local=args.dask_local,
                        resume=args.resume, progress=not args.no_progress)
    except KeyboardInterrupt:
        print(f"\ninterrupted: the finished generations are in {args.out}; continue with the same command and "
              f"--resume", file=sys.stderr)
        raise SystemExit(130) from None
    print((out / "summary.md").read_text())


def register(sub) -> None:
    from ..experiment.cli import add_sweep_options

    p = sub.add_parser("calibrate", help="infer the scenario's assumed parameters from dated facts (ABC-SMC)",
                       description="Likelihood-free inference (pyabc's ABC-SMC) of the parameters a priors file "
                       "varies, given the facts of an observations file dated no later than its cut-off. Writes "
                       "accepted.parquet, prior.parquet, figures and summary.md into --out.")
    p.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name or path to a .toml file")
    p.add_argument("observations", metavar="OBSERVATIONS", help="observations file (or observations-2017)")
    p.add_argument("--priors", metavar="FILE", help="priors file (default: the one the observations name)")
    p.add_argument("--cutoff", metavar="YYYY-MM", help="use only facts dated no later than this month "
                   "(default: the file's cutoff)")
    p.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
    p.add_argument("--population", type=int, default=200, help="accepted sets per generation (default 200)")
    p.add_argument("--generations", type=int, default=6, help="at most this many generations (default 6)")
    add_sweep_options(p, "the folder for the calibration (required)")
    p.set_defaults(func=cmd_calibrate)
