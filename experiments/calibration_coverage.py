"""Coverage study of `bargaining calibrate`: does the posterior cover parameters that are known?

Repeated synthetic experiments on nafta-2017: draw true values of three assumed parameters from their prior,
run the scenario with them, write what the run did up to January 2018 as facts (every offer in rounds 2, 4 and
6, no agreement, no notice), calibrate on those facts alone, and count how often the posterior's 50 % and
90 % intervals hold the truth. A calibrated posterior covers about 50 % and 90 % of the time; ABC with a
positive epsilon is wider than the exact posterior, so coverage at or above nominal is what to expect.

    PYTHONPATH=. python experiments/calibration_coverage.py [EXPERIMENTS] [POPULATION] [GENERATIONS]

Prints a markdown table (the result is in docs/calibration.md).
"""

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from bargaining import load_scenario
from bargaining.calibration.abc import Problem, Settings, calibrate, weighted_quantiles
from bargaining.calibration.priors import load_priors
from bargaining.calibration.synthetic import synthetic_observations

PRIORS = """
[parameters."countries.US.strategy.beta"]
uniform = [0.1, 1.0]
reason = "as in priors-2017.toml"

[parameters."countries.CA.strategy.beta"]
uniform = [0.2, 1.5]
reason = "as in priors-2017.toml"

[parameters."countries.US.termination_value"]
uniform = [0.0, 0.4]
reason = "as in priors-2017.toml"
"""


def main(experiments: int = 20, population: int = 60, generations: int = 4) -> pd.DataFrame:
    scenario = load_scenario("nafta-2017")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "priors.toml"
        path.write_text(PRIORS)
        priors = load_priors(path, scenario)
        rng = np.random.default_rng(2017)
        for k in tqdm(range(experiments), desc="experiments"):
            truth = priors.overrides(priors.sample(1, rng)[0])
            observations, _ = synthetic_observations(scenario, truth, seed=k, cutoff_round=6, rounds=[2, 4, 6])
            out = Path(tmp) / str(k)
            calibrate(Problem(scenario, observations, priors), out, Settings(population, generations), seed=k,
                      workers=1, progress=False)
            posterior = pd.read_parquet(out / "accepted.parquet")
            for name, value in truth.items():
                q = weighted_quantiles(posterior[name].to_numpy(), posterior["weight"].to_numpy(),
                                       [0.05, 0.25, 0.75, 0.95])
                lo, hi = priors.parameters[name].bounds
                rows.append({"parameter": name, "in50": q[1] <= value <= q[2], "in90": q[0] <= value <= q[3],
                             "width90": (q[3] - q[0]) / (hi - lo)})
    frame = pd.DataFrame(rows)
    table = frame.groupby("parameter", sort=False).agg(experiments=("in50", "size"), covered_50=("in50", "mean"),
                                                        covered_90=("in90", "mean"), width_90=("width90", "mean"))
    print(f"{experiments} experiments, population {population}, {generations} generations\n")
    print("| parameter | experiments | 50 % interval covers | 90 % interval covers | 90 % width / prior range |")
    print("|---|---|---|---|---|")
    for name, r in table.iterrows():
        print(f"| `{name}` | {int(r.experiments)} | {r.covered_50:.0%} | {r.covered_90:.0%} | {r.width_90:.2f} |")
    return table


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
