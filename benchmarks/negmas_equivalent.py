"""The 4-issue NAFTA negotiation in NegMAS, timed: negotiations per second, median of repeats.

NOT run with the project's .venv and not imported by the test suite: it needs NegMAS, which lives in a
virtualenv of its own, outside the repository (NegMAS supports Python 3.11-3.13; 3.13.0 is the
interpreter of the project's .venv, so both tools run on the same Python)::

    $(pyenv root)/versions/3.13.0/bin/python3 -m venv /root/.cache/negmas-venv
    /root/.cache/negmas-venv/bin/pip install 'negmas==0.16.0'
    /root/.cache/negmas-venv/bin/python benchmarks/negmas_equivalent.py [--runs 300 --repeats 5 --steps 20]

and, for the same 4 issues in bargaining (same machine, one process)::

    .venv/bin/python benchmarks/negmas_equivalent.py --bargaining [--runs 300 --repeats 5]

Both print markdown rows for BENCHMARKS.md: negotiations (runs) per second of wall-clock time and of
the process's CPU time (less sensitive to other load on the machine), rounds per negotiation and rounds
per second. Without NegMAS installed the NegMAS mode says so and exits with status 1.

What NegMAS negotiates (read from benchmarks/nafta_4_issues.toml, so the preferences are the same ones
bargaining uses):

* 3 parties (US, CA, MX) in one multilateral SAO mechanism (`SAOMechanism`, default: every step is a full
  round in which each negotiator in turn accepts the standing offer or counter-offers; a deal needs all
  the others to accept);
* 4 issues: auto regional value content 50-85 % and U.S.-specific content 0-50 % (continuous in bargaining,
  discretised here in steps of 2.5 and 5 points: 15 x 11 values, because NegMAS's time-based negotiators
  invert the utility function over an enumerable outcome space), sunset and dispute settlement (3 levels
  each); 15 x 11 x 3 x 3 = 1,485 outcomes;
* linear additive utilities (`LinearAdditiveUtilityFunction`) with bargaining's value functions:
  v(x) = 1 - |x - ideal| / reach on the normalised issue, weights as in the file; a red line is encoded
  as a value of -10 on the forbidden levels, which puts every package that breaks it far below the
  reserved value, so it is never offered or accepted;
* reserved value = bargaining's opening walk-away value: the U.S. max(termination, u(status quo)), the
  partners p * termination + (1 - p) * u(status quo) with their belief p (no belief noise);
* time-based concession (`AspirationNegotiator`, polynomial aspiration from the best outcome down to
  the reserved value) with exponent 1 / beta from the file: U.S. 3.3 and Canada 2 (Boulware), Mexico 1
  (Linear) -- the same Faratin et al. curve bargaining uses. Two cases are timed:

  1. stock: the curve runs over NegMAS's relative time, so each negotiator reaches its reserve only at
     the step limit ``--steps`` (20 rounds by default). On this scenario the U.S. (Boulware) is then
     still above its reserve when time runs out, and no negotiation ends in a deal: every one plays
     all 20 rounds;
  2. deadline-matched: the same negotiator with the curve rescaled so that it reaches the reserve at
     bargaining's deadline round (8; Mexico 12) and holds it, in a negotiation of ``horizon_round`` (24)
     steps, as in bargaining. Every negotiation ends in a deal at about round 8, like bargaining's.

Each negotiation is seeded (Python's and numpy's RNG) and shuffles who sits first at the table; the
utility functions are built once (as bargaining builds its scenario once), the negotiators and the
mechanism for every negotiation (as bargaining builds its model for every run).

Not the same (caveats for the comparison): NegMAS has no withdrawal threat, belief dynamics or
aspiration noise (bargaining's walk-away values move with beliefs; NegMAS's reserved values are fixed);
NegMAS offers the worst outcome of the 1,485 still above its aspiration (no opponent model), where
bargaining cuts a precomputed logrolling concession path over continuous issues; in SAO a counter-offer
ends the answers to the standing offer, where bargaining asks every partner; NegMAS shuffles the seating
once per negotiation, bargaining every round. NegMAS builds each negotiator's outcome inverter (a
presort of the outcomes) in every negotiation; bargaining shares its concession paths across runs.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
import tomllib
from pathlib import Path

SCENARIO = Path(__file__).with_name("nafta_4_issues.toml")
STEPS = {"auto_rvc": 2.5, "us_content": 5.0}  # discretisation of the continuous issues, in natural units
RED_LINE_VALUE = -10.0  # value of a level beyond a red line: any such package is far below every reserve


def _val(x):
    """A scenario number may be written as ``{ value = ..., source = ... }``."""
    return x["value"] if isinstance(x, dict) else x


# --------------------------------------------------------------------------------------------------
# The scenario, from the TOML file (plain Python: works in either venv)
# --------------------------------------------------------------------------------------------------

def load_spec(path: Path = SCENARIO) -> dict:
    """Issues (with their discrete values and normalised positions) and countries from the TOML file."""
    raw = tomllib.loads(path.read_text())
    issues = {}
    for name, spec in raw["issues"].items():
        if spec["kind"] == "ordinal":
            values = list(spec["levels"])
            pos = {v: i / (len(values) - 1) for i, v in enumerate(values)}
        else:
            lo, hi = _val(spec["bounds"])
            n = round((hi - lo) / STEPS[name])
            values = [lo + i * STEPS[name] for i in range(n + 1)]
            pos = {v: (v - lo) / (hi - lo) for v in values}
        issues[name] = {"values": values, "pos": pos, "status_quo": _val(spec["status_quo"])}

    def position(name: str, value) -> float:
        """Natural value or level label -> position in [0, 1], as bargaining.issues does."""
        spec = raw["issues"][name]
        if spec["kind"] == "ordinal":
            return spec["levels"].index(value) / (len(spec["levels"]) - 1)
        lo, hi = _val(spec["bounds"])
        return (value - lo) / (hi - lo)

    countries = {}
    for code, c in raw["countries"].items():
        countries[code] = {
            "ideal": {k: position(k, _val(v)) for k, v in c["ideal"].items()},
            "weights": {k: float(_val(v)) for k, v in c["weights"].items()},
            "red_lines": {k: position(k, _val(v)) for k, v in c.get("red_lines", {}).items()},
            "termination": float(_val(c["termination_value"])),
            "belief": float(_val(c["belief"])) if "belief" in c else None,
            "beta": float(_val(c["strategy"]["beta"])),
            "deadline": int(_val(c["strategy"].get("deadline", raw["protocol"]["deadline_round"]))),
        }
    return {"issues": issues, "countries": countries, "threatener": raw.get("threat", {}).get("country"),
            "horizon": int(_val(raw["protocol"]["horizon_round"]))}


def value_table(issue: dict, ideal: float, red_line: float | None) -> dict:
    """bargaining's linear value function v = 1 - |x - ideal| / reach, tabled over the issue's values;
    values outside the red-line interval (bargaining.preferences.red_line_interval) get RED_LINE_VALUE."""
    reach = max(ideal, 1.0 - ideal, 1e-12)
    if red_line is None:
        lo, hi = 0.0, 1.0
    elif red_line == ideal:
        lo, hi = ideal, ideal
    else:
        lo, hi = (0.0, red_line) if red_line > ideal else (red_line, 1.0)
    table = {}
    for v in issue["values"]:
        x = issue["pos"][v]
        inside = lo - 1e-9 <= x <= hi + 1e-9
        table[v] = 1.0 - abs(x - ideal) / reach if inside else RED_LINE_VALUE
    return table


def utility(spec: dict, code: str, package: dict) -> float:
    c, issues = spec["countries"][code], spec["issues"]
    return sum(c["weights"][k] * value_table(issues[k], c["ideal"][k], c["red_lines"].get(k))[package[k]]
               for k in issues)


def reserved_values(spec: dict) -> dict[str, float]:
    """bargaining's opening walk-away values (preferences.walk_away_values without belief noise)."""
    sq = {k: i["status_quo"] for k, i in spec["issues"].items()}
    out = {}
    for code, c in spec["countries"].items():
        u_sq = utility(spec, code, sq)
        if code == spec["threatener"]:
            out[code] = max(c["termination"], u_sq)
        else:
            p = c["belief"] or 0.0
            out[code] = p * c["termination"] + (1 - p) * u_sq
    return out


