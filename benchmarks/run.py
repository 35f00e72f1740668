"""Single-process throughput of `bargaining.run`: runs per second, median of repeats.

    make bench              # or: .venv/bin/python benchmarks/run.py [--runs N]

Prints a markdown table for BENCHMARKS.md. Other benchmark scripts in this folder (e.g. sweep.py) are run
by `make bench` too.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import bargaining
from bargaining.strategies import STRATEGIES


def batch_rate(scenario, runs: int, first_seed: int, record=False, overrides=None, clock=time.perf_counter) -> float:
    """Runs per second (of ``clock``) over ``runs`` seeded runs from ``first_seed``."""
    start = clock()
    for seed in range(first_seed, first_seed + runs):
        bargaining.run(scenario, overrides, seed=seed, record=record)
    return runs / (clock() - start)


def runs_per_second(scenario, runs: int, repeats: int, overrides=None, record=False) -> float:
    """Median runs/s over ``repeats`` batches of ``runs`` seeded runs (after one warm-up run)."""
    bargaining.run(scenario, overrides, seed=0, record=record)
    return statistics.median(batch_rate(scenario, runs, r * runs, record, overrides) for r in range(repeats))


CASES = [
    ("nafta-2017, record=False", "nafta-2017", None, False),
    ("nafta-2017, record=True (plain lists, frames built once at the end)", "nafta-2017", None, True),
    ("nafta-2017, credible threat to withdrawal (US.termination_value=0.9)", "nafta-2017",
     {"US.termination_value": 0.9}, False),
    ("pie-split, record=False", "pie-split", None, False),
]
# One line per strategy (all three countries play it) and per protocol, record=False (issue 3).
CASES += [(f"nafta-2017, every country plays {name}", "nafta-2017",
           {f"{c}.strategy.name": name for c in ("US", "CA", "MX")}, False)
          for name, cls in STRATEGIES.items() if name == cls.name and not cls.classifier["two_party_only"]]
CASES += [("pie-split, both play rubinstein", "pie-split", {"A.strategy.name": "rubinstein",
                                                              "B.strategy.name": "rubinstein"}, False)]
CASES += [(f"nafta-2017, protocol {name}", "nafta-2017", {"protocol.name": name}, False)
          for name in ("single_text", "bilateral_first")]


def record_ratio(runs: int = 200, repeats: int = 5) -> tuple[float, float]:
    """nafta-2017 runs per CPU second with record=False and record=True, batches interleaved (issue 12: recording
    should cost at most twice as much). CPU time, so that other work on the machine does not tilt the ratio."""
    scenario = bargaining.load_scenario("nafta-2017")
    rates = {False: [], True: []}
    for record in rates:
        bargaining.run(scenario, seed=0, record=record)
    for r in range(repeats):
        for record in rates:
            rates[record].append(batch_rate(scenario, runs, r * runs, record, clock=time.process_time))
    return statistics.median(rates[False]), statistics.median(rates[True])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}, one process\n")
    print("| case | runs/s |\n|---|---:|")
    for label, name, overrides, record in CASES:
        scenario = bargaining.load_scenario(name).with_overrides(overrides)
        runs = args.runs // 5 if record else args.runs
        rate = runs_per_second(scenario, runs, args.repeats, record=record)
        print(f"| {label} | {rate:,.0f} |")
    plain, recorded = record_ratio()
    print(f"\nnafta-2017 per CPU second, interleaved: record=False {plain:,.0f}, record=True {recorded:,.0f}: "
          f"recording costs {plain / recorded:.2f} times as much")


if __name__ == "__main__":
    main()
