"""Axelrod-style tournament: every assignment of strategies to the countries, over seeds, as an experiment.

Axelrod (1980) let every strategy meet every other; here, with N countries, every assignment of the
chosen strategies to the N countries is run for ``seeds`` replications. The tournament is an experiment
(``bargaining.experiment``): a grid design with one parameter per country, ``CODE.strategy.name``, whose
levels are the strategy names. So each run's seed comes from the experiment's SeedSequence, the runs go
to any executor (serial, processes, Dask) and into a resumable Parquet results folder, and the table
reports, per country and strategy, the mean utility of the outcome, the mean surplus over the country's
initial walk-away value and the deal rate.

    bargaining tournament nafta-2017 --seeds 10 --out results/tournament
"""

from __future__ import annotations

import contextlib
import re
import shlex
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UsageError
from ..files import write_text
from ..outcomes import Outcome
from ..scenario import Scenario, ScenarioError, load_scenario, parse_override
from ..scenario.checks import DOMAINS
from ..strategies import STRATEGIES
from .cli import add_sweep_options, run_sweep
from .spec import Experiment, from_dict
from .store import read_runs

#: Files the tournament writes next to the sweep's ``experiment.json`` and ``runs/``.
STANDINGS, FIGURE = "standings.csv", "tournament.png"


def default_strategies(scenario: Scenario) -> list[str]:
    """Every registered strategy that fits the scenario (within its classifier's domain, ``checks.DOMAINS``),
    without aliases and the generic ``time_dependent`` (its default is ``linear``)."""
    return [name for name, cls in STRATEGIES.items() if name == cls.name  # no aliases
            and name != "time_dependent"
            and all(within(scenario.spec) for key, (within, _) in DOMAINS.items() if cls.classifier.get(key))]


def strategy_column(code: str) -> str:
    """The run table's column (and the experiment's parameter) holding a country's strategy."""
    return f"{code}.strategy.name"


def tournament_experiment(
    scenario: str | Path,
    strategies: Sequence[str] | None = None,
    seeds: int = 10,
    entropy: int = 0,
    overrides: list[str] | dict[str, Any] | None = None,
    negmas_agents: Sequence[str] = (),
) -> Experiment:
    """The tournament as an experiment: a grid over every country's strategy, ``seeds`` replications.

    Args:
        scenario: Bundled scenario name or path to a .toml file.
        strategies: Strategy names (default ``default_strategies``).
        seeds: Replications of every assignment.
        entropy: The experiment's master seed (each run's seed is spawned from it).
        overrides: Fixed overrides for every run (the experiment's ``set``): ``["PATH=VALUE"]`` or a dict.
        negmas_agents: NegMAS negotiators (``Atlas3``) playing beside the strategies, as ``negmas:NAME``
            (``bargaining.negmas``; needs the extra ``bargaining[negmas]``).

    Raises:
        ScenarioError: An unknown scenario, override or strategy, or fewer than one seed.
        UsageError: NegMAS agents without NegMAS installed.
        ExperimentError: A negative entropy.
    """
    fixed = dict(map(parse_override, overrides)) if isinstance(overrides, list) else dict(overrides or {})
    base = load_scenario(scenario, fixed)
    strategies = list(dict.fromkeys([*(strategies or default_strategies(base)),
                                     *("negmas:" + a.removeprefix("negmas:") for a in negmas_agents)]))
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown or not strategies:
        raise ScenarioError(f"strategies: expected names from {sorted(STRATEGIES)}, found {unknown or strategies}")
    if seeds < 1:
        raise ScenarioError(f"seeds: expected at least 1, found {seeds}")
    raw = {
        "name": "tournament-" + re.sub(r"[^A-Za-z0-9_.-]", "_", base.name)[:80],
        "description": f"Tournament: every assignment of {', '.join(strategies)} to "
                       f"{', '.join(base.countries)}, over {seeds} seeds.",
        "scenario": str(scenario),
        "replications": seeds,
        "seed": entropy,
        "set": fixed,
        "parameters": {strategy_column(code): {"levels": strategies} for code in base.countries},
    }
    return from_dict(raw, "tournament")