# --------------------------------------------------------------------------------------------------
# NegMAS
# --------------------------------------------------------------------------------------------------

def build_negmas(spec: dict):
    """The outcome space and each country's linear additive utility function (built once)."""
    from negmas import make_issue, make_os
    from negmas.preferences import LinearAdditiveUtilityFunction, TableFun

    names = list(spec["issues"])
    os_ = make_os([make_issue(spec["issues"][k]["values"], name=k) for k in names])
    reserved = reserved_values(spec)
    ufuns = {}
    for code, c in spec["countries"].items():
        ufuns[code] = LinearAdditiveUtilityFunction(
            values=[TableFun(value_table(spec["issues"][k], c["ideal"][k], c["red_lines"].get(k))) for k in names],
            weights=[c["weights"][k] for k in names],
            outcome_space=os_, reserved_value=reserved[code], name=code)
    return os_, ufuns


def deadline_aspiration(exponent: float, deadline: int, n_steps: int):
    """bargaining's time-dependent curve as a NegMAS `Aspiration`: the same polynomial, but reaching the
    reserved value at the country's deadline round (not at the end of the negotiation) and holding it.

    NegMAS's relative time in round r (1-based) of an ``n_steps`` negotiation is r / (n_steps + 1);
    bargaining's is (r - 1) / (deadline - 1)."""
    from negmas.negotiators.helpers import PolyAspiration

    class DeadlineAspiration(PolyAspiration):
        def utility_at(self, t: float) -> float:
            r = t * (n_steps + 1)
            return super().utility_at(min(1.0, max(0.0, (r - 1.0) / max(deadline - 1, 1))))

    return DeadlineAspiration(1.0, float(exponent))


