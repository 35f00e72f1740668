"""Coverage study of `bargaining calibrate`: do ABC's and NPE's posteriors cover parameters that are known?

Repeated synthetic experiments on nafta-2017 (``calibration.synthetic.coverage_study``): draw true values of three
assumed parameters from their prior, run the scenario with them, write what the run did up to January 2018 as
facts (every offer in rounds 2, 4 and 6, no agreement, notice or not), calibrate on those facts alone with ABC-SMC
and with NPE, and check the posteriors against the truth: the rank of the truth in each posterior
(simulation-based calibration, Talts et al. 2018: uniform when calibrated) and how often the 50 % and 90 %
intervals hold it. NPE's estimator is amortised, so it is also checked on ``--truths`` fresh truths from the prior
for the cost of their runs and draws (``NPE, amortised``: one estimator, trained for experiment 0's facts).

    PYTHONPATH=. python experiments/calibration_coverage.py [--experiments 20] [--population 60] [--generations 4]
        [--simulations 4000] [--epochs 200] [--truths 300] [--workers 2] [--docs docs/calibration.md]

Prints a markdown table; with ``--docs`` it replaces the table in docs/calibration.md (between the markers
``<!-- coverage-study -->`` and ``<!-- /coverage-study -->``) and writes the rank histograms beside it
(docs/figures/calibration-ranks.png). The runs are stored in ``--work`` (default results/coverage-study) and a
rerun with the same settings resumes from them.
"""

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

from docs_section import write_section

from bargaining import load_scenario
from bargaining.calibration.abc import Settings
from bargaining.calibration.priors import load_priors
from bargaining.calibration.synthetic import coverage_study, coverage_table, rank_figure

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
START, END = "<!-- coverage-study -->", "<!-- /coverage-study -->"


def markdown(table, note: str) -> str:
    lines = [note, "",
             "| method | parameter | experiments | 50 % interval covers | 90 % interval covers | 90 % width / prior "
             "range | rank histogram (5 bins) | uniform ranks, p |", "|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.method} | `{r.parameter}` | {r.experiments} | {r.covered_50:.0%} | {r.covered_90:.0%} | "
                     f"{r.width_90:.2f} | {r.ranks} | {r.uniform_p:.2f} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--experiments", type=int, default=20)
    p.add_argument("--population", type=int, default=60, help="ABC: sets per generation")
    p.add_argument("--generations", type=int, default=4, help="ABC: generations")
    p.add_argument("--simulations", type=int, default=4000, help="NPE: simulations from the prior (shared)")
    p.add_argument("--epochs", type=int, default=0, help="NPE: most training "
                   "epochs (0: the command's default, npe.epoch_budget)")
    p.add_argument("--draws", type=int, default=200, help="NPE: posterior draws per experiment")
    p.add_argument("--truths", type=int, default=300, help="NPE: truths from the prior for the amortised check of "
                   "one estimator (0: none)")
    p.add_argument("--hidden", type=int, default=64, help="NPE: hidden units of the flow")
    p.add_argument("--transforms", type=int, default=5, help="NPE: transforms of the flow")
    p.add_argument("--methods", default="abc,npe")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--work", default="results/coverage-study")
    p.add_argument("--docs", help="write the table into this markdown file (docs/calibration.md)")
    args = p.parse_args(argv)
    from bargaining.calibration.npe import NPESettings

    scenario = load_scenario("nafta-2017")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    (work / "priors.toml").write_text(PRIORS)
    priors = load_priors(work / "priors.toml", scenario)
    methods = args.methods.split(",")
    abc = Settings(args.population, args.generations) if "abc" in methods else None
    npe = NPESettings(simulations=args.simulations, epochs=args.epochs, chunk=250, hidden=args.hidden,
                      transforms=args.transforms) if "npe" in methods else None
    begin = time.monotonic()
    rows = coverage_study(scenario, priors, args.experiments, work, abc=abc, npe=npe, draws=args.draws,
                          workers=args.workers, amortised=args.truths if npe else 0)
    table = coverage_table(rows)
    note = (f"Result (`python experiments/calibration_coverage.py --methods {args.methods} --experiments "
            f"{args.experiments} --population {args.population} --generations {args.generations} --simulations "
            f"{args.simulations} --epochs {args.epochs} --truths {args.truths} --hidden {args.hidden} --transforms "
            f"{args.transforms} --docs docs/calibration.md`; {datetime.now(UTC):%d %b %Y}, "
            f"{(time.monotonic() - begin) / 60:.0f} min):")
    text = markdown(table, note)
    print(text)
    if args.docs:
        figure = Path(args.docs).parent / "figures" / "calibration-ranks.png"
        image = f"![rank histograms](figures/{figure.name})"
        write_section(args.docs, START, END, lambda old: f"{text}{kept_rows(old, {'abc'} - set(methods))}\n\n{image}")
        rank_figure(rows, figure)
    return table


def kept_rows(docs: str, methods) -> str:
    """The table rows (and the command line that made them) of the methods not run this time, from the table
    in ``docs``: ABC's study costs a calibration per truth, so NPE's can be redone without it."""
    if not methods:
        return ""
    block = docs[docs.index(START):docs.index(END)]
    rows = [line for line in block.splitlines() if any(line.startswith(f"| {m.upper()} |") for m in methods)]
    lines = block.splitlines()
    earlier = [line for line in lines if line.startswith("Rows of ")]
    made = [line.removeprefix("Result (").rstrip("):") for line in lines if line.startswith("Result (")]
    note = earlier[0] if earlier else (f"Rows of {', '.join(m.upper() for m in methods)} kept from an earlier run "
                                       f"(their rank histograms are not in the figure): {made[0] if made else '?'}")
    return ("\n" + "\n".join(rows) + f"\n\n{note}") if rows else ""


if __name__ == "__main__":
    main()
