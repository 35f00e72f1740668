"""Heterogeneous batches: one model for replications that each hold their own parameter set.

A batch whose replications differ only in what the model keeps per replication runs as one model
(``NegotiationModel(..., variants=...)``); everything else about a scenario (issues, countries, protocol, deadline,
strategy names, domestic politics, events) is its *structure*, and replications of different structures run as
different models (``simulate.run_batch`` groups them by ``structure``).

Per replication, as arrays (replication r computes exactly the numbers its own scenario gives alone):

* preferences (ideal points, weights, value tables, red lines, shapes, termination values): the model's
  preference groups (``NegotiationModel.groups``), one per distinct version;
* the partners' beliefs in the threat (``countries.X.belief``), ``threat.belief_erosion``, ``noise.aspiration``
  and ``noise.belief``;
* the strategy parameters a strategy declares batched (``Strategy.batched``, e.g. ``beta``), as (R,) arrays.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .preferences import Preferences
from .scenario import Scenario
from .strategies import STRATEGIES, StrategyParams

#: Country keys that only move preferences or beliefs (held per replication by the model).
COUNTRY_KEYS = ("ideal", "weights", "red_lines", "values", "shape", "termination_value", "belief")
#: Top-level (table, key) pairs held per replication.
TABLE_KEYS = (("threat", "belief_erosion"), ("noise", "aspiration"), ("noise", "belief"))


def structure(scenario: Scenario) -> str:
    """What replications must share to run in one model: the scenario's plain dict without what the model holds
    per replication (``COUNTRY_KEYS``, ``TABLE_KEYS``, batched strategy parameters), as canonical text (kept
    with the scenario, which never changes)."""
    known = scenario.__dict__.get("_structure")
    if known is None:
        known = scenario.__dict__["_structure"] = _structure(scenario)
    return known


def _structure(scenario: Scenario) -> str:
    raw = dict(scenario.raw)
    countries = {}
    for code, country in raw.get("countries", {}).items():
        kept = {key: value for key, value in country.items() if key not in COUNTRY_KEYS}
        if isinstance(kept.get("strategy"), dict):
            strategy = STRATEGIES.get(kept["strategy"].get("name", "time_dependent"))
            batched = strategy.batched if strategy else frozenset()
            kept["strategy"] = {k: v for k, v in kept["strategy"].items() if k not in batched}
        countries[code] = kept
    raw["countries"] = countries
    for table, key in TABLE_KEYS:
        if isinstance(raw.get(table), dict):
            raw[table] = {k: v for k, v in raw[table].items() if k != key}
            if not raw[table]:  # an empty table is the defaults, as a missing one
                del raw[table]
    return json.dumps(raw, sort_keys=True, default=str)


@dataclass
class Variants:
    """Per-replication parameters of a batch of R replications that share one structure.

    Attributes:
        groups: The distinct preferences (by ``Preferences.fingerprint``: their termination values are the first
            replication's), and ``group`` (R,) which one each replication holds.
        termination: (R, N) every country's termination value.
        status_quo_utility: (N,) utility of the status quo under each group's preferences (NaN without one).
        beliefs: (R, N) every country's belief in the threat at the start, before noise (NaN: the threatener).
        belief_noise, aspiration_noise, erosion: (R,) ``noise.belief``, ``noise.aspiration``,
            ``threat.belief_erosion``.
        params: Per country, its strategy parameters: one set, batched fields as (R,) arrays where they differ.
    """

    groups: list[Preferences]
    group: np.ndarray
    status_quo_utility: list[np.ndarray]
    termination: np.ndarray
    beliefs: np.ndarray
    belief_noise: np.ndarray
    aspiration_noise: np.ndarray
    erosion: np.ndarray
    params: dict[str, StrategyParams]

    @classmethod
    def of(cls, scenarios: Sequence[Scenario]) -> Variants:
        """The parameters of replications holding ``scenarios`` (one per replication, one structure)."""
        distinct: dict[int, int] = {}
        unique: list[Scenario] = []
        for s in scenarios:
            if id(s) not in distinct:
                distinct[id(s)] = len(unique)
                unique.append(s)
        index = np.array([distinct[id(s)] for s in scenarios])
        space = unique[0].space
        groups, group_of, keys = [], [], {}
        for s in unique:
            s.__dict__.setdefault("space", space)  # one structure, one issue space: built once
            prefs = _preferences(s, unique[0])
            key = prefs.fingerprint  # termination values are the model's, per replication
            if key not in keys:
                keys[key] = len(groups)
                groups.append(prefs)
            group_of.append(keys[key])
        status_quo = [None] * len(groups)
        for s, g in zip(unique, group_of, strict=True):
            if status_quo[g] is None:
                status_quo[g] = s.status_quo_utility
        spec = lambda f: np.array([f(s.spec) for s in unique], dtype=float)[index]  # noqa: E731
        return cls(groups=groups, group=np.array(group_of, dtype=int)[index], status_quo_utility=status_quo,
                   termination=np.stack([s.preferences.termination for s in unique])[index],
                   beliefs=np.stack([s.initial_beliefs for s in unique])[index],
                   belief_noise=spec(lambda sp: sp.noise.belief), aspiration_noise=spec(lambda sp: sp.noise.aspiration),
                   erosion=spec(lambda sp: sp.threat.belief_erosion),
                   params={code: _batched(unique, code, index) for code in unique[0].countries})


#: Country fields the preference arrays are built from, besides the termination values.
PREFERENCE_FIELDS = ("ideal", "weights", "red_lines", "values", "shape")


def _preferences(scenario: Scenario, first: Scenario) -> Preferences:
    """``scenario.preferences``; the arrays of ``first`` (same structure) where only termination values differ."""
    if "preferences" not in scenario.__dict__ and all(
            getattr(a, name) == getattr(b, name) for a, b in zip(scenario.spec.countries.values(),
                                                                first.spec.countries.values(), strict=True)
            for name in PREFERENCE_FIELDS):
        termination = np.array([c.no_deal_value for c in scenario.spec.countries.values()], dtype=float)
        prefs = replace(first.preferences, termination=termination)
        prefs.__dict__["fingerprint"] = first.preferences.fingerprint  # the same arrays but termination
        scenario.__dict__["preferences"] = prefs
    return scenario.preferences


def _batched(scenarios: list[Scenario], code: str, index: np.ndarray) -> StrategyParams:
    """A country's strategy parameters in every replication: one set, where the scenarios' batched parameters
    differ (``Strategy.batched``; the others are the structure's, the same in all) as (R,) arrays."""
    first = scenarios[0].strategy_params(code)
    strategy = STRATEGIES[scenarios[0].spec.countries[code].strategy.name]
    values, differ = first.model_dump(), False
    for name in strategy.batched:
        column = [s.spec.countries[code].strategy.params.get(name, values[name]) for s in scenarios]
        if any(v != column[0] for v in column[1:]):
            values[name], differ = np.asarray(column, dtype=float)[index], True
    return type(first).model_construct(**values) if differ else first
