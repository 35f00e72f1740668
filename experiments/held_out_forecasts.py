"""Held-out forecasts: calibrate nafta-2017 on the seeds' facts to October or November 2017 with ABC-SMC and with
NPE, and score each on the later seed facts it did not see (``bargaining score DIR --held-back``: the log score
of every held-back fact, posterior beside prior).

    PYTHONPATH=. python experiments/held_out_forecasts.py [--cutoffs 2017-10,2017-11] [--population 100]
        [--generations 4] [--simulations 4000] [--workers 2] [--docs docs/calibration.md]

NPE draws as many posterior sets as ABC's population, so that both forecasts rest on as many sets. Prints a
markdown table (mean log score per method and cut-off, the prior's beside it; runs, wall time, runs per
second and effective sample size); with ``--docs`` it replaces the table in docs/calibration.md between the
markers ``<!-- held-out -->`` and ``<!-- /held-out -->``. Calibrations are kept in ``--work`` (default
results/held-out) and reused when present.
"""

import argparse
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from docs_section import write_section

from bargaining import load_scenario
from bargaining.calibration.abc import Problem, Settings, calibrate
from bargaining.calibration.observations import load_observations
from bargaining.calibration.priors import load_priors
from bargaining.calibration.score import score_held_back
from bargaining.cli.calibrate import bundled_file

START, END = "<!-- held-out -->", "<!-- /held-out -->"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cutoffs", default="2017-10,2017-11")
    p.add_argument("--population", type=int, default=100)
    p.add_argument("--generations", type=int, default=4)
    p.add_argument("--simulations", type=int, default=4000)
    p.add_argument("--replications", type=int, default=4)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--work", default="results/held-out")
    p.add_argument("--docs")
    args = p.parse_args(argv)
    from bargaining.calibration.npe import NPESettings, calibrate_npe

    scenario = load_scenario("nafta-2017")
    observations = load_observations(bundled_file("observations-2017"), scenario)
    priors = load_priors(bundled_file("priors-2017"), scenario)
    rows = []
    for cutoff in args.cutoffs.split(","):
        problem = Problem(scenario, observations.with_cutoff(cutoff), priors)
        for method in ("abc", "npe"):
            out = Path(args.work) / f"{method}-{cutoff}"
            begin = time.monotonic()
            if not (out / "accepted.parquet").exists():
                resume = (out / "calibration.json").exists()
                if method == "abc":
                    calibrate(problem, out, Settings(args.population, args.generations), workers=args.workers,
                              resume=resume)
                else:
                    calibrate_npe(problem, out, NPESettings(simulations=args.simulations, samples=args.population),
                                  workers=args.workers, resume=resume)
                (out / "wall.json").write_text(json.dumps({"seconds": time.monotonic() - begin}))
            seconds = json.loads((out / "wall.json").read_text())["seconds"] if (out / "wall.json").exists() else None
            result = score_held_back(out, args.replications, args.workers)
            (out / "held-back.json").write_text(json.dumps(result, indent=2))
            manifest = json.loads((out / "calibration.json").read_text())
            if method == "abc":
                summary = (out / "summary.md").read_text()
                gens = [line for line in summary.splitlines() if re.match(r"\| \d+ \|", line)]
                runs = sum(int(g.split("|")[3]) for g in gens)
                ess = float(gens[-1].split("|")[5])
            else:
                runs = manifest["settings"]["simulations"] + manifest["settings"]["samples"]
                ess = manifest["settings"]["samples"]  # independent draws
            rows.append({"cutoff": cutoff, "method": method.upper(), "used": len(problem.observations.used),
                         "held_back": len(result["facts"]), "posterior": result["mean_log_score"]["posterior"],
                         "prior": result["mean_log_score"]["prior"],
                         "posterior_r": result["mean_log_score_reproduced"]["posterior"],
                         "prior_r": result["mean_log_score_reproduced"]["prior"],
                         "never": ", ".join(f["id"] for f in result["facts"] if not f["reproduced_by_any"]) or "-",
                         "runs": runs, "seconds": seconds, "ess": ess})
    frame = pd.DataFrame(rows)
    lines = [f"Result (`python experiments/held_out_forecasts.py --population {args.population} --generations "
             f"{args.generations} --simulations {args.simulations} --docs docs/calibration.md`; "
             f"{datetime.now(UTC):%d %b %Y}; 2 shared cores):", "",
             "| cut-off | method | facts used / held back | mean log score, posterior | prior | without facts no "
             "run reproduced: posterior | prior | runs | wall time | runs/s | effective sample size |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in frame.itertuples():
        wall = f"{r.seconds:.0f} s" if r.seconds == r.seconds and r.seconds is not None else "-"
        rate = f"{r.runs / r.seconds:.1f}" if r.seconds else "-"
        lines.append(f"| {r.cutoff} | {r.method} | {r.used} / {r.held_back} | {r.posterior:.3f} | {r.prior:.3f} | "
                     f"{r.posterior_r:.3f} | {r.prior_r:.3f} | {r.runs:,} | {wall} | {rate} | {r.ess:.0f} |")
    lines += ["", "Facts no run reproduced (left out of the second pair of columns): "
              + "; ".join(f"{r.cutoff} {r.method}: {r.never}" for r in frame.itertuples())]
    text = "\n".join(lines)
    print(text)
    if args.docs:
        write_section(args.docs, START, END, lambda _: text)
    return frame


if __name__ == "__main__":
    main()
