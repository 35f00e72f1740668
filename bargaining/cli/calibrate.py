"""``bargaining calibrate SCENARIO OBSERVATIONS --out DIR [--method abc|npe]``: ABC-SMC or neural posterior
estimation over the scenario's assumptions."""

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


METHODS = ("abc", "npe")


def cmd_calibrate(args) -> None:
    from ..calibration.abc import MAX_GENERATIONS, MAX_POPULATION, Problem, Settings, calibrate
    from ..calibration.npe import MAX_EPOCHS, MAX_SAMPLES, MAX_SIMULATIONS, NPESettings, calibrate_npe, missing_extra
    from ..calibration.observations import load_observations
    from ..calibration.priors import load_priors
    from ..experiment.executors import default_workers
    from ..scenario import load_scenario

    if args.method not in METHODS:
        raise UsageError(f"--method: expected one of {list(METHODS)}, found {args.method!r}")
    if args.out is None:
        raise UsageError("--out DIR: required (the folder for the calibration)")
    most = 4 * default_workers()  # as a sweep: more processes than that only slow it down
    options = {"abc": (("--population", args.population, 1, MAX_POPULATION),
                       ("--generations", args.generations, 1, MAX_GENERATIONS)),
               "npe": (("--simulations", args.simulations, 100, MAX_SIMULATIONS),
                       ("--samples", args.samples, 1, MAX_SAMPLES), ("--epochs", args.epochs, 1, MAX_EPOCHS),
                       ("--threads", args.threads, 1, default_workers()))}
    for method, checks in options.items():
        for option, value, *_ in checks:
            if value is not None and method != args.method:
                raise UsageError(f"{option}: only for --method {method}, found --method {args.method}")
    for option, value, low, high in (("--workers", args.workers, 1, most), ("--dask-local", args.dask_local, 1, most),
                                     *options[args.method]):
        if value is not None and not low <= value <= high:
            raise UsageError(f"{option}: expected a number in {low:,}..{high:,}, found {value:,}")
    if not 0 <= args.seed < 2**32:
        raise UsageError(f"--seed: expected a number in 0..{2**32 - 1:,}, found {args.seed:,}")
    if args.minutes is not None and (args.method != "npe" or not 0 < args.minutes <= 10_000):
        raise UsageError(f"--minutes: expected a number of minutes in (0, 10000] with --method npe, found "
                         f"{args.minutes:g} with --method {args.method}")
    if args.method == "npe" and missing_extra():
        raise UsageError(missing_extra())
    scenario = load_scenario(args.scenario)
    observations = load_observations(bundled_file(args.observations), scenario)
    if args.cutoff:
        observations = observations.with_cutoff(args.cutoff)
    priors_file = args.priors or observations.priors
    if priors_file is None:
        raise UsageError(f"{args.observations}: names no priors file (priors = \"...\"): give --priors FILE")
    priors = load_priors(bundled_file(priors_file), scenario)
    problem = Problem(scenario, observations, priors)
    where = {"workers": args.workers, "scheduler": args.scheduler, "dask_local": args.dask_local,
             "resume": args.resume, "progress": not args.no_progress}
    try:
        if args.method == "npe":
            given = {k: v for k, v in (("simulations", args.simulations), ("samples", args.samples),
                                       ("epochs", args.epochs), ("threads", args.threads),
                                       ("minutes", args.minutes)) if v is not None}
            out = calibrate_npe(problem, args.out, NPESettings(**given), seed=args.seed, **where)
        else:
            settings = Settings(**{k: v for k, v in (("population", args.population),
                                                     ("generations", args.generations)) if v is not None})
            out = calibrate(problem, args.out, settings, seed=args.seed, **where)
    except KeyboardInterrupt:
        print(f"\ninterrupted: what finished is stored in {args.out}; continue with the same command and "
              f"--resume", file=sys.stderr)
        raise SystemExit(130) from None
    print((out / "summary.md").read_text())


def register(sub) -> None:
    from ..experiment.cli import add_sweep_options

    p = sub.add_parser("calibrate", help="infer the scenario's assumed parameters from dated facts (ABC-SMC or NPE)",
                       description="Likelihood-free inference of the parameters a priors file varies, given the "
                       "facts of an observations file dated no later than its cut-off: ABC-SMC (pyabc, the default) "
                       "or neural posterior estimation (sbi, --method npe, the extra bargaining[npe]). Writes "
                       "accepted.parquet, prior.parquet, figures and summary.md into --out.")
    p.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name or path to a .toml file")
    p.add_argument("observations", metavar="OBSERVATIONS", help="observations file (or observations-2017)")
    p.add_argument("--method", default="abc", metavar="abc|npe", help="abc: ABC-SMC (default); npe: neural "
                   "posterior estimation")
    p.add_argument("--priors", metavar="FILE", help="priors file (default: the one the observations name)")
    p.add_argument("--cutoff", metavar="YYYY-MM", help="use only facts dated no later than this month "
                   "(default: the file's cutoff)")
    p.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
    abc = p.add_argument_group("ABC-SMC (--method abc)")
    abc.add_argument("--population", type=int, help="accepted sets per generation (default 200)")
    abc.add_argument("--generations", type=int, help="at most this many generations (default 6)")
    npe = p.add_argument_group("neural posterior estimation (--method npe)")
    npe.add_argument("--simulations", type=int, help="simulations from the prior to train on (default 10,000)")
    npe.add_argument("--samples", type=int, help="posterior draws written to accepted.parquet (default 200)")
    npe.add_argument("--epochs", type=int, help="most training epochs (default: as many as make a million "
                     "simulations seen, 10 to 500: 10 for 100,000 simulations; early stopping may end sooner)")
    npe.add_argument("--minutes", type=float, help="most minutes of training (default: no limit; when reached, the "
                     "posterior depends on the machine's speed)")
    npe.add_argument("--threads", type=int, help="torch threads for training (default 1; the "
                     "posterior is the same with any number)")
    add_sweep_options(p, "the folder for the calibration (required)")
    p.set_defaults(func=cmd_calibrate)
