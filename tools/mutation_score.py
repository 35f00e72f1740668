"""Mutation score of the last ``mutmut run`` (``make mutate``), per module and overall.

mutmut keeps each mutated module's results in ``mutants/<path>.meta`` (JSON: mutant name -> exit code of
its test run). A mutant counts as killed when a test failed under it or it timed out (an endless loop the
tests exposed); survived, "no tests" (no selected test calls the function) and anything else count
against the score. The score is killed / total. A run stopped early (mutmut resumes it: ``mutmut run``
without removing mutants/) leaves mutants "not checked"; the score of those checked is then shown too.

Usage: python tools/mutation_score.py [--survivors] [--root mutants]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

KILLED = {"killed", "timeout"}


def module_counts(meta: Path) -> tuple[Counter, list[str]]:
    """Status -> count for one module's .meta file, and the names of its surviving mutants."""
    exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
    statuses = {name: status_by_exit_code[code] for name, code in exit_codes.items()}
    return Counter(statuses.values()), sorted(name for name, s in statuses.items() if s == "survived")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("mutants"), help="mutmut's work directory")
    parser.add_argument("--survivors", action="store_true", help="also list the surviving mutants")
    args = parser.parse_args(argv)
    metas = sorted(args.root.rglob("*.py.meta"))
    if not metas:
        print(f"no mutmut results under {args.root}/: run 'make mutate' first", file=sys.stderr)
        return 1
    rows, total, survivors = [], Counter(), []
    for meta in metas:
        counts, survived = module_counts(meta)
        if not counts:
            continue  # a module without functions to mutate (e.g. strategies/__init__.py)
        rows.append((str(meta.relative_to(args.root)).removesuffix(".meta"), counts))
        total += counts
        survivors += survived
    header = (f"{'module':<40} {'killed':>7} {'survived':>9} {'no tests':>9} {'unchecked':>10} {'other':>6} "
              f"{'total':>6} {'score':>7}")
    print(header)
    print("-" * len(header))
    for name, counts in [*rows, ("all", total)]:
        killed = sum(counts[s] for s in KILLED)
        n = sum(counts.values())
        other = n - killed - counts["survived"] - counts["no tests"] - counts["not checked"]
        if name == "all":
            print("-" * len(header))
        print(f"{name:<40} {killed:>7} {counts['survived']:>9} {counts['no tests']:>9} {counts['not checked']:>10} "
              f"{other:>6} {n:>6} {100 * killed / n:>6.1f}%")
    killed, n = sum(total[s] for s in KILLED), sum(total.values())
    print(f"\nmutation score: {killed} / {n} killed = {100 * killed / n:.1f} %  (killed includes "
          f"{total['timeout']} timeouts)")
    if total["not checked"]:
        checked = n - total["not checked"]
        print(f"incomplete run: {total['not checked']} mutants not checked; of the {checked} checked, "
              f"{killed} killed = {100 * killed / checked:.1f} %")
    if args.survivors:
        print("\nsurvivors (mutmut show NAME for the diff):")
        print("\n".join(f"  {s}" for s in survivors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