def negotiate(spec: dict, os_, ufuns: dict, seed: int, steps: int, deadlines: bool):
    """One seeded SAO negotiation with 3 time-based negotiators; returns the final mechanism state.

    ``deadlines`` False: stock `AspirationNegotiator` (concedes to its reserve at the end, step ``steps``);
    True: the same negotiator with `deadline_aspiration` (reserve at bargaining's deadline rounds)."""
    import numpy as np
    from negmas import SAOMechanism
    from negmas.sao import AspirationNegotiator

    random.seed(seed)
    np.random.seed(seed)
    order = list(ufuns)
    random.shuffle(order)
    mechanism = SAOMechanism(outcome_space=os_, n_steps=steps)
    for code in order:
        c = spec["countries"][code]
        curve = deadline_aspiration(1.0 / c["beta"], c["deadline"], steps) if deadlines else 1.0 / c["beta"]
        mechanism.add(AspirationNegotiator(name=code, aspiration_type=curve), ufun=ufuns[code])
    return mechanism.run()


def negmas_rate(runs: int, repeats: int, steps: int, deadlines: bool) -> tuple[float, dict]:
    spec = load_spec()
    os_, ufuns = build_negmas(spec)
    negotiate(spec, os_, ufuns, seed=2**31 - 1, steps=steps, deadlines=deadlines)  # warm-up
    rates, cpu_rates, states = [], [], []
    for r in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        for seed in range(runs):
            states.append(negotiate(spec, os_, ufuns, seed=r * runs + seed, steps=steps, deadlines=deadlines))
        rates.append(runs / (time.perf_counter() - start))
        cpu_rates.append(runs / (time.process_time() - cpu))
    deals = [s for s in states if s.agreement is not None]
    info = {
        "per CPU-second (median)": round(statistics.median(cpu_rates)),
        "wall-clock rates of the batches": [round(x) for x in rates],
        "deal share": len(deals) / len(states),
        "mean rounds (SAO steps)": round(statistics.mean(s.step for s in states), 2),
        "agreement (seed 0)": states[0].agreement,
        "utilities (seed 0)": {c: round(float(u(states[0].agreement)), 3) for c, u in ufuns.items()}
        if states[0].agreement is not None else None,
    }
    return statistics.median(rates), info


# --------------------------------------------------------------------------------------------------
# bargaining, same file
# --------------------------------------------------------------------------------------------------

