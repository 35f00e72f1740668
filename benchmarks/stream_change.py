"""Did a change of random streams change the distribution of results? Tables of seeded runs, and a two-sample
comparison of two such tables.

    .venv/bin/python benchmarks/stream_change.py table --out old.csv --seeds 10000   # before the change
    .venv/bin/python benchmarks/stream_change.py table --out new.csv --seeds 10000   # after it
    .venv/bin/python benchmarks/stream_change.py compare old.csv new.csv

``table`` runs seeds 0..N-1 of every case of ``--cases`` (default: every bundled scenario), one row per run:
scenario (the case as written), seed, outcome, round, and each country's utility as u_0, u_1, ... in the
scenario's order of countries (blank past a scenario's last country). A case is a bundled scenario's name, with
optional dotted overrides after ``?``, joined by ``&``::

    --cases nafta-2017 'nafta-2017?US.termination_value=0.9&noise.aspiration=0.08'

It uses ``bargaining.run_batch(scenario, seeds)`` where the engine has it (equal to ``run`` seed by seed), else
``bargaining.run(scenario, seed=s, record=False)`` one seed at a time, so one script tables both engines.

A new engine draws different numbers for the same seed, so runs cannot be compared seed by seed; their
distributions can. ``compare`` tests, per case, the outcome shares (chi-square test of the outcome x table
contingency table; Fisher's exact test for a 2 x 2 table with an expected count below 5), each country's mean
utility (Welch's t-test) and the round (Mann-Whitney U), and exits 1 if any p-value is below 0.001 after a
Bonferroni correction over all the tests it printed.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd
from scipy import stats
from tqdm import tqdm

import bargaining
from bargaining.scenario import bundled

ALPHA = 0.001


BATCH = 1000  # seeds per run_batch call: a progress bar that moves, and bounded memory


def parse_case(case: str) -> tuple[str, list[str]]:
    """Scenario name and overrides of ``name?path=value&path=value`` (no ``?``: no overrides)."""
    name, _, rest = case.partition("?")
    return name, [o for o in rest.split("&") if o]


def runs(scenario: bargaining.Scenario, seeds: range):
    """(seed, outcome, round, utilities in the scenario's order of countries) of every seed."""
    if hasattr(bargaining, "run_batch"):
        for start in range(seeds.start, seeds.stop, BATCH):
            batch = bargaining.run_batch(scenario, range(start, min(start + BATCH, seeds.stop)))
            yield from zip(batch.seeds.tolist(), map(str, batch.outcome), batch.round.tolist(),
                           batch.utilities.tolist(), strict=True)
    else:
        for seed in seeds:
            r = bargaining.run(scenario, seed=seed, record=False)
            yield seed, str(r.outcome), r.round, [r.utilities[c] for c in scenario.countries]


def table(out: str, seeds: int, cases: list[str]) -> None:
    """Write one row per (case, seed) to ``out``."""
    scenarios = [bargaining.load_scenario(*parse_case(case)) for case in cases]
    rows = []
    with tqdm(total=len(cases) * seeds, unit="run") as bar:
        for case, scenario in zip(cases, scenarios, strict=True):
            bar.set_description(case)
            for seed, outcome, end, utilities in runs(scenario, range(seeds)):
                rows.append({"scenario": case, "seed": seed, "outcome": outcome, "round": end,
                             **{f"u_{i}": u for i, u in enumerate(utilities)}})
                bar.update()
    pd.DataFrame(rows).to_csv(out, index=False, float_format="%.17g")


def outcome_test(old: pd.Series, new: pd.Series) -> tuple[str, float] | None:
    """Test of the outcome x table contingency table; None when both tables have one and the same outcome."""
    counts = pd.crosstab(pd.concat([old, new]), np.repeat(["old", "new"], [len(old), len(new)]))
    if len(counts) == 1:
        return None
    expected = stats.contingency.expected_freq(counts.to_numpy())
    if counts.shape == (2, 2) and expected.min() < 5:
        return "Fisher exact", stats.fisher_exact(counts.to_numpy()).pvalue
    return "chi-square", stats.chi2_contingency(counts.to_numpy()).pvalue


def two_sample(old: np.ndarray, new: np.ndarray, label: str, test) -> tuple[str, float]:
    """Name and p-value of ``test``; for two constant samples (where the tests give NaN) p = 1 if the constants are
    equal up to 1e-9 (a batched engine may sum in another order), 0 if not; 0 if either has a missing value."""
    if np.isnan(old).any() or np.isnan(new).any():
        return "missing values", 0.0
    if np.ptp(old) == 0 and np.ptp(new) == 0:
        return ("constant, equal", 1.0) if abs(old[0] - new[0]) <= 1e-9 else ("constant, differs", 0.0)
    return label, float(test(old, new).pvalue)


def compare(old_path: str, new_path: str) -> int:
    """Print the tests of every case; 1 if any differs after the Bonferroni correction, else 0."""
    old_all, new_all = (pd.read_csv(p, float_precision="round_trip") for p in (old_path, new_path))
    missing = set(old_all.scenario) ^ set(new_all.scenario)
    if missing:
        print(f"cases in only one table: {', '.join(sorted(missing))}")
        return 1
    lines = []  # (case, what, old, new, test, p)
    for name in sorted(set(old_all.scenario)):
        old, new = old_all[old_all.scenario == name], new_all[new_all.scenario == name]
        test = outcome_test(old.outcome, new.outcome)
        shares = pd.concat([old.outcome.value_counts(normalize=True), new.outcome.value_counts(normalize=True)],
                           axis=1, keys=["old", "new"]).fillna(0)
        lines.append((name, "outcome shares", "", "", *(test or ("one outcome: no test", None))))
        lines += [(name, f"  {outcome}", f"{a:.4f}", f"{b:.4f}", "", None) for outcome, (a, b) in shares.iterrows()]
        for u in [c for c in old.columns if c.startswith("u_") and old[c].notna().any()]:
            a, b = old[u].to_numpy(), new[u].to_numpy()
            welch = two_sample(a, b, "Welch t", lambda x, y: stats.ttest_ind(x, y, equal_var=False))
            lines.append((name, f"mean {u}", f"{a.mean():.4f}", f"{b.mean():.4f}", *welch))
        a, b = old["round"].to_numpy(), new["round"].to_numpy()
        mann_whitney = two_sample(a, b, "Mann-Whitney U", lambda x, y: stats.mannwhitneyu(x, y))
        lines.append((name, "round (mean)", f"{a.mean():.2f}", f"{b.mean():.2f}", *mann_whitney))
        lines.append((name, "runs", str(len(old)), str(len(new)), "", None))
    tests = sum(p is not None for *_, p in lines)
    print(f"{'':<26} {'old':>8} {'new':>8}  {'test':<20} {'p':>9} {'p x ' + str(tests):>9}")
    failed = []
    for i, (name, what, a, b, label, p) in enumerate(lines):
        if i == 0 or lines[i - 1][0] != name:
            print(f"\n{name}")
        ps = ""
        if p is not None:
            adjusted = min(1.0, p * tests)
            ps = f"{p:9.3g} {adjusted:9.3g}" + ("  <- differs" if adjusted < ALPHA else "")
            if adjusted < ALPHA:
                failed.append(f"{name} {what}")
        print(f"  {what:<24} {a:>8} {b:>8}  {label:<20} {ps}")
    print(f"\nBonferroni correction over the {tests} tests above (p x {tests}); a difference is a corrected "
          f"p-value below {ALPHA}.")
    if failed:
        print(f"DIFFERENT: {len(failed)} of {tests} tests ({', '.join(failed)})")
        return 1
    print("SAME: no test finds a difference")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("table", help="run seeds 0..N-1 of every case, one CSV row per run")
    t.add_argument("--out", required=True, help="CSV file to write")
    t.add_argument("--seeds", type=int, required=True, help="number of seeds, 0..N-1")
    t.add_argument("--cases", "--scenarios", nargs="+", default=list(bundled()),
                   help="bundled scenarios, each with optional overrides: 'name?path=value&path=value' (default: all)")
    c = sub.add_parser("compare", help="two-sample tests of two tables, per case")
    c.add_argument("old")
    c.add_argument("new")
    args = parser.parse_args(argv)
    if args.command == "table":
        table(args.out, args.seeds, args.cases)
        return 0
    return compare(args.old, args.new)


if __name__ == "__main__":
    sys.exit(main())
