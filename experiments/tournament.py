"""Which concession strategy does best at the NAFTA table? An Axelrod-style tournament.

Every assignment of the strategy library to the U.S., Canada and Mexico (7 strategies: 343 assignments)
is run over ``--seeds`` replications; the table gives each country's mean utility, surplus over its initial
walk-away value and deal rate with each strategy. The tournament is an experiment (a grid over each
country's ``strategy.name``), swept into OUT (default results/tournament/): ``experiment.json`` and
``runs/`` (the Parquet run table; ``--resume`` continues an interrupted sweep), then ``standings.csv``,
``tournament.png`` and ``summary.md``.

    .venv/bin/python experiments/tournament.py [--seeds 20] [--workers N] [--out results/tournament] [--resume]
    .venv/bin/python experiments/tournament.py --quick        # 2 seeds, 3 strategies: a smoke test
"""

from __future__ import annotations

import argparse
from pathlib import Path

import bargaining
from bargaining.experiment import tournament
from bargaining.files import write_text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="nafta-2017")
    parser.add_argument("--seeds", type=int, default=20, help="replications per assignment (default 20)")
    parser.add_argument("--seed", type=int, default=20180123, help="master seed of the runs' seeds")
    parser.add_argument("--workers", type=int, help="processes (default: one per core; 1 runs serially)")
    parser.add_argument("--out", default="results/tournament")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted sweep in --out")
    parser.add_argument("--quick", action="store_true", help="2 seeds, 3 strategies")
    args = parser.parse_args(argv)

    strategies = ["boulware", "tit_for_tat_relative", "opponent_model"] if args.quick else None
    seeds = 2 if args.quick else args.seeds
    runs = tournament.play(args.scenario, strategies, seeds, args.seed, out=args.out, workers=args.workers,
                           resume=args.resume)
    scenario = bargaining.load_scenario(args.scenario)
    out = Path(args.out)
    table = tournament.write_results(scenario, runs, out)

    codes = [tournament.strategy_column(c) for c in scenario.countries]
    lines = [f"# Tournament on {scenario.name}", "",
             f"{len(runs)} runs: {runs.groupby(codes).ngroups} assignments x {seeds} seeds (master seed "
             f"{args.seed}). Deal rate overall {(runs['outcome'] == 'deal').mean():.0%}; outcomes: "
             + ", ".join(f"{k} {v}" for k, v in runs["outcome"].value_counts().items()) + ".", ""]
    for code in scenario.countries:
        mine = table[table["country"] == code]
        best, worst = mine.iloc[0], mine.iloc[-1]
        lines.append(f"- **{code}**: best with `{best.strategy}` (mean utility {best.mean_utility:.3f}, "
                     f"surplus {best.mean_surplus:+.3f}, deals {best.deal_rate:.0%}); worst with "
                     f"`{worst.strategy}` ({worst.mean_utility:.3f}, deals {worst.deal_rate:.0%}).")
    lines += ["", f"Full table: `{tournament.STANDINGS}`; every run: `runs/` (Parquet, with `experiment.json`); "
              f"figure: `{tournament.FIGURE}`."]
    write_text(out / "summary.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
