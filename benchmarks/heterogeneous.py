"""Heterogeneous batches: every replication its own parameter set (figures go in BENCHMARKS.md, section
"Heterogeneous batches").

    .venv/bin/python benchmarks/heterogeneous.py                  # both measurements
    .venv/bin/python benchmarks/heterogeneous.py --sets 4000 --rows 8 --cells 2048

1. A batch of ``--sets`` replications of nafta-2017, each with its own parameter set (the U.S. termination value,
   Canada's beta, the partners' beliefs, belief erosion and aspiration noise drawn at random), against a one-set
   batch of the same size, side by side: CPU seconds of each (``time.process_time``: fair on a busy machine), runs
   per CPU second and their ratio (the heterogeneous batch's rate over the one-set batch's; medians of 5
   alternated measurements, each heterogeneous batch with a table of its own), the CPU time of its
   table alone (validation and parameter sets: ``simulate.parameter_sets``), the peak resident
   memory of the process after each, and the first 200 sets run one by one as before (``with_overrides``, then
   ``run``). The one-set batch of nafta-2017's own parameters is mostly deals in 7 rounds; the table's runs last
   longer (random U.S. termination values make the threat credible: withdrawals in 14 rounds): ``--rows`` of the
   table's own rows, each a one-set batch of ``--sets`` runs, give the rate of the same kind of runs without
   heterogeneity, and the ratio to it. The heterogeneous batch runs twice more, side by side, with and without
   leaving its ended replications out (``NegotiationModel.compact_min``): the gain of that alone.
2. ``--weights`` replications of nafta-2017, each with its own weights for every country (drawn from a Dirichlet,
   as calibration's priors draw them): every replication is a preference group of its own, and domestic politics
   splits them further, so the batch builds thousands of concession paths; CPU seconds of the batch, of the paths
   in it (``Scenario.concession_paths_of``, all the groups' missing paths at once), and how many it built.
3. ``experiments/sensitivity.toml`` (Sobol over 11 parameters: 1,024 x 13 cells x 4 replications = 53,248
   runs): its first ``--cells`` cells' tasks run in this process, as a sweep's workers run them
   (``runs.run_task``), serially, and again one batch per cell (``runs.run_cells``, the sweep before
   heterogeneous batches): CPU seconds per 1,000 runs and the CPU time of the whole sweep this implies, over 2
   cores. ``benchmarks/sweep.py --experiment experiments/sensitivity.toml`` runs the whole sweep on 2 local
   processes instead (wall clock, memory of the process tree).
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import time
from pathlib import Path

import numpy as np

import bargaining
from bargaining.experiment.designs import Design
from bargaining.experiment.runs import Layout, run_cells, run_task
from bargaining.experiment.spec import load_experiment
from bargaining.experiment.sweep import tasks
from bargaining.model import NegotiationModel
from bargaining.simulate import parameter_sets

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 5  # alternated measurements of each batch, their medians reported


def table(size: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"US.termination_value": rng.uniform(0.0, 1.0, size), "CA.strategy.beta": rng.uniform(0.2, 3.0, size),
            "CA.belief": rng.uniform(0.0, 1.0, size), "MX.belief": rng.uniform(0.0, 1.0, size),
            "threat.belief_erosion": rng.uniform(0.0, 0.5, size), "noise.aspiration": rng.uniform(0.0, 0.1, size)}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def batches(sets: int, rows: int) -> None:
    scenario = bargaining.load_scenario("nafta-2017")
    seeds = np.arange(sets)
    bargaining.run_batch(scenario, seeds[:20], parameters=table(20, 1))  # imports and first paths
    ones, manys = [], []
    for repeat in range(REPEATS):  # alternated, each heterogeneous batch a table of its own (its paths built anew)
        start = time.process_time()
        bargaining.run_batch(scenario, seeds)
        ones.append(time.process_time() - start)
        one_mb = peak_mb()
        start = time.process_time()
        bargaining.run_batch(scenario, seeds, parameters=table(sets, 100 + repeat))
        manys.append(time.process_time() - start)
    one, many = statistics.median(ones), statistics.median(manys)
    start = time.process_time()
    sets_of_table = parameter_sets(scenario, table(sets), sets)
    validated = time.process_time() - start
    del sets_of_table
    print(f"one-set batch of {sets:,}: {one:.3f} CPU s ({sets / one:,.0f} runs per CPU second), peak RSS "
          f"{one_mb:.0f} MB")
    print(f"batch of {sets:,} distinct parameter sets: {many:.3f} CPU s ({sets / many:,.0f} runs per CPU second), "
          f"peak RSS {peak_mb():.0f} MB; its table (validation, parameter sets): {validated:.3f} CPU s")
    ratios = sorted(o / m for o, m in zip(ones, manys, strict=True))
    print(f"ratio (heterogeneous rate / one-set rate): {one / many:.2f} (medians of {REPEATS} alternated pairs; "
          f"pair by pair {ratios[0]:.2f}-{ratios[-1]:.2f})")
    compacted, default = [], NegotiationModel.compact_min
    for minimum in (default, 10**18, default, 10**18):  # its concession paths built: the model's work alone
        NegotiationModel.compact_min = minimum
        start = time.process_time()
        bargaining.run_batch(scenario, seeds, parameters=table(sets))
        compacted.append(time.process_time() - start)
    NegotiationModel.compact_min = default
    print(f"the same again, leaving ended replications out: {min(compacted[::2]):.2f} CPU s; without: "
          f"{min(compacted[1::2]):.2f} CPU s")
    if rows:
        grid = table(sets)
        bargaining.run_batch(scenario.with_overrides({p: v[0] for p, v in grid.items()}), seeds[:20])
        start = time.process_time()
        for r in range(rows):  # the same kind of runs, one set a batch
            bargaining.run_batch(scenario.with_overrides({p: v[r] for p, v in grid.items()}), seeds)
        own = (time.process_time() - start) / rows
        print(f"one-set batches of {sets:,} of the table's first {rows} rows: {own:.2f} CPU s a batch "
              f"({sets / own:,.0f} runs per CPU second); ratio (heterogeneous rate / theirs): {own / many:.2f}")
    few, grid = min(sets, 200), table(sets)
    start = time.process_time()
    for r in range(few):  # what a user did before: a scenario per set, run alone
        bargaining.run(scenario.with_overrides({p: v[r] for p, v in grid.items()}), seed=r, record=False)
    alone = (time.process_time() - start) / few
    print(f"the same sets one by one (with_overrides, then run; first {few}): {1 / alone:,.0f} runs per CPU second: "
          f"the heterogeneous batch is {alone * sets / many:.0f} times faster")


def weights_table(scenario, size: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Every country's weights, drawn per row (Dirichlet, concentration 2 per issue), summing to 1."""
    rng = np.random.default_rng(seed)
    out = {}
    for code, country in scenario.spec.countries.items():
        issues = list(country.weights)
        w = rng.dirichlet(np.full(len(issues), 2.0), size=size)
        w[:, -1] = 1.0 - w[:, :-1].sum(axis=1)
        out.update({f"{code}.weights.{issue}": w[:, j] for j, issue in enumerate(issues)})
    return out


