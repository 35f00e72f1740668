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
