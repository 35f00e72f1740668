"""Competence of every strategy and protocol on multi-party games with a quota-and-veto rule (issue 22).

    .venv/bin/python benchmarks/coalitions.py [--seeds 200] [--noise 0.05] [--games ...]

For each game, protocol and strategy (every country plays it; ``scenario``: the strategies the file gives), a batch
of ``--seeds`` runs with aspiration noise ``--noise`` and a random proposer order. Columns: the share of runs that
end in a deal; among deals, the share that pass the rule with every supporter at or above its walk-away value
(its minimum score); the mean Euclidean distance in utility space of the deal to the Nash package over winning
coalitions (``analysis.deal_metrics``); the mean round of the outcome. Prints a markdown table for
docs/theory.md and BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from tqdm import tqdm

import bargaining
from bargaining.strategies import STRATEGIES

TESTS = Path(__file__).resolve().parent.parent / "tests" / "scenarios"
GAMES = ("port-expansion", *(str(TESTS / f) for f in ("quota_veto.toml", "coastal_sport_zone.toml",
                                                      "island_airport.toml", "harbour_sport_7.toml",
                                                      "solar_plant.toml", "saarland_airport.toml")))
PROTOCOLS = ("alternating_offers", "single_text", "bilateral_first")
# every registered strategy for any number of parties (rubinstein: two parties only), no aliases
STRATEGY_NAMES = ("scenario", *(name for name, cls in STRATEGIES.items()
                                if name == cls.name and not cls.classifier["two_party_only"]))


def measure(game: str, protocol: str, strategy: str, seeds: int, noise: float) -> dict[str, float]:
    """Deal share, share of deals passing with every supporter at its minimum, Nash distance and rounds."""
    scenario = bargaining.load_scenario(game)
    overrides = {"protocol.name": protocol, "noise.aspiration": noise, "protocol.random_order": True}
    if strategy != "scenario":
        overrides |= {f"{c}.strategy.name": strategy for c in scenario.countries}
    scenario = scenario.with_overrides(overrides)
    runs = bargaining.run_batch(scenario, range(seeds))
    deal = np.array([o == "deal" for o in runs.outcome])
    out = {"deals": deal.mean(), "rounds": runs.round.mean(), "passing": np.nan, "nash": np.nan}
    if deal.any():
        supporters, walk_away = runs.supporters[deal], runs.walk_away[deal]
        utilities = scenario.preferences.utility(runs.package[deal])
        content = np.where(supporters, utilities >= walk_away - 1e-9, True).all(axis=1)
        out["passing"] = (scenario.rule.passes(supporters) & content).mean()
        distance = scenario.deal_metrics(runs.package[deal])["nash_distance"]
        out["nash"] = np.nan if distance is None else float(np.mean(distance))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--noise", type=float, default=0.05)
    parser.add_argument("--games", nargs="*", default=GAMES)
    parser.add_argument("--strategies", nargs="*", default=STRATEGY_NAMES)
    parser.add_argument("--protocols", nargs="*", default=PROTOCOLS)
    args = parser.parse_args()
    print(f"{args.seeds} seeds per cell, aspiration noise {args.noise}, random proposer order\n")
    print("| game | protocol | strategy | deals | passing, supporters at minimum | distance to Nash | rounds |")
    print("|---|---|---|---:|---:|---:|---:|")
    cells = [(g, p, s) for g in args.games for p in args.protocols for s in args.strategies]
    for game, protocol, strategy in tqdm(cells, leave=False):
        m = measure(game, protocol, strategy, args.seeds, args.noise)
        print(f"| {Path(game).stem} | {protocol} | {strategy} | {m['deals']:.0%} | {m['passing']:.0%} | "
              f"{m['nash']:.3f} | {m['rounds']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
