"""Write the golden outputs: ``bargaining show SCENARIO --json`` and ``bargaining run SCENARIO --seed S --json``
for every bundled scenario, seeds 0-19, every protocol, and the scenario's own strategies and a few library
strategies (every country playing it).

    python tests/golden/generate.py > tests/golden/runs.txt      # after a change that is meant to alter results
    python tests/golden/generate.py --every 40                   # the shows and every 40th run (a sample)

The list of cases is written out here, not read from the registries, so a new strategy or protocol does not change
the file. ``tests/test_golden.py`` runs this script with several BLAS threads and compares its output with
``runs.txt`` byte for byte; ``tests/test_reproducible.py`` runs a sample (``--every``) under several OpenBLAS
kernels: the efficiency columns' solvers use no BLAS on the way to a result (docs/theory.md, the Nash polish).
"""

from __future__ import annotations

import contextlib
import io
import sys

from bargaining.cli import main

SCENARIOS = {
    "nafta-2017": ("US", "CA", "MX"),
    "pie-split": ("A", "B"),
}
PROTOCOLS = ("alternating_offers", "single_text", "bilateral_first")
STRATEGIES = (None, "boulware", "conceder", "hard_liner", "tit_for_tat_relative", "tit_for_tat_absolute",
              "opponent_model")
EXTRA = {"pie-split": ("rubinstein",)}
# Overrides that reach the other outcomes (a credible threat and notice, resumed ratification, a country left out),
# each run with the scenario's own strategies under every protocol.
VARIANTS = {"nafta-2017": (
    ("US.termination_value=0.6",),
    ("US.termination_value=0.3", "ratification.on_failure=resume"),
    ("US.termination_value=0.6", "CA.red_lines.auto_rvc=70"),
)}
SEEDS = range(20)


def cases():
    """(label, argv) of every golden run, after each scenario's ``show --json``."""
    for scenario, countries in SCENARIOS.items():
        yield f"{scenario} show", ["show", scenario, "--json"]
        for protocol in PROTOCOLS:
            for strategy in (*STRATEGIES, *EXTRA.get(scenario, ())):
                sets = [f"protocol.name={protocol}"]
                if strategy is not None:
                    sets += [f"{c}.strategy.name={strategy}" for c in countries]
                yield from _seeded(scenario, f"{protocol} {strategy or 'scenario'}", sets)
            for variant in VARIANTS.get(scenario, ()):
                yield from _seeded(scenario, f"{protocol} {' '.join(variant)}", [f"protocol.name={protocol}", *variant])


def _seeded(scenario, label, sets):
    for seed in SEEDS:
        argv = ["run", scenario, "--seed", str(seed), "--json"]
        for s in sets:
            argv += ["--set", s]
        yield f"{scenario} {label} seed {seed}", argv


def generate(out=sys.stdout, every: int = 1) -> None:
    """Write the cases; with ``every`` > 1 only the ``show`` cases and every ``every``-th run."""
    for n, (label, argv) in enumerate(cases()):
        if argv[0] != "show" and n % every:
            continue
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            code = main(argv)
        out.write(f"## {label} (exit {code})\n{buffer.getvalue()}")


if __name__ == "__main__":
    generate(every=int(sys.argv[2]) if sys.argv[1:2] == ["--every"] else 1)
