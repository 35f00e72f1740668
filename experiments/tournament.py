"""Which concession strategy does best at the NAFTA table? An Axelrod-style tournament.

Every assignment of the strategy library to the U.S., Canada and Mexico (7 strategies: 343 assignments)
is run over the same seeds; the table gives each country's mean utility, surplus over its initial
walk-away value and deal rate with each strategy. Writes to OUT (default results/tournament/):
``standings.csv``, ``runs.csv``, ``tournament.png`` and ``summary.md``.

    .venv/bin/python experiments/tournament.py [--seeds 20] [--workers 0] [--out results/tournament]
    .venv/bin/python experiments/tournament.py --quick        # 2 seeds, 3 strategies: a smoke test
"""

from __future__ import annotations

import argparse
from pathlib import Path

import bargaining
from bargaining import tournament


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="nafta-2017")
    parser.add_argument("--seeds", type=int, default=20, help="replicates per assignment (default 20)")
    parser.add_argument("--seed", type=int, default=20180123, help="entropy of the replicate seeds")
    parser.add_argument("--workers", type=int, default=0, help="processes (default 0 = one per core)")
    parser.add_argument("--out", default="results/tournament")
    parser.add_argument("--quick", action="store_true", help="2 seeds, 3 strategies")
    args = parser.parse_args(argv)

    scenario = bargaining.load_scenario(args.scenario)
    strategies = ["boulware", "tit_for_tat_relative", "opponent_model"] if args.quick else None
    seeds = 2 if args.quick else args.seeds
    runs = tournament.play(scenario, strategies, seeds=seeds, entropy=args.seed,
                           workers=None if args.workers == 0 else args.workers)
    table = tournament.standings(scenario, runs)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs.to_csv(out / "runs.csv", index=False)
    table.to_csv(out / "standings.csv", index=False)
    tournament.figure(scenario, table, out / "tournament.png")

    lines = [f"# Tournament on {scenario.name}", "",
             f"{len(runs)} runs: {runs.groupby([c for c in runs if c.startswith('strategy_')]).ngroups} "
             f"assignments x {seeds} seeds (entropy {args.seed}). Deal rate overall "
             f"{(runs['outcome'] == 'deal').mean():.0%}; outcomes: "
             + ", ".join(f"{k} {v}" for k, v in runs["outcome"].value_counts().items()) + ".", ""]
    for code in scenario.countries:
        mine = table[table["country"] == code]
        best, worst = mine.iloc[0], mine.iloc[-1]
        lines.append(f"- **{code}**: best with `{best.strategy}` (mean utility {best.mean_utility:.3f}, "
                     f"surplus {best.mean_surplus:+.3f}, deals {best.deal_rate:.0%}); worst with "
                     f"`{worst.strategy}` ({worst.mean_utility:.3f}, deals {worst.deal_rate:.0%}).")
    lines += ["", "Full table: `standings.csv`; every run: `runs.csv`; figure: `tournament.png`."]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