def play(
    scenario: str | Path,
    strategies: Sequence[str] | None = None,
    seeds: int = 10,
    entropy: int = 0,
    overrides: list[str] | dict[str, Any] | None = None,
    out: str | Path | None = None,
    workers: int | None = 1,
    progress: bool = True,
    negmas_agents: Sequence[str] = (),
    **options: Any,
) -> pd.DataFrame:
    """Run the tournament (a sweep of :func:`tournament_experiment`); return its run table, one row per run.

    Args:
        scenario, strategies, seeds, entropy, overrides, negmas_agents: As :func:`tournament_experiment`.
        out: Results folder (default: a temporary one, removed afterwards).
        workers: 1 runs here; more uses a process pool, None one per core.
        progress: Show a tqdm progress bar (stderr).
        **options: ``resume``, ``scheduler`` or ``dask_local`` of ``experiment.sweep.sweep``.

    Raises:
        ScenarioError: See :func:`tournament_experiment`; ``ExperimentError`` from the sweep.
    """
    from .sweep import sweep

    experiment = tournament_experiment(scenario, strategies, seeds, entropy, overrides, negmas_agents)
    with tempfile.TemporaryDirectory() if out is None else contextlib.nullcontext(out) as folder:
        sweep(experiment, folder, workers=workers, progress=progress, **options)
        return read_runs(folder)


def standings(scenario: Scenario, runs: pd.DataFrame) -> pd.DataFrame:
    """Per country and strategy: mean utility, mean surplus over the initial walk-away value, deal rate,
    number of runs; sorted by country, then mean utility (best first).

    Args:
        scenario: The tournament's scenario (``Experiment.scenario``: with its fixed overrides).
        runs: The run table of the tournament's sweep (``experiment.store.read_runs``).
    """
    walk_away = dict(zip(scenario.countries, scenario.initial_walk_away, strict=True))
    deal = runs["outcome"] == Outcome.DEAL
    parts = []
    for code in scenario.countries:
        strategy = runs[strategy_column(code)].rename("strategy")
        utility = runs[f"utility.{code}"].groupby(strategy).mean()
        part = pd.DataFrame({"mean_utility": utility, "mean_surplus": utility - walk_away[code],
                             "deal_rate": deal.groupby(strategy).mean(), "runs": strategy.groupby(strategy).size()})
        part.insert(0, "country", code)
        parts.append(part.reset_index().sort_values("mean_utility", ascending=False, kind="stable"))
    return pd.concat(parts, ignore_index=True)[["country", "strategy", "mean_utility", "mean_surplus",
                                                "deal_rate", "runs"]]


def write_results(scenario: Scenario, runs: pd.DataFrame, out: str | Path) -> pd.DataFrame:
    """Write the standings (``standings.csv``) and their figure (``tournament.png``) into ``out``; return them.

    Raises:
        UsageError: ``out`` cannot be written.
    """

    table = standings(scenario, runs)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_text(out / STANDINGS, table.to_csv(index=False))
        figure(scenario, table, out / FIGURE)
    except OSError as exc:
        raise UsageError(f"{out}: cannot write the standings: {exc.strerror or exc}") from None
    return table


