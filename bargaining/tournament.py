"""Axelrod-style tournament: every assignment of strategies to the countries, over seeds.

Axelrod (1980) let every strategy meet every other; here, with N countries, every assignment of the
chosen strategies to the N countries is run for the same seeds (common random numbers, from one
``numpy.random.SeedSequence``), and the table reports, per country and strategy, the mean utility of the
outcome, the mean surplus over the country's initial walk-away value and the deal rate.

    bargaining tournament nafta-2017 --seeds 10 --out output/
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from .analysis import initial_walk_away
from .model import DEAL
from .scenario import Scenario, ScenarioError, load_scenario
from .simulate import run
from .strategies import STRATEGIES


def default_strategies(scenario: Scenario) -> list[str]:
    """Every registered strategy that fits the scenario, without aliases and the generic
    ``time_dependent`` (its default is ``linear``); ``two_party_only`` strategies only with two countries."""
    n = len(scenario.countries)
    return [name for name, cls in STRATEGIES.items() if name == cls.name  # no aliases
            and name != "time_dependent" and (n == 2 or not cls.classifier.get("two_party_only"))]


def seeds_for(n: int, entropy: int = 0) -> list[int]:
    """``n`` per-replicate seeds from one SeedSequence; every assignment uses the same ones."""
    return [int(s) for s in np.random.SeedSequence(entropy).generate_state(n)]


def _play(scenario: Scenario, assignment: tuple[str, ...], seeds: list[int]) -> list[dict]:
    """All replicates of one assignment (one task for an executor)."""
    codes = scenario.countries
    case = scenario.with_overrides({f"{c}.strategy.name": s for c, s in zip(codes, assignment, strict=True)})
    rows = []
    for replicate, seed in enumerate(seeds):
        result = run(case, seed=seed, record=False)
        rows.append({**{f"strategy_{c}": s for c, s in zip(codes, assignment, strict=True)},
                     "replicate": replicate, "seed": seed, "outcome": result.outcome, "round": result.round,
                     **{f"u_{c}": result.utilities[c] for c in codes}})
    return rows


def play(
    scenario: Scenario | str,
    strategies: Sequence[str] | None = None,
    seeds: int = 10,
    entropy: int = 0,
    workers: int | None = 1,
    progress: bool = True,
) -> pd.DataFrame:
    """Run the tournament; one row per run.

    Args:
        scenario: Scenario or bundled name (its overrides already applied).
        strategies: Strategy names (default ``default_strategies``).
        seeds: Replicates per assignment.
        entropy: Seed of the SeedSequence the replicate seeds come from.
        workers: 1 runs here; more uses a process pool (``experiment.executors``), None one per core.
        progress: Show a tqdm progress bar (stderr).

    Raises:
        ScenarioError: An unknown strategy name.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    strategies = list(strategies) if strategies else default_strategies(scenario)
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown or not strategies:
        raise ScenarioError(f"strategies: expected names from {sorted(STRATEGIES)}, found {unknown or strategies}")
    if seeds < 1:
        raise ScenarioError(f"seeds: expected at least 1, found {seeds}")
    assignments = list(itertools.product(strategies, repeat=len(scenario.countries)))
    replicate_seeds = seeds_for(seeds, entropy)
    bar = tqdm(total=len(assignments) * seeds, unit="run", desc=f"tournament {scenario.name}",
               disable=not progress)
    rows: list[dict] = []
    if workers == 1:
        for assignment in assignments:
            rows += _play(scenario, assignment, replicate_seeds)
            bar.update(seeds)
    else:
        from .experiment.executors import open_executor

        with open_executor(workers) as backend:
            futures = [backend.executor.submit(_play, scenario, a, replicate_seeds) for a in assignments]
            for future in futures:  # in submission order, so the table does not depend on the executor
                rows += future.result()
                bar.update(seeds)
    bar.close()
    return pd.DataFrame(rows)


def standings(scenario: Scenario, runs: pd.DataFrame) -> pd.DataFrame:
    """Per country and strategy: mean utility, mean surplus over the initial walk-away value, deal rate,
    number of runs; sorted by country, then mean utility (best first)."""
    walk_away = dict(zip(scenario.countries, initial_walk_away(scenario), strict=True))
    parts = []
    for code in scenario.countries:
        g = runs.groupby(f"strategy_{code}")
        part = pd.DataFrame({
            "mean_utility": g[f"u_{code}"].mean(),
            "mean_surplus": g[f"u_{code}"].mean() - walk_away[code],
            "deal_rate": g["outcome"].apply(lambda o: float((o == DEAL).mean())),
            "runs": g.size(),
        })
        part.index.name = "strategy"
        part.insert(0, "country", code)
        parts.append(part.reset_index().sort_values("mean_utility", ascending=False))
    return pd.concat(parts, ignore_index=True)[["country", "strategy", "mean_utility", "mean_surplus",
                                                "deal_rate", "runs"]]


def figure(scenario: Scenario, table: pd.DataFrame, path: str | Path) -> Path:
    """Heat map of mean surplus over the walk-away value per strategy and country, and each strategy's deal
    rate per country; written to ``path`` (PNG)."""
    from matplotlib.figure import Figure

    from .plots import save_figure

    strategies = sorted(table["strategy"].unique(), key=list(STRATEGIES).index)
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
    p = subparsers.add_parser("tournament", help="every strategy assignment over seeds: table and figure")
    p.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name or path to a .toml file")
    p.add_argument("--set", metavar="PATH=VALUE", action="append", default=[],
                   help="override a parameter, e.g. US.termination_value=0.6 (repeatable)")
    p.add_argument("--seeds", type=int, default=10, help="replicates per assignment (default 10)")
    p.add_argument("--seed", type=int, default=0, help="entropy of the replicate seeds (default 0)")
    p.add_argument("--strategies", metavar="A,B,...", help="comma-separated strategy names (default: all that "
                   "fit the scenario)")
    p.add_argument("--workers", type=int, default=1, help="processes (default 1; 0 = one per core)")
    p.add_argument("--out", metavar="DIR", default="output", help="folder for the tables and figure "
                   "(default output/)")
    p.set_defaults(func=cmd_tournament)


def cmd_tournament(args) -> None:
    from .cli import UsageError, table

    scenario = load_scenario(args.scenario, args.set)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: expected a folder, found a file")
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()] if args.strategies else None
    runs = play(scenario, strategies, seeds=args.seeds, entropy=args.seed,
                workers=None if args.workers == 0 else args.workers)
    standing = standings(scenario, runs)
    stem = f"tournament-{scenario.name}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        runs.to_csv(out / f"{stem}-runs.csv", index=False)
        standing.to_csv(out / f"{stem}.csv", index=False)
        figure(scenario, standing, out / f"{stem}.png")
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write the results: {exc.strerror or exc}") from None
    rows = [[r.country, r.strategy, f"{r.mean_utility:.3f}", f"{r.mean_surplus:+.3f}", f"{r.deal_rate:.0%}",
             str(r.runs)] for r in standing.itertuples()]
    print(table(["country", "strategy", "mean utility", "surplus", "deal rate", "runs"], rows))
    print(f"\n{len(runs)} runs; deal rate overall {float((runs['outcome'] == DEAL).mean()):.0%}. "
          f"Written: {out / (stem + '.csv')}, {out / (stem + '-runs.csv')}, {out / (stem + '.png')}")
