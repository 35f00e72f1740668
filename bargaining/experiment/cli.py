"""The ``sweep`` and ``report`` subcommands.

    bargaining sweep EXPERIMENT.toml [--workers N | --scheduler ADDR | --dask-local N] [--out DIR]
                     [--resume] [--quick] [--no-report]
    bargaining report DIR
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_sweep(args) -> None:
    from .spec import ExperimentError, load_experiment
    from .sweep import sweep

    if args.workers is not None and args.workers < 1:
        raise ExperimentError(f"--workers: expected a number >= 1, found {args.workers}")
    if args.dask_local is not None and args.dask_local < 1:
        raise ExperimentError(f"--dask-local: expected a number >= 1, found {args.dask_local}")
    experiment = load_experiment(args.experiment, quick=args.quick)
    out = Path(args.out) if args.out else Path("results") / (experiment.name + ("-quick" if args.quick else ""))
    try:
        summary = sweep(experiment, out, workers=args.workers, scheduler=args.scheduler,
                        dask_local=args.dask_local, resume=args.resume, progress=not args.no_progress)
    except KeyboardInterrupt:
        print(f"\ninterrupted: the finished batches are in {out}; continue with\n  bargaining sweep "
              f"{args.experiment} --out {out} --resume{' --quick' if args.quick else ''}", file=sys.stderr)
        raise SystemExit(130) from None
    print(summary.text())
    if not args.no_report:
        from .report import write_report  # only now: the sweep itself runs without matplotlib

        path = write_report(out)
        print(f"report: {path}")


def cmd_report(args) -> None:
    from .report import write_report

    path = write_report(args.dir)
    print(path.read_text())
    print(f"report: {path}")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``sweep`` and ``report`` to the ``bargaining`` command."""
    p = sub.add_parser("sweep", help="run an experiment file (parameter sweep) and store the results",
                       description="Run every run of an experiment and write a Parquet dataset, a table, "
                       "figures and summary.md into the results folder.")
    p.add_argument("experiment", metavar="EXPERIMENT.toml", help="experiment file (see experiments/)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="local worker processes (default: one per core; 1 runs serially in this process)")
    where.add_argument("--scheduler", metavar="ADDR", help="a running Dask scheduler, tcp://HOST:PORT")
    where.add_argument("--dask-local", type=int, metavar="N", help="start a Dask LocalCluster of N workers")
    p.add_argument("--out", metavar="DIR", help="results folder (default results/NAME, results/NAME-quick)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted sweep in --out")
    p.add_argument("--quick", action="store_true", help="the small version (seconds)")
    p.add_argument("--no-report", action="store_true", help="store the runs only; `bargaining report DIR` later")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("report", help="tables, figures and a markdown summary from a results folder")
    p.add_argument("dir", metavar="DIR", help="results folder written by `bargaining sweep`")
    p.set_defaults(func=cmd_report)
