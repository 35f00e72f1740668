"""Synthetic checks: facts simulated from known parameters, to see whether calibration recovers them.

:func:`synthetic_facts` writes what one run did as an observations file: in each chosen round, every country's
offer on every issue (a level, or a value within ``width`` of the range around it), whether a package was
signed and whether notice was given; after the cut-off, the outcome and the agreed package (to score against).
"""

from __future__ import annotations

from pathlib import Path

from ..scenario import Scenario
from ..simulate import Result, run
from .observations import Observations, parse_observations, toml_text


def synthetic_facts(scenario: Scenario, result: Result, cutoff_round: int, rounds: list[int] | None = None,
                    width: float = 0.05) -> dict:
    """The facts of one recorded run, as the dict of an observations file.

    Args:
        scenario: The scenario the run used.
        result: A run recorded with ``record=True``.
        cutoff_round: Facts up to this round are for calibration; the outcome comes after (if later).
        rounds: Rounds whose offers become facts (default: every round up to the cut-off).
        width: Half-width of a continuous fact's range, as a share of the issue's range.
    """
    source = {"source": f"synthetic run, seed {result.seed}", "quote": "simulated"}
    last = min(cutoff_round, result.round)
    facts = []
    frame = result.rounds
    for r in rounds or range(1, last + 1):
        if r > last:
            continue
        date = scenario.month(r)
        for row in frame[frame["round"] == r].itertuples(index=False):
            for issue in scenario.space:
                value = getattr(row, issue.name)
                if value != value:  # NaN: no offer
                    continue
                fact = {"kind": "tabled", "country": row.country, "issue": issue.name, "date": date, **source}
                if issue.discrete:
                    fact["level"] = issue.levels[int(value)]
                else:
                    lo, hi = issue.bounds
                    half = width * (hi - lo)
                    fact["between"] = [max(lo, value - half), min(hi, value + half)]
                facts.append(fact)
    cutoff = scenario.month(cutoff_round)
    if result.round > cutoff_round:
        facts.append({"kind": "no_agreement", "date": cutoff, **source})
    if scenario.spec.threat.country is not None:
        given = result.notice_round is not None and result.notice_round <= cutoff_round
        facts.append({"kind": "notice", "given": given, "date": cutoff, **source})
    if result.round > cutoff_round:
        facts.append({"kind": "outcome", "outcome": str(result.outcome), "date": result.month, **source})
        for name, value in (result.agreement or {}).items():
            key = "level" if isinstance(value, str) else "value"
            facts.append({"kind": "agreed", "issue": name, key: value, "date": result.month, **source})
    return {"scenario": scenario.name, "cutoff": cutoff, "facts": facts}


def synthetic_observations(scenario: Scenario, truth: dict, seed: int, cutoff_round: int,
                           rounds: list[int] | None = None) -> tuple[Observations, Result]:
    """Run ``scenario`` with the true parameters ``truth`` (overrides) and ``seed``; return its facts, checked."""
    result = run(scenario.with_overrides(truth), seed=seed, record=True)
    data = synthetic_facts(scenario.with_overrides(truth), result, cutoff_round, rounds)
    return parse_observations(data, scenario, f"synthetic (seed {seed})", toml_text(data)), result


def write_facts(data: dict, path: str | Path) -> Path:
    """Write an observations dict as a TOML file."""
    path = Path(path)
    path.write_text(toml_text(data))
    return path
