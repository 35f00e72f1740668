"""Score a forecast against facts that came later: the outcome's log score and the error per issue.

* **Outcome**: the log score ln p(outcome) (Good 1952; higher is better, 0 is certainty of what happened),
  p smoothed by adding half a run to every outcome (Jeffreys), so that an outcome no run produced scores
  finitely; and the distance in months between the forecast's median month and the outcome's month.
* **Agreement**: per issue, the absolute error of the forecast's median agreed value (given an agreement) on
  the scale 0 = status quo, 1 = the opening demand (the ideal farthest from the status quo); their mean is
  the mean absolute error.

Only facts of kinds ``outcome`` and ``agreed`` dated after the forecast's cut-off count: the forecast did not
know them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UsageError
from ..issues import Issue
from ..outcomes import Outcome
from ..scenario import Scenario
from .abc import load_problem, weighted_quantiles
from .forecast import load_forecast
from .observations import Agreed, Ended, load_observations


def demand_scale(scenario: Scenario, issue: Issue):
    """Natural value -> 0 at the status quo, 1 at the opening demand farthest from it.

    Raises:
        UsageError: The issue has no status quo, or is categorical (its options are not ordered).
    """
    if issue.status_quo is None or issue.kind == "categorical":
        why = "has no status quo" if issue.status_quo is None else "is categorical (its options are unordered)"
        raise UsageError(f"{scenario.name}: agreed facts are scored on the scale from the status quo to the opening "
                         f"demand; issue {issue.name} {why}")
    sq = issue.normalise(issue.status_quo)
    ideals = list(scenario.preferences.ideal[:, scenario.space.index(issue.name)])
    demand = max(ideals, key=lambda x: abs(x - sq))
    span = demand - sq if demand != sq else 1.0
    return lambda value: (issue.normalise(value) - sq) / span


def score(out: str | Path, facts_path: str | Path) -> dict:
    """Score the forecast in ``out`` against the later facts in ``facts_path`` (an observations file).

    Returns:
        ``cutoff``, ``facts`` (ids scored), ``outcome`` (fact, probability, log_score, month_error) or None,
        ``issues`` (per issue: actual, forecast, abs_error on the demand scale) and ``mae``.

    Raises:
        UsageError: No forecast in ``out``, or no outcome or agreed fact dated after its cut-off.
    """
    problem, manifest = load_problem(out)
    _, runs = load_forecast(out)
    scenario = problem.scenario
    facts = load_observations(facts_path, scenario)
    cutoff = manifest["cutoff"]
    later = [(f, r) for f, r in zip(facts.facts, facts.rounds, strict=True)
             if f.date > cutoff and isinstance(f, Ended | Agreed)]
    if not later:
        raise UsageError(f"{facts_path}: expected an outcome or agreed fact dated after the forecast's cut-off "
                         f"{cutoff}, found none")
    posterior = runs[(runs["side"] == "posterior") & (runs["weight"] > 0)]
    w = posterior["weight"].to_numpy()
    result: dict = {"cutoff": cutoff, "facts": [f.id for f, _ in later], "outcome": None, "issues": {}}
    for fact, round_ in later:
        if isinstance(fact, Ended):
            n = len(posterior)
            share = float(w[posterior["outcome"].to_numpy() == str(fact.outcome)].sum())
            p = (share * n + 0.5) / (n + 0.5 * len(Outcome))
            median = weighted_quantiles(posterior["round"].to_numpy(dtype=float), w, [0.5])[0]
            result["outcome"] = {"fact": fact.id, "outcome": str(fact.outcome), "probability": p,
                                 "log_score": math.log(p), "month_error": abs(float(median) - round_)}
    signed = posterior[posterior["outcome"].isin([str(o) for o in Outcome if o.signed])]
    for fact, _ in later:
        if not isinstance(fact, Agreed):
            continue
        issue = next(i for i in scenario.space if i.name == fact.issue)
        scale = demand_scale(scenario, issue)
        actual = scale(fact.level if fact.level is not None else fact.value)
        if signed.empty:
            result["issues"][issue.name] = {"actual": actual, "forecast": None, "abs_error": None}
            continue
        x = np.array([scale(v if issue.discrete else float(v)) for v in signed[f"agreed.{issue.name}"]])
        median = float(weighted_quantiles(x, signed["weight"].to_numpy(), [0.5])[0])
        result["issues"][issue.name] = {"actual": actual, "forecast": median, "abs_error": abs(median - actual)}
    errors = [v["abs_error"] for v in result["issues"].values() if v["abs_error"] is not None]
    result["mae"] = float(np.mean(errors)) if errors else None
    return result


def text(result: dict) -> str:
    lines = [f"scored against {len(result['facts'])} facts dated after the cut-off {result['cutoff']}"]
    o = result["outcome"]
    if o is not None:
        lines.append(f"outcome {o['outcome']}: forecast probability {o['probability']:.3f}, log score "
                     f"{o['log_score']:.3f}; median month {o['month_error']:.0f} months off")
    if result["issues"]:
        lines.append("agreed package, 0 = status quo, 1 = opening demand: forecast median vs what was agreed")
        rows = [[name, "-" if v["forecast"] is None else f"{v['forecast']:.2f}", f"{v['actual']:.2f}",
                 "-" if v["abs_error"] is None else f"{v['abs_error']:.2f}"] for name, v in result["issues"].items()]
        frame = pd.DataFrame(rows, columns=["issue", "forecast", "agreed", "abs error"])
        lines.append(frame.to_string(index=False))
        if result["mae"] is not None:
            lines.append(f"mean absolute error: {result['mae']:.3f}")
    return "\n".join(lines)


def _batch(model, draws: list[dict], seeds: list[int]) -> np.ndarray:
    """A task: ``simulate_batch`` of the problem a pickled ``abc._Model`` carries."""
    from .abc import simulate_batch

    return simulate_batch(model.problem, draws, seeds)


def score_held_back(out: str | Path, replications: int = 4, workers: int | None = 1, progress: bool = True) -> dict:
    """Score a calibration on its own facts dated after its cut-off (the facts it held back), whatever their kind.

    The posterior's runs are the forecast's (each accepted set with its own seed and ``replications`` new seeds,
    kept when their path to the cut-off is no farther from the facts used than the farthest accepted run, the set's
    weight shared among its kept runs); the prior's are the prior sample's own runs. A held-back fact's forecast
    probability p is the weighted share of runs that reproduce it (miss 0), smoothed by half a run each way
    (Jeffreys), and its log score is ln p (Good 1952; 0 is certainty of what happened). The mean over the facts
    compares methods: a higher mean log score forecast the later facts better.

    Returns:
        ``cutoff``, ``facts`` (per held-back fact: id, date, fact, posterior and prior probability and log score,
        whether any run reproduced it), ``mean_log_score`` (posterior, prior), the same without the facts no run
        reproduced (``mean_log_score_reproduced``: a fact no run reproduces scores ln(0.5 / (runs + 1)), which
        depends on the number of runs, not on the forecast) and the runs.

    Raises:
        UsageError: The calibration held no fact back.
    """
    from concurrent.futures import as_completed

    from tqdm import tqdm

    from ..experiment.executors import open_executor
    from .abc import Problem, _Model, distance

    problem, manifest = load_problem(out)
    obs = problem.observations
    if not obs.held_back:
        raise UsageError(f"{out}: the calibration held no fact back (every fact is dated no later than its cut-off "
                         f"{obs.cutoff}): calibrate with an earlier --cutoff")
    every = Problem(problem.scenario, obs.with_cutoff(max(f.date for f in obs.facts)), problem.priors)
    used = [every.observations.used.index(n) for n in obs.used]
    later = [every.observations.used.index(n) for n in obs.held_back]
    columns = problem.priors.columns
    items = []  # (side, set, set weight, overrides, seed)
    for side, name, extra in (("posterior", "accepted.parquet", replications), ("prior", "prior.parquet", 0)):
        frame = pd.read_parquet(Path(out) / name)
        matrix = frame[columns].to_numpy(dtype=float)
        for n, (weight, seed) in enumerate(zip(frame["weight"], frame["seed"], strict=True)):
            seeds = [int(seed)] + [int(np.random.SeedSequence([manifest["seed"], 7, n, k]).generate_state(1)[0])
                                   for k in range(extra)]
            items += [(side, n, float(weight), dict(zip(columns, map(float, matrix[n]), strict=True)), s)
                      for s in seeds]
    chunk = 25
    misses = np.empty((len(items), len(every.observations.used)))
    model = _Model(every)
    with open_executor(workers) as backend, tqdm(total=len(items), desc="held-back facts", unit="run",
                                                 disable=not progress, leave=False) as bar:
        futures = {backend.executor.submit(_batch, model, [it[3] for it in items[i:i + chunk]],
                                           [it[4] for it in items[i:i + chunk]]): i
                   for i in range(0, len(items), chunk)}
        for future in as_completed(futures):
            block = future.result()
            misses[futures[future]:futures[future] + len(block)] = block
            bar.update(len(block))
    runs = pd.DataFrame({"side": [it[0] for it in items], "set": [it[1] for it in items],
                         "set_weight": [it[2] for it in items]})
    weights = obs.weights()
    runs["distance"] = [distance(m, weights) for m in misses[:, used]]
    epsilon = float(pd.read_parquet(Path(out) / "accepted.parquet")["distance"].max())
    runs["kept"] = (runs["side"] == "prior") | (runs["distance"] <= epsilon + 1e-12)
    kept = runs[runs["kept"]]
    runs["weight"] = 0.0
    runs.loc[kept.index, "weight"] = kept["set_weight"] / kept.groupby(["side", "set"])["set"].transform("size")
    facts = []
    for j, n in zip(later, obs.held_back, strict=True):
        fact = obs.facts[n]
        row = {"id": fact.id, "date": fact.date, "fact": fact.describe()}
        for side in ("posterior", "prior"):
            mask = (runs["side"] == side).to_numpy() & (runs["weight"] > 0).to_numpy()
            w = runs["weight"].to_numpy()[mask]
            share = float(w[misses[mask, j] == 0].sum() / w.sum())
            p = (share * mask.sum() + 0.5) / (mask.sum() + 1)
            row[f"p_{side}"], row[f"log_score_{side}"] = p, math.log(p)
        row["reproduced_by_any"] = bool((misses[:, j] == 0).any())
        facts.append(row)
    some = [f for f in facts if f["reproduced_by_any"]]
    return {"cutoff": obs.cutoff, "method": manifest.get("method", "abc"), "facts": facts,
            "mean_log_score": {side: float(np.mean([f[f"log_score_{side}"] for f in facts]))
                               for side in ("posterior", "prior")},
            # without the facts no run reproduced: their smoothed p is 0.5 / (runs + 1), which ranks sides by
            # their number of runs rather than by what they forecast
            "mean_log_score_reproduced": {side: float(np.mean([f[f"log_score_{side}"] for f in some])) if some
                                          else None for side in ("posterior", "prior")},
            "runs": {"posterior": int((runs["side"] == "posterior").sum()),
                     "posterior_kept": int(runs[runs["side"] == "posterior"]["kept"].sum()),
                     "prior": int((runs["side"] == "prior").sum()), "epsilon": epsilon}}


def held_back_text(result: dict) -> str:
    lines = [f"{result['method'].upper()} calibration to {result['cutoff']}, scored on the {len(result['facts'])} "
             f"facts it held back: probability the forecast gave each (posterior, prior) and ln p",
             f"{'fact':60s} {'posterior':>10s} {'prior':>8s}"]
    for f in result["facts"]:
        lines.append(f"{(f['date'] + ' ' + f['fact'])[:60]:60s} {f['p_posterior']:10.2f} {f['p_prior']:8.2f}")
    m = result["mean_log_score"]
    lines.append(f"mean log score: posterior {m['posterior']:.3f}, prior {m['prior']:.3f} (higher is better)")
    r = result["mean_log_score_reproduced"]
    if r["posterior"] is not None and len(result["facts"]) > sum(f["reproduced_by_any"] for f in result["facts"]):
        lines.append(f"without the facts no run reproduced: posterior {r['posterior']:.3f}, prior {r['prior']:.3f}")
    return "\n".join(lines)