def weights(sets: int) -> None:
    scenario = bargaining.load_scenario("nafta-2017")
    bargaining.run_batch(scenario, np.arange(20), parameters=weights_table(scenario, 20, 1))  # imports, first paths
    spent, built = [0.0], [0]
    build = type(scenario).concession_paths_of

    def timed(self, row, preferences):
        start = time.process_time()
        paths = build(self, row, preferences)
        spent[0] += time.process_time() - start
        built[0] += len(preferences)
        return paths

    type(scenario).concession_paths_of = timed
    try:
        start = time.process_time()
        bargaining.run_batch(scenario, np.arange(sets), parameters=weights_table(scenario, sets))
        seconds = time.process_time() - start
    finally:
        type(scenario).concession_paths_of = build
    print(f"batch of {sets:,} replications, each its own weights: {seconds:.2f} CPU s ({sets / seconds:,.0f} runs per "
          f"CPU second); concession paths {spent[0]:.2f} CPU s for {built[0]:,} paths looked up "
          f"({1000 * spent[0] / max(built[0], 1):.3f} ms a path)")


def sensitivity(cells: int) -> None:
    experiment = load_experiment(ROOT / "experiments" / "sensitivity.toml")
    design = Design(experiment)
    layout = Layout.of(experiment.scenario, experiment.parameters, experiment.spec.outcomes)
    todo = np.arange(min(cells, design.n_cells) * design.replications)
    for label, function in (("one heterogeneous batch a task", run_task), ("one batch per cell", run_cells)):
        runs, start = 0, time.process_time()
        for task in tasks(experiment, design, layout, todo):
            runs += function(task).num_rows
        seconds = time.process_time() - start
        total = design.n_runs * seconds / runs
        print(f"sensitivity.toml, {label}: {runs:,} of its {design.n_runs:,} runs in {seconds:.1f} CPU s "
              f"({1000 * seconds / runs:.2f} CPU s per 1,000 runs); the whole sweep: about {total:.0f} CPU s, "
              f"{total / 2:.0f} s on 2 cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=4000)
    parser.add_argument("--rows", type=int, default=8, help="rows of the table run as one-set batches (0: none)")
    parser.add_argument("--weights", type=int, default=1000, help="replications of the weights batch (0: none)")
    parser.add_argument("--cells", type=int, default=2048, help="cells of sensitivity.toml to run (0: none)")
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M')} {platform.machine()}, Python {platform.python_version()}, "
          f"load average {' '.join(f'{x:.1f}' for x in __import__('os').getloadavg())}")
    batches(args.sets, args.rows)
    if args.weights:
        weights(args.weights)
    if args.cells:
        sensitivity(args.cells)


if __name__ == "__main__":
    main()
