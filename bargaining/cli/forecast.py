"""``bargaining forecast DIR``: run a calibration's posterior (and its prior) forward to the outcome."""

from __future__ import annotations

import json


def cmd_forecast(args) -> None:
    from ..calibration.abc import load_problem
    from ..calibration.forecast import MAX_REPLICATIONS, forecast, text
    from ..errors import UsageError
    from ..experiment.executors import default_workers

    most = 4 * default_workers()  # as a sweep: more processes than that only slow it down
    for option, value, low, high in (("--replications", args.replications, 0, MAX_REPLICATIONS),
                                     ("--workers", args.workers, 1, most), ("--dask-local", args.dask_local, 1, most)):
        if value is not None and not low <= value <= high:
            raise UsageError(f"{option}: expected a number in {low}..{high:,}, found {value:,}")
    result = forecast(args.dir, replications=args.replications, workers=args.workers, scheduler=args.scheduler,
                      dask_local=args.dask_local, progress=not args.no_progress)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(text(result, load_problem(args.dir)[0].scenario))
        print(f"\nforecast.json, forecast.parquet and forecast.png written to {args.dir}")


def register(sub) -> None:
    p = sub.add_parser("forecast", help="outcome, month and agreed package under a calibration's posterior",
                       description="Run every accepted parameter set forward (its own run and --replications new "
                       "seeds whose paths fit the facts) and the prior beside it; report the outcome shares, the "
                       "month of the outcome and the agreed package per issue.")
    p.add_argument("dir", metavar="DIR", help="a folder written by `bargaining calibrate`")
    p.add_argument("--replications", type=int, default=4, help="new seeds per accepted set (default 4)")
    p.add_argument("--json", action="store_true", help="one JSON object: outcomes, month, agreement, prior, "
                   "observations")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=1, metavar="N", help="local processes (default 1)")
    where.add_argument("--scheduler", metavar="ADDR", help="a running Dask scheduler, tcp://HOST:PORT")
    where.add_argument("--dask-local", type=int, metavar="N", help="start a Dask LocalCluster of N workers")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_forecast)
