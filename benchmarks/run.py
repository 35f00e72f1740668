"""Single-process throughput of the engine: runs per CPU second, one at a time (``bargaining.run``, a batch of
one) and in batches (``bargaining.run_batch``, 10^4 replications), side by side in one process.

    make bench                                          # or: .venv/bin/python benchmarks/run.py
    .venv/bin/python benchmarks/run.py --before DIR     # also time the engine of an older checkout DIR, one run
                                                        # at a time (in a subprocess), for the same cases

Prints a markdown table for BENCHMARKS.md. CPU time (``time.process_time``), so that other work on the machine
does not tilt the ratios; each figure is the median of ``--repeats`` measurements. Other benchmark scripts in
this folder (e.g. sweep.py) are run by ``make bench`` too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import bargaining
from bargaining.strategies import STRATEGIES

NAFTA = ("US", "CA", "MX")

CASES = [
    ("nafta-2017 (domestic politics, noise, random order)", "nafta-2017", None),
    ("nafta-2017, credible threat to withdrawal (US.termination_value=0.9)", "nafta-2017",
     {"US.termination_value": 0.9}),
    ("pie-split", "pie-split", None),
    ("uk-eu-2020", "uk-eu-2020", None),
    ("port-expansion (6 parties, categorical, value tables, quota + vetoes)", "port-expansion", None),
]
# One line per strategy (every country plays it) and per protocol (issue 3).
CASES += [(f"nafta-2017, every country plays {name}", "nafta-2017", {f"{c}.strategy.name": name for c in NAFTA})
          for name, cls in STRATEGIES.items() if name == cls.name and not cls.classifier["two_party_only"]]
CASES += [("pie-split, both play rubinstein", "pie-split", {"A.strategy.name": "rubinstein",
                                                              "B.strategy.name": "rubinstein"})]
CASES += [(f"nafta-2017, protocol {name}", "nafta-2017", {"protocol.name": name})
          for name in ("single_text", "bilateral_first")]


def one_at_a_time(scenario, runs: int, first_seed: int = 0, record: bool = False) -> float:
    """Runs per CPU second of ``runs`` seeded runs, one ``run`` each."""
    start = time.process_time()
    for seed in range(first_seed, first_seed + runs):
        bargaining.run(scenario, seed=seed, record=record)
    return runs / (time.process_time() - start)


def batched(scenario, runs: int, first_seed: int = 0) -> float:
    """Runs per CPU second of one ``run_batch`` of ``runs`` seeds."""
    start = time.process_time()
    bargaining.run_batch(scenario, range(first_seed, first_seed + runs))
    return runs / (time.process_time() - start)


def median_rate(measure, scenario, runs: int, repeats: int, **kwargs) -> float:
    measure(scenario, min(runs, 20), **kwargs)  # warm-up: concession paths, imports
    return statistics.median(measure(scenario, runs, first_seed=(r + 1) * runs, **kwargs) for r in range(repeats))


def before(directory: str, runs: int, repeats: int) -> list[float]:
    """Runs per CPU second of the engine checked out in ``directory``, one ``run`` at a time, for every case."""
    code = (f"import json, statistics, sys, time; sys.path.insert(0, {directory!r}); import bargaining\n"
            f"out = []\nfor name, overrides in {[(n, o) for _, n, o in CASES]!r}:\n"
            "    s = bargaining.load_scenario(name).with_overrides(overrides)\n"
            "    bargaining.run(s, seed=0, record=False)\n    rates = []\n"
            f"    for r in range({repeats}):\n        t = time.process_time()\n"
            f"        for seed in range(r * {runs}, (r + 1) * {runs}): bargaining.run(s, seed=seed, record=False)\n"
            f"        rates.append({runs} / (time.process_time() - t))\n"
            "    out.append(statistics.median(rates))\nprint(json.dumps(out))\n")
    env = {**os.environ, "PYTHONPATH": directory}
    return json.loads(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                     check=True).stdout)


def record_ratio(runs: int = 100, repeats: int = 5) -> tuple[float, float]:
    """nafta-2017 runs per CPU second with record=False and record=True, one at a time, interleaved (issue 12:
    recording should cost at most twice as much)."""
    scenario = bargaining.load_scenario("nafta-2017")
    rates = {False: [], True: []}
    for record in rates:
        bargaining.run(scenario, seed=0, record=record)
    for r in range(repeats):
        for record in rates:
            rates[record].append(one_at_a_time(scenario, runs, r * runs, record))
    return statistics.median(rates[False]), statistics.median(rates[True])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="runs per measurement, one at a time")
    parser.add_argument("--batch", type=int, default=10_000, help="replications per batch")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", metavar="DIR", help="an older checkout to time one run at a time")
    args = parser.parse_args()
    old = before(args.before, args.runs, args.repeats) if args.before else None
    print(f"Python {platform.python_version()}, {platform.machine()}, one process, runs per CPU second\n")
    head = f"| case | one at a time | batch of {args.batch:,} | batch / one at a time |"
    rule = "|---|---:|---:|---:|"
    if old:
        head, rule = head + " before, one at a time | batch / before |", rule + "---:|---:|"
    print(head + "\n" + rule)
    for n, (label, name, overrides) in enumerate(CASES):
        scenario = bargaining.load_scenario(name).with_overrides(overrides)
        single = median_rate(one_at_a_time, scenario, args.runs, args.repeats)
        batch = median_rate(batched, scenario, args.batch, args.repeats)
        line = f"| {label} | {single:,.0f} | {batch:,.0f} | {batch / single:,.0f}x |"
        if old:
            line += f" {old[n]:,.0f} | {batch / old[n]:,.0f}x |"
        print(line, flush=True)
    plain, recorded = record_ratio()
    print(f"\nnafta-2017 one at a time, interleaved: record=False {plain:,.0f}, record=True {recorded:,.0f} runs per "
          f"CPU second: recording costs {plain / recorded:.2f} times as much")


if __name__ == "__main__":
    main()
