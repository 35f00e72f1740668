"""Scale: ``bargaining show`` (the exact analysis) and ``run`` on random scenarios of N parties and K issues.

    .venv/bin/python benchmarks/scale.py                 # the tables of BENCHMARKS.md, "Scale"
    .venv/bin/python benchmarks/scale.py --repeats 3 --runs 50 --figure output/scale.png

Each scenario is drawn from a seeded generator (``scenario(n, k, mix, seed)``): a third of the issues categorical
(3-5 options), a third ordinal (3-5 levels), a third continuous (piecewise-linear value points); every party values
every issue by a random table with random weights and a random reservation value, and has a red line on one issue
in five; the decision rule is unanimity. ``mix="discrete"`` makes every issue categorical or ordinal (the space is
enumerated up to 10^7 packages, solved by MILP beyond). Times are the median over ``--repeats`` fresh scenarios
(seeds) of ``describe(scenario)`` (what ``show --json`` prints: zone, Nash, Kalai-Smorodinsky, plus maximum welfare)
and of ``--runs`` seeded runs (``record=False``), in CPU seconds of the process (``time.process_time``: on a
shared machine wall-clock time follows the load; on an idle one the two agree, HiGHS and numpy running on one
thread with ``OPENBLAS_NUM_THREADS=1``).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import numpy as np

import bargaining
from bargaining.cli.show import describe
from bargaining.scenario import from_dict


def scenario(n: int, k: int, mix: str = "mixed", seed: int = 0) -> bargaining.Scenario:
    """A random scenario of ``n`` parties and ``k`` issues (see the module docstring)."""
    rng = np.random.default_rng(seed)
    issues, kinds = {}, []
    for j in range(k):
        kind = ("categorical", "ordinal", "continuous")[j % 3] if mix == "mixed" else ("categorical", "ordinal")[j % 2]
        size = int(rng.integers(3, 6))
        if kind == "continuous":
            issues[f"i{j}"] = {"kind": kind, "bounds": [0.0, 100.0]}
        else:
            issues[f"i{j}"] = {"kind": kind, ("options" if kind == "categorical" else "levels"):
                               [f"o{o}" for o in range(size)]}
        kinds.append((kind, size))
    countries = {}
    for c in range(n):
        weights = rng.dirichlet(np.ones(k))
        weights = np.round(weights / weights.sum(), 12)
        weights[-1] = 1.0 - weights[:-1].sum()
        values, red_lines = {}, {}
        for j, (kind, size) in enumerate(kinds):
            if kind == "continuous":
                xs = np.sort(rng.choice(np.arange(0, 101, 5), size=3, replace=False)).astype(float)
                vs = rng.integers(0, 11, 3) + [0, 0, 1]
                values[f"i{j}"] = [[float(x), float(v)] for x, v in zip(xs, vs, strict=True)]
            else:
                table = rng.integers(0, 11, size).astype(float)
                table[rng.integers(size)] = 10.0
                values[f"i{j}"] = {f"o{o}": float(v) for o, v in enumerate(table)}
                if kind == "categorical" and rng.random() < 0.2:
                    worst = int(np.argmin(table))
                    if table[worst] < 10:
                        red_lines[f"i{j}"] = [f"o{worst}"]
        countries[f"P{c}"] = {"weights": {f"i{j}": float(w) for j, w in enumerate(weights)}, "values": values,
                              "red_lines": red_lines, "reservation_value": float(rng.uniform(0.2, 0.5))}
    return from_dict({"name": f"scale-{n}x{k}-{mix}-{seed}",
                      "protocol": {"deadline_round": 10, "horizon_round": 12},
                      "issues": issues, "countries": countries})


def time_show(n: int, k: int, mix: str, repeats: int) -> float:
    times = []
    for seed in range(repeats):
        s = scenario(n, k, mix, seed)
        start = time.process_time()
        describe(s)
        s.solutions()
        times.append(time.process_time() - start)
    return statistics.median(times)


def runs_per_second(n: int, k: int, mix: str, runs: int) -> float:
    s = scenario(n, k, mix, 0)
    bargaining.run(s, seed=0, record=False)
    start = time.process_time()
    for seed in range(runs):
        bargaining.run(s, seed=seed, record=False)
    return runs / (time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3, help="scenarios (seeds) per cell for show")
    parser.add_argument("--runs", type=int, default=50, help="runs per cell for run")
    parser.add_argument("--figure", type=Path, default=None, help="also draw show time vs K per N")
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}, one process\n")
    parties, sizes = (2, 3, 5, 9), (5, 10, 20, 30)
    table: dict[tuple[str, int], list[float]] = {}
    for mix in ("mixed", "discrete"):
        print(f"show (CPU s), {mix} issues\n\n| N \\ K | " + " | ".join(map(str, sizes)) + " |")
        print("|---" * (len(sizes) + 1) + "|")
        for n in parties:
            table[mix, n] = [time_show(n, k, mix, args.repeats) for k in sizes]
            print(f"| {n} | " + " | ".join(f"{t:.2f}" for t in table[mix, n]) + " |")
        print()
    print("run (runs per CPU s, record=False), mixed issues\n\n| N \\ K | " + " | ".join(map(str, sizes)) + " |")
    print("|---" * (len(sizes) + 1) + "|")
    for n in parties:
        print(f"| {n} | " + " | ".join(f"{runs_per_second(n, k, 'mixed', args.runs):,.0f}" for k in sizes) + " |")
    if args.figure:
        from matplotlib.figure import Figure

        from bargaining.figures.run import save_figure

        fig = Figure(figsize=(8, 3.2))
        for ax, mix in zip(fig.subplots(1, 2), ("mixed", "discrete"), strict=True):
            for n in parties:
                ax.plot(sizes, table[mix, n], marker="o", label=f"N = {n}")
            ax.set(xlabel="issues K", ylabel="show (CPU s)", title=f"{mix} issues", yscale="log")
            ax.legend(fontsize=7)
        fig.tight_layout()
        save_figure(fig, args.figure)


if __name__ == "__main__":
    main()
