"""The ``sweep`` and ``report`` subcommands, and the sweep options other subcommands share (``tournament``).

    bargaining sweep EXPERIMENT.toml [--workers N | --scheduler ADDR | --dask-local N] [--out DIR]
                     [--resume] [--quick] [--no-report]
    bargaining report DIR
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .spec import Experiment
    from .sweep import SweepSummary


def cmd_sweep(args) -> None:
    from .spec import load_experiment

    experiment = load_experiment(args.experiment, quick=args.quick)
    out = Path(args.out) if args.out else Path("results") / (experiment.name + ("-quick" if args.quick else ""))
    again = f"bargaining sweep {args.experiment} --out {out} --resume{' --quick' if args.quick else ''}"
    print(run_sweep(experiment, out, args, again).text())
    if not args.no_report:
        from .report import write_report  # only now: the sweep itself runs without matplotlib

        path = write_report(out)
        print(f"report: {path}")


def run_sweep(experiment: Experiment, out: Path, args: argparse.Namespace, again: str) -> SweepSummary:
    """Run ``sweep`` with the options of :func:`add_sweep_options`; shared by ``sweep`` and ``tournament``.

    Args:
        experiment: The experiment.
        out: Results folder.
        args: Parsed options (``workers``, ``scheduler``, ``dask_local``, ``resume``, ``no_progress``).
        again: The command that continues the sweep, printed after Ctrl-C.

    Returns:
        The ``SweepSummary``.

    Raises:
        ExperimentError: What ``sweep`` raises.
        SystemExit: 130 after Ctrl-C, once the finished batches are stored.
    """
    from .sweep import sweep

    try:
        return sweep(experiment, out, workers=args.workers, scheduler=args.scheduler, dask_local=args.dask_local,
                     resume=args.resume, progress=not args.no_progress)
    except KeyboardInterrupt:
        print(f"interrupted: the finished batches are in {out}; continue with: {again}", file=sys.stderr)
        raise SystemExit(130) from None


def cmd_report(args) -> None:
    from .report import write_report

    path = write_report(args.dir)
    print(path.read_text())
    print(f"report: {path}")


def add_sweep_options(p: argparse.ArgumentParser, out_help: str) -> None:
    """Add where a sweep runs (``--workers`` | ``--scheduler`` | ``--dask-local``), ``--out`` (help ``out_help``),
    ``--resume`` and ``--no-progress`` to a subcommand (see :func:`run_sweep`)."""
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="local worker processes (default: one per core; 1 runs serially in this process)")
    where.add_argument("--scheduler", metavar="ADDR", help="a running Dask scheduler, tcp://HOST:PORT")
    where.add_argument("--dask-local", type=int, metavar="N", help="start a Dask LocalCluster of N workers")
    p.add_argument("--out", metavar="DIR", help=out_help)
    p.add_argument("--resume", action="store_true", help="continue an interrupted sweep in --out")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``sweep`` and ``report`` to the ``bargaining`` command."""
    p = sub.add_parser("sweep", help="run an experiment file (parameter sweep) and store the results",
                       description="Run every run of an experiment and write a Parquet dataset, a table, "
                       "figures and summary.md into the results folder.")
    p.add_argument("experiment", metavar="EXPERIMENT.toml", help="experiment file (see experiments/)")
    add_sweep_options(p, "results folder (default results/NAME, results/NAME-quick)")
    p.add_argument("--quick", action="store_true", help="the small version (seconds)")
    p.add_argument("--no-report", action="store_true", help="store the runs only; `bargaining report DIR` later")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("report", help="tables, figures and a markdown summary from a results folder")
    p.add_argument("dir", metavar="DIR", help="results folder written by `bargaining sweep`")
    p.set_defaults(func=cmd_report)
