"""Every strategy on the other bundled scenarios (uk-eu-2020: two parties; port-expansion: six, categorical issues,
value tables, a quota; pie-split), in batches, against the engine of an older checkout one run at a time.

    .venv/bin/python benchmarks/scenarios_by_strategy.py --before DIR     # DIR: git worktree add --detach DIR 0dcc594

Runs per CPU second (``time.process_time``): a batch of 3,000 seeds (``run_batch``) now, and ``--runs`` seeded
runs one at a time (``run``) in DIR, in a subprocess. Prints a markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import bargaining

SCENARIOS = ("uk-eu-2020", "port-expansion", "pie-split")
STRATEGIES = ("hard_liner", "time_dependent", "tit_for_tat_relative", "opponent_model", "rubinstein")


def cases() -> list[tuple[str, dict]]:
    """(scenario, overrides): every country of the scenario plays the strategy (rubinstein: two parties only)."""
    out = []
    for name in SCENARIOS:
        countries = bargaining.load_scenario(name).countries
        for strategy in STRATEGIES:
            if strategy != "rubinstein" or len(countries) == 2:
                out.append((name, {f"{c}.strategy.name": strategy for c in countries}))
    return out


def one_at_a_time(runs: int) -> list[float]:
    rates = []
    for name, overrides in cases():
        scenario = bargaining.load_scenario(name).with_overrides(overrides)
        bargaining.run(scenario, seed=0, record=False)
        start = time.process_time()
        for seed in range(1, runs + 1):
            bargaining.run(scenario, seed=seed, record=False)
        rates.append(runs / (time.process_time() - start))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="DIR", required=True, help="an older checkout to time one run at a time")
    parser.add_argument("--runs", type=int, default=60, help="runs one at a time per case in DIR")
    parser.add_argument("--one-at-a-time", type=int, help=argparse.SUPPRESS)  # the subprocess's own mode
    args = parser.parse_args()
    if args.one_at_a_time:
        print(json.dumps(one_at_a_time(args.one_at_a_time)))
        return
    env = {**os.environ, "PYTHONPATH": args.before}
    before = json.loads(subprocess.run([sys.executable, __file__, "--before", args.before, "--one-at-a-time",
                                        str(args.runs)], env=env, capture_output=True, text=True,
                                       check=True).stdout)
    print("| scenario | strategy (every country) | before, one at a time | batch of 3,000 | batch / before |")
    print("|---|---|---:|---:|---:|")
    for (name, overrides), old in zip(cases(), before, strict=True):
        scenario = bargaining.load_scenario(name).with_overrides(overrides)
        bargaining.run_batch(scenario, range(20))
        start = time.process_time()
        bargaining.run_batch(scenario, range(100, 3100))
        rate = 3000 / (time.process_time() - start)
        print(f"| {name} | {next(iter(overrides.values()))} | {old:,.0f} | {rate:,.0f} | {rate / old:,.0f}x |",
              flush=True)


if __name__ == "__main__":
    main()
