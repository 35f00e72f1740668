"""Deal share of every strategy on random six-party quota games, a stand-in for games nobody has written yet.

    .venv/bin/python benchmarks/random_quota_games.py [--games 12] [--seeds 10] [--noise 0.05] [--rng 0]

Each game keeps the issues, rule and protocol of tests/scenarios/coastal_sport_zone.toml (5 of 6, two vetoes) and
draws every party's score sheet: 0-39 points per option (an issue not scored at all with probability 0.15) and a
threshold of 30-65 % of its best score; games without a package that passes (``analysis.zopa``) are drawn again.
Prints, per strategy and protocol, the mean and the smallest deal share over the games and how many games fall
below 80 %.
"""

from __future__ import annotations

import argparse
import copy
import tomllib
from pathlib import Path

import numpy as np

import bargaining
from bargaining import analysis
from bargaining.scenario.load import from_dict

TEMPLATE = Path(__file__).resolve().parent.parent / "tests" / "scenarios" / "coastal_sport_zone.toml"
STRATEGIES = ("scenario", "hard_liner", "boulware", "linear", "conceder", "opponent_model", "tit_for_tat_relative",
              "tit_for_tat_absolute")


def draw_game(base: dict, rng: np.random.Generator) -> bargaining.Scenario:
    """A game with random score sheets and at least one package that passes."""
    while True:
        raw = copy.deepcopy(base)
        for country in raw["countries"].values():
            points = {}
            for name, issue in raw["issues"].items():
                labels = issue.get("options") or issue.get("levels")
                values = np.zeros(len(labels)) if rng.random() < 0.15 else rng.integers(0, 40, len(labels))
                points[name] = dict(zip(labels, map(float, values), strict=True))
            best = sum(max(p.values()) for p in points.values())
            country["score_sheet"] = {"threshold": float(round(best * rng.uniform(0.3, 0.65))), "points": points}
        if any(sum(max(p.values()) for p in c["score_sheet"]["points"].values()) == 0
               for c in raw["countries"].values()):
            continue  # a party that scores nothing has no sheet
        case = from_dict(raw)
        if analysis.zopa(case.preferences, case.space, case.initial_walk_away, case.rule).exists:
            return case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=12)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--noise", type=float, default=0.05)
    parser.add_argument("--rng", type=int, default=0)
    parser.add_argument("--strategies", nargs="*", default=STRATEGIES)
    parser.add_argument("--protocols", nargs="*", default=("alternating_offers", "single_text"))
    args = parser.parse_args()
    rng = np.random.default_rng(args.rng)
    base = tomllib.loads(TEMPLATE.read_text())
    games = [draw_game(base, rng) for _ in range(args.games)]
    print(f"{args.games} random games, {args.seeds} seeds each, aspiration noise {args.noise}, rng {args.rng}\n")
    print("| strategy | protocol | mean deals | fewest deals | games below 80 % |")
    print("|---|---|---:|---:|---:|")
    for strategy in args.strategies:
        for protocol in args.protocols:
            shares = []
            for case in games:
                overrides = {"protocol.name": protocol, "noise.aspiration": args.noise, "protocol.random_order": True}
                if strategy != "scenario":
                    overrides |= {f"{c}.strategy.name": strategy for c in case.countries}
                runs = bargaining.run_batch(case.with_overrides(overrides), range(args.seeds))
                shares.append(np.mean(runs.outcome == "deal"))
            shares = np.array(shares)
            print(f"| {strategy} | {protocol} | {shares.mean():.0%} | {shares.min():.0%} | {(shares < 0.8).sum()} |",
                  flush=True)


if __name__ == "__main__":
    main()
