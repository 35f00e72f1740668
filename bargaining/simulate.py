"""The one entry point every front end uses: ``run(scenario, overrides, seed, record) -> Result``."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .model import NegotiationModel
from .outcomes import Outcome
from .scenario import Scenario, ScenarioError, load_scenario


@dataclass
class Result:
    """What one run produced.

    Attributes:
        scenario: Scenario name.
        seed: The seed it ran with.
        outcome: How the talks ended (an :class:`~bargaining.outcomes.Outcome`, which is also its name).
        round: Round of the outcome.
        month: Calendar month of that round (YYYY-MM); None for a scenario without a ``[calendar]``.
        agreement: Agreed package {issue: natural value or level label}; None unless a deal or bilateral.
        utilities: Country -> utility of the outcome.
        walk_away: Country -> walk-away value in the final round.
        notice_round: Round of the notice of withdrawal, or None.
        ratified: Country -> whether it ratified the final package (all False without a signed package).
        beliefs: Country -> its belief in the threat at the end of each round (None for the threatener).
        signatories: Countries that signed the agreement (all of them for a deal, some for
            ``"bilateral"``), None without one.
        supporters: Under a quota rule, the countries that voted for the agreed package (a deal binds the others
            too); None under unanimity or without an agreement.
        package: The agreed package as a normalised vector, None without a deal.
        rounds: Per round and country: aspiration, walk-away value, belief, utility of own offer, and the
            offer on every issue (natural value, or level index for ordinal issues). None if not recorded.
        domestic: Per round and constituency: country, kind and pressure (empty without constituencies).
        tabled: Every package tabled: round, proposer, one column per issue (natural values/labels) and
            each country's utility of it (``u_US``, ...).
    """

    scenario: str
    seed: int | None
    outcome: Outcome
    round: int
    month: str | None
    agreement: dict[str, float | str] | None
    utilities: dict[str, float]
    walk_away: dict[str, float]
    notice_round: int | None = None
    ratified: dict[str, bool] = field(default_factory=dict)
    beliefs: dict[str, list[float | None]] = field(default_factory=dict)
    signatories: list[str] | None = None
    supporters: list[str] | None = None
    package: np.ndarray | None = field(default=None, repr=False)
    rounds: pd.DataFrame | None = field(default=None, repr=False)
    tabled: pd.DataFrame | None = field(default=None, repr=False)
    domestic: pd.DataFrame | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no per-round records)."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "outcome": self.outcome,
            "round": self.round,
            "month": self.month,
            "notice_round": self.notice_round,
            "agreement": self.agreement,
            "signatories": self.signatories,
            **({} if self.supporters is None else {"supporters": self.supporters}),
            "utilities": self.utilities,
            "walk_away": self.walk_away,
            "ratified": self.ratified,
            "beliefs": self.beliefs,
        }


def run(
    scenario: Scenario | str | Path,
    overrides: list[str] | dict[str, Any] | None = None,
    seed: int | None = None,
    record: bool = True,
) -> Result:
    """Run one negotiation to its outcome.

    Args:
        scenario: A Scenario, a bundled scenario name or a path to a TOML file.
        overrides: Dotted-path overrides, ``["US.termination_value=0.6"]`` or ``{"US.termination_value": 0.6}``.
        seed: Seed of the model's random number generator; the same seed gives the same result.
        record: Keep per-round records (``Result.rounds``, ``Result.tabled``); off for sweeps.

    Raises:
        ScenarioError: A bad scenario, override or seed, with one message naming what was expected and found.
    """
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
        raise ScenarioError(f"seed: expected an integer >= 0, found {seed!r:.80}")
    seed = None if seed is None else int(seed)  # numpy integers too
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    scenario = scenario.with_overrides(overrides)
    model = NegotiationModel(scenario, rng=seed, record=record)
    model.run()
    countries = scenario.countries
    signed = model.outcome.signed
    package = model.agreement.package if signed else None
    result = Result(
        scenario=scenario.name,
        seed=seed,
        outcome=model.outcome,
        round=model.round,
        month=scenario.month(model.round),
        agreement=None if package is None else scenario.space.natural(package),
        utilities=dict(zip(countries, map(float, model.outcome_utilities()), strict=True)),
        walk_away={a.code: a.walk_away for a in model.countries},
        notice_round=model.notice_round,
        ratified=dict(model.ratified),
        beliefs={a.code: [None if np.isnan(b[a.row]) else b[a.row] for b in model.belief_path]
                 for a in model.countries},
        signatories=list(model.agreement.signatories) if signed else None,
        supporters=list(model.agreement.supporters or model.agreement.signatories)
        if signed and not scenario.rule.unanimous else None,
        package=package,
    )
    if record:
        records = model.records
        result.rounds, result.tabled, result.domestic = records.rounds(model), records.packages(model), \
            records.domestic(model)
    return result
