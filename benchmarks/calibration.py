"""Calibration and forecast at batch speed (figures go in BENCHMARKS.md, section "Calibration and forecast").

    .venv/bin/python benchmarks/calibration.py                     # this checkout
    .venv/bin/python benchmarks/calibration.py --before DIR        # and an older checkout DIR, side by side

Serially, in one process (CPU seconds, ``time.process_time``: fair on a busy machine), for two problems:

* ``priors-2017``: nafta-2017 on ``observations-2017`` with ``priors-2017`` (58 parameters; the priors vary the
  constituencies' parameters, so every set has its own structure and runs as its own model);
* ``3 parameters``: nafta-2017 on synthetic facts (every offer in rounds 2, 4, 6 of a run with known parameters)
  with priors on the U.S. and Mexican concession speeds and the U.S. termination value (parameters a model keeps
  per replication: a task's candidates run as one model).

``calibrate`` (``--population`` sets, ``--generations`` generations, seed 0): candidates evaluated (pyabc's
count, up to the last one kept) per CPU second of sampling (the results files and figures left out), then
``forecast`` of that calibration (4 new seeds per accepted set: ``population`` x 5 + ``population`` runs, as many
as a default calibration's forecast when the population is 200, the default). With ``--before DIR`` the same
runs in a subprocess on DIR's code, and the accepted sets of both are compared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THREE = """
[parameters."countries.US.strategy.beta"]
uniform = [0.1, 1.0]
reason = "Boulware to Linear"

[parameters."countries.US.termination_value"]
uniform = [0.0, 0.4]
reason = "credible or not"

[parameters."countries.MX.strategy.beta"]
uniform = [0.3, 2.0]
perturb = false
reason = "drawn afresh for every run"
"""


def problem(name: str, folder: Path):
    from importlib import resources

    from bargaining import load_scenario
    from bargaining.calibration.abc import Problem
    from bargaining.calibration.observations import load_observations
    from bargaining.calibration.priors import load_priors
    from bargaining.calibration.synthetic import synthetic_observations

    bundled = Path(str(resources.files("bargaining.scenarios")))
    nafta = load_scenario("nafta-2017")
    if name == "priors-2017":
        return Problem(nafta, load_observations(bundled / "observations-2017.toml", nafta),
                       load_priors(bundled / "priors-2017.toml", nafta))
    (folder / "three.toml").write_text(THREE)
    truth = {"countries.US.strategy.beta": 0.6, "countries.US.termination_value": 0.2}
    observations, _ = synthetic_observations(nafta, truth, seed=3, cutoff_round=6, rounds=[2, 4, 6])
    return Problem(nafta, observations, load_priors(folder / "three.toml", nafta))


def measure(population: int, generations: int, folder: Path) -> dict:
    """Calibrate and forecast both problems here; CPU seconds and counts."""
    import pyabc

    from bargaining.calibration import abc
    from bargaining.calibration.forecast import forecast

    writing = [0.0]
    write_results = abc.write_results

    def timed(*args, **kwargs):
        start = time.process_time()
        write_results(*args, **kwargs)
        writing[0] += time.process_time() - start

    abc.write_results = timed
    out = {}
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("priors-2017", "3 parameters"):
        p = problem(name, folder)
        where = folder / name.replace(" ", "-")
        writing[0] = 0.0
        start = time.process_time()
        abc.calibrate(p, where, abc.Settings(population=population, generations=generations), seed=0, workers=1,
                      progress=False)
        sampling = time.process_time() - start - writing[0]
        gens = abc.generations(pyabc.History(f"sqlite:///{(where / 'abc.db').resolve()}", _id=1))
        start = time.process_time()
        result = forecast(where, replications=4, workers=1, progress=False)
        runs = result["runs"]["posterior_runs"] + result["runs"]["prior_runs"]
        out[name] = {"evaluated": int(gens.evaluated.sum()), "sampling": sampling,
                     "forecast": time.process_time() - start, "forecast_runs": runs,
                     "accepted": str(where)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=200)
    parser.add_argument("--generations", type=int, default=2)
    parser.add_argument("--before", metavar="DIR", help="an older checkout to measure the same way")
    parser.add_argument("--json", help=argparse.SUPPRESS)  # the subprocess's answer
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="calibration-bench-"))
    if args.json:
        Path(args.json).write_text(json.dumps(measure(args.population, args.generations, folder)))
        return
    old = None
    if args.before:
        answer = folder / "before.json"
        env = {**os.environ, "PYTHONPATH": str(Path(args.before).resolve())}
        subprocess.run([sys.executable, __file__, "--population", str(args.population), "--generations",
                        str(args.generations), "--json", str(answer)], env=env, check=True)
        old = json.loads(answer.read_text())
    import pandas as pd

    now = measure(args.population, args.generations, folder / "now")
    print(f"population {args.population}, {args.generations} generations, seed 0, serial; CPU seconds")
    print("| problem | candidates | sampling | candidates per CPU s | forecast runs | forecast |"
          + (" before: candidates per CPU s | before: forecast | same accepted sets |" if old else ""))
    for name, m in now.items():
        line = (f"| {name} | {m['evaluated']} | {m['sampling']:.1f} | {m['evaluated'] / m['sampling']:.1f} | "
                f"{m['forecast_runs']} | {m['forecast']:.1f} |")
        if old:
            b = old[name]
            same = pd.read_parquet(Path(b["accepted"]) / "accepted.parquet").equals(
                pd.read_parquet(Path(m["accepted"]) / "accepted.parquet"))
            line += f" {b['evaluated'] / b['sampling']:.1f} | {b['forecast']:.1f} | {same} |"
        print(line)


if __name__ == "__main__":
    main()