def figure(scenario: Scenario, table: pd.DataFrame, path: str | Path) -> Path:
    """Heat map of mean surplus over the walk-away value per strategy and country, and each strategy's deal
    rate per country; written to ``path`` (PNG)."""
    from matplotlib.figure import Figure

    from ..figures.run import save_figure

    order = list(STRATEGIES)  # bargaining's strategies in registry order, then NegMAS agents as they came
    strategies = sorted(table["strategy"].unique(), key=lambda s: order.index(s) if s in order else len(order))
    codes = list(scenario.countries)
    surplus = table.pivot(index="strategy", columns="country", values="mean_surplus").loc[strategies, codes]
    deals = table.pivot(index="strategy", columns="country", values="deal_rate").loc[strategies, codes]
    fig = Figure(figsize=(11, 0.45 * len(strategies) + 2.2))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    limit = max(float(np.nanmax(np.abs(surplus.to_numpy()))), 1e-9)
    image = left.imshow(surplus.to_numpy(), cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
    for (i, j), v in np.ndenumerate(surplus.to_numpy()):
        left.text(j, i, f"{v:+.3f}", ha="center", va="center", fontsize=8,
                  color="white" if abs(v) > 0.6 * limit else "black")
    left.set_xticks(range(len(codes)), codes)
    left.set_yticks(range(len(strategies)), strategies)
    left.set_title("mean utility minus initial walk-away value")
    fig.colorbar(image, ax=left, shrink=0.8)
    y = np.arange(len(strategies))
    height = 0.8 / len(codes)
    for n, code in enumerate(codes):
        right.barh(y + (n - (len(codes) - 1) / 2) * height, deals[code].to_numpy(), height, label=code)
    right.set_yticks(y, strategies)
    right.invert_yaxis()
    right.set_xlim(0, 1)
    right.set_xlabel("deal rate when the country plays the strategy")
    right.legend(loc="lower right", fontsize=8)
    runs = int(table["runs"].iloc[0])
    fig.suptitle(f"Tournament on {scenario.name}: every strategy assignment, {runs} runs per strategy and country")
    fig.tight_layout()
    return save_figure(fig, path, dpi=120)


# ------------------------------------------------------------------------------------------ CLI

def register(subparsers) -> None:
    """Add ``bargaining tournament`` to the CLI."""
    p = subparsers.add_parser("tournament", help="every strategy assignment over seeds (an experiment): table "
                              "and figure", description="Run every assignment of the strategies to the countries "
                              "as a sweep (experiment.json and runs/ in --out, resumable) and write standings.csv "
                              "and tournament.png next to them.")
    p.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name or path to a .toml file")
    p.add_argument("--set", metavar="PATH=VALUE", action="append", default=[],
                   help="override a parameter for every run, e.g. US.termination_value=0.6 (repeatable)")
    p.add_argument("--seeds", type=int, default=10, help="replications of every assignment (default 10)")
    p.add_argument("--seed", type=int, default=0, help="master seed of the runs' seeds (default 0)")
    p.add_argument("--strategies", metavar="A,B,...", help="comma-separated strategy names (default: all that "
                   "fit the scenario)")
    p.add_argument("--negmas-agents", metavar="A,B,...", help="NegMAS negotiators playing beside the strategies, "
                   "e.g. Atlas3,HardHeaded (bargaining strategies --negmas; needs pip install 'bargaining[negmas]')")
    add_sweep_options(p, "results folder (default results/tournament-SCENARIO)")
    p.set_defaults(func=cmd_tournament)


def cmd_tournament(args) -> None:
    from ..cli.text import table

    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()] if args.strategies else None
    agents = [a.strip() for a in args.negmas_agents.split(",") if a.strip()] if args.negmas_agents else []
    experiment = tournament_experiment(args.scenario, strategies, args.seeds, args.seed, args.set, agents)
    out = Path(args.out) if args.out else Path("results") / experiment.name
    again = shlex.join(["bargaining", "tournament", args.scenario, *(f"--set={s}" for s in args.set),
                        "--seeds", str(args.seeds), "--seed", str(args.seed),
                        *(["--strategies", args.strategies] if args.strategies else []),
                        *(["--negmas-agents", args.negmas_agents] if args.negmas_agents else []), "--out", str(out),
                        "--resume"])
    summary = run_sweep(experiment, out, args, again)
    runs = read_runs(out)
    standing = write_results(experiment.scenario, runs, out)
    rows = [[r.country, r.strategy, f"{r.mean_utility:.3f}", f"{r.mean_surplus:+.3f}", f"{r.deal_rate:.0%}",
             str(r.runs)] for r in standing.itertuples()]
    print(table(["country", "strategy", "mean utility", "surplus", "deal rate", "runs"], rows))
    print(f"\n{summary.text()}\ndeal rate overall {float((runs['outcome'] == Outcome.DEAL).mean()):.0%}; standings: "
          f"{out / STANDINGS}, figure: {out / FIGURE}")