def bargaining_rate(runs: int, repeats: int) -> tuple[float, dict]:
    import bargaining

    scenario = bargaining.load_scenario(SCENARIO)
    bargaining.run(scenario, seed=0, record=False)  # warm-up, builds the shared concession paths
    rates, cpu_rates, results = [], [], []
    for r in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        for seed in range(runs):
            results.append(bargaining.run(scenario, seed=r * runs + seed, record=False))
        rates.append(runs / (time.perf_counter() - start))
        cpu_rates.append(runs / (time.process_time() - cpu))
    batched = []
    for r in range(repeats):  # the same negotiation, 10,000 seeds at once (one engine; each is its run())
        cpu = time.process_time()
        bargaining.run_batch(scenario, range(r * 10_000, (r + 1) * 10_000))
        batched.append(10_000 / (time.process_time() - cpu))
    info = {
        "per CPU-second (median)": round(statistics.median(cpu_rates)),
        "per CPU-second in batches of 10,000 (run_batch, median)": round(statistics.median(batched)),
        "wall-clock rates of the batches": [round(x) for x in rates],
        "deal share": sum(x.outcome == "deal" for x in results) / len(results),
        "mean rounds": round(statistics.mean(x.round for x in results), 2),
        "agreement (seed 0)": results[0].agreement,
        "utilities (seed 0)": {c: round(u, 3) for c, u in results[0].utilities.items()},
    }
    return statistics.median(rates), info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300, help="seeded negotiations per batch")
    parser.add_argument("--repeats", type=int, default=5, help="batches; the median rate is printed")
    parser.add_argument("--steps", type=int, default=20, help="step (round) limit of the stock NegMAS case")
    parser.add_argument("--bargaining", action="store_true",
                        help="time bargaining (run with the project's .venv) instead of NegMAS")
    args = parser.parse_args()

    rows = []  # (case, rate, rounds per negotiation, info)
    if args.bargaining:
        try:
            import bargaining
        except ImportError:
            sys.exit("bargaining is not installed in this Python: run --bargaining with the project's "
                     ".venv/bin/python")
        rate, info = bargaining_rate(args.runs, args.repeats)
        rows.append((f"bargaining {bargaining.__version__}: nafta_4_issues.toml, alternating offers, "
                     f"record=False", rate, info["mean rounds"], info))
        unit = "runs/s"
    else:
        try:
            import negmas
        except ImportError:
            sys.exit("NegMAS is not installed in this Python. This script runs in a separate virtualenv, not "
                     "in the project's .venv:\n    $(pyenv root)/versions/3.13.0/bin/python3 -m venv "
                     "/root/.cache/negmas-venv\n    /root/.cache/negmas-venv/bin/pip install 'negmas==0.16.0'\n"
                     "    /root/.cache/negmas-venv/bin/python benchmarks/negmas_equivalent.py\n"
                     "(bargaining on the same 4 issues: .venv/bin/python benchmarks/negmas_equivalent.py "
                     "--bargaining)")
        horizon = load_spec()["horizon"]
        for deadlines, steps, what in (
                (False, args.steps, f"stock AspirationNegotiators (reserve at the end), n_steps={args.steps}"),
                (True, horizon, f"AspirationNegotiators with bargaining's deadlines (reserve at round 8, MX 12), "
                                f"n_steps={horizon}")):
            rate, info = negmas_rate(args.runs, args.repeats, steps, deadlines)
            rows.append((f"NegMAS {negmas.__version__}: SAOMechanism, 3 {what}", rate,
                         info["mean rounds (SAO steps)"], info))
        unit = "negotiations/s"

    print(f"Python {platform.python_version()}, {platform.machine()}, one process; "
          f"median of {args.repeats} batches of {args.runs} seeded negotiations\n")
    for case, _, _, info in rows:
        print(case)
        for key, value in info.items():
            print(f"  {key}: {value}")
    print(f"\n| case | {unit} | per CPU-second | rounds per negotiation | rounds/s |\n|---|---:|---:|---:|---:|")
    for case, rate, rounds, info in rows:
        print(f"| {case} | {rate:,.0f} | {info['per CPU-second (median)']:,} | {rounds:.1f} | {rate * rounds:,.0f} |")


if __name__ == "__main__":
    main()
