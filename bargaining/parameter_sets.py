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
* the strategy parameters a strategy declares batched (``Strategy.batched``, e.g. ``beta``), as (R,) arrays;
* domestic politics' numbers (``DOMESTIC_KEYS``: Congress' threshold, ideal points and weights, the lobby's rate and
  floor, the auto workers' rate and demands, audience costs' cost, floor and set points, the new government's
  termination value and batched strategy parameters; ``domestic_numbers``), as (R, ...) arrays;
* each issue's status quo (with the preferences: a preference group holds one status quo).

Which issues a table names (demands, set points), integers, levels and rules (start rounds, the election's round,
strategy names) stay structure.

A table of parameter sets (``sets_of``: path -> one value per row) is validated without a scenario per row: the
columns the model holds per replication as numbers (termination values, beliefs, erosion, noise, batched strategy
parameters, the constituencies' numbers of ``DOMESTIC_FIELDS``) are checked column-wise against their fields'
constraints in the schema and kept as arrays; weights (per issue or whole tables), constituencies' points, a
continuous issue's status quo and a new government's batched strategy parameters are checked column-wise by the
schema's cross-field rules (``_derived``) and built into ``Variants`` from the arrays (``_derive``); the other
columns are applied to the scenario once per distinct combination of their values (``Sets.bases``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any

import numpy as np
from pydantic import BaseModel

from .errors import ScenarioError
from .masks import distinct_rows
from .per_replication import PerReplication, kept
from .preferences import Preferences
from .scenario import Scenario
from .scenario.schema import DOMESTIC_TABLES, CountrySpec, NoiseSpec, ThreatSpec
from .scenario.schema import numbers as table_numbers
from .strategies import STRATEGIES, StrategyParams

#: Country keys that only move preferences or beliefs (held per replication by the model).
COUNTRY_KEYS = ("ideal", "weights", "red_lines", "values", "shape", "termination_value", "belief")
#: Top-level (table, key) pairs held per replication.
TABLE_KEYS = (("threat", "belief_erosion"), ("noise", "aspiration"), ("noise", "belief"))
#: Domestic table -> its keys held per replication (``domestic_numbers``); for a table of issue values named here
#: (``DOMESTIC_ISSUES``) only which issues it names is structure.
DOMESTIC_KEYS = {"congress": ("ideal", "weights", "threshold"), "lobby": ("rate", "floor"),
                 "auto_workers": ("rate", "demands"), "audience_costs": ("cost", "floor", "set_points"),
                 "election": ("termination_value",)}
DOMESTIC_ISSUES = {"auto_workers": "demands", "audience_costs": "set_points"}


def structure(scenario: Scenario) -> str:
    """What replications must share to run in one model: the scenario's plain dict without what the model holds
    per replication (``COUNTRY_KEYS``, ``TABLE_KEYS``, batched strategy parameters), as canonical text (kept
    with the scenario, which never changes)."""
    known = scenario.__dict__.get("_structure")
    if known is None:
        known = scenario.__dict__["_structure"] = _structure(scenario)
    return known


def _unbatched(strategy: Any) -> Any:
    """A strategy table without the parameters its strategy batches."""
    if not isinstance(strategy, dict):
        return strategy
    found = STRATEGIES.get(strategy.get("name", "time_dependent"))
    batched = found.batched if found else frozenset()
    return {k: v for k, v in strategy.items() if k not in batched}


def _domestic_structure(kind: str, table: Any) -> Any:
    """A domestic table without its per-replication numbers: the issues a table of values names (in order), whether
    a new government has a termination value."""
    if not isinstance(table, dict) or kind not in DOMESTIC_KEYS:
        return table
    kept = {k: v for k, v in table.items() if k not in DOMESTIC_KEYS[kind]}
    issues = DOMESTIC_ISSUES.get(kind)
    if issues in table:
        kept[issues] = list(table[issues]) if isinstance(table[issues], dict) else table[issues]
    if kind == "election":
        kept["termination_value"] = table.get("termination_value") is not None
        if "strategy" in kept:
            kept["strategy"] = _unbatched(kept["strategy"])
    return kept


def _structure(scenario: Scenario) -> str:
    raw = dict(scenario.raw)
    countries = {}
    for code, country in raw.get("countries", {}).items():
        kept = {key: value for key, value in country.items() if key not in COUNTRY_KEYS}
        if "strategy" in kept:
            kept["strategy"] = _unbatched(kept["strategy"])
        for kind in DOMESTIC_KEYS:
            if kind in kept:
                kept[kind] = _domestic_structure(kind, kept[kind])
        countries[code] = kept
    raw["countries"] = countries
    if isinstance(raw.get("issues"), dict):  # a status quo is held per replication; whether there is one is not
        raw["issues"] = {name: {**issue, "status_quo": issue["status_quo"] is not None}
                         if isinstance(issue, dict) and "status_quo" in issue else issue
                         for name, issue in raw["issues"].items()}
    for table, key in TABLE_KEYS:
        if isinstance(raw.get(table), dict):
            raw[table] = {k: v for k, v in raw[table].items() if k != key}
            if not raw[table]:  # an empty table is the defaults, as a missing one
                del raw[table]
    return json.dumps(raw, sort_keys=True, default=str)


@dataclass
class Variants(PerReplication):
    """Per-replication parameters of a batch of R replications that share one structure.

    Attributes:
        groups: The distinct preferences with their status quo (by ``Preferences.fingerprint`` and the status quo:
            their termination values are the first replication's), and ``group`` (R,) which one each replication
            holds.
        status_quo: (K,) each group's status quo (normalised; None without one).
        termination: (R, N) every country's termination value.
        status_quo_utility: (N,) utility of the status quo under each group's preferences (NaN without one).
        beliefs: (R, N) every country's belief in the threat at the start, before noise (NaN: the threatener).
        belief_noise, aspiration_noise, erosion: (R,) ``noise.belief``, ``noise.aspiration``,
            ``threat.belief_erosion``.
        params: Per country, its strategy parameters: one set, batched fields as (R,) arrays where they differ.
        domestic: (country, kind) -> its constituency's ``domestic_numbers``, as (R, ...) arrays (a new government's
            ``strategy`` parameters as ``params``).
    """

    per_replication = ("group", "termination", "beliefs", "belief_noise", "aspiration_noise", "erosion")

    groups: list[Preferences]
    group: np.ndarray
    status_quo: list[np.ndarray | None]
    status_quo_utility: list[np.ndarray]
    termination: np.ndarray
    beliefs: np.ndarray
    belief_noise: np.ndarray
    aspiration_noise: np.ndarray
    erosion: np.ndarray
    params: dict[str, StrategyParams]
    domestic: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def keep(self, rows: np.ndarray) -> None:
        """Keep the replications ``rows`` only (``per_replication``), the batched strategy parameters' too."""
        super().keep(rows)
        self.params = {code: params.for_rows(rows) for code, params in self.params.items()}
        self.domestic = {key: numbers_for_rows(numbers, rows) for key, numbers in self.domestic.items()}

    @classmethod
    def of(cls, sets: Sets, which: np.ndarray) -> Variants:
        """The parameters of replications holding the parameter sets ``which`` (R,) of ``sets`` (one structure):
        their bases' arrays, the fast columns' numbers in place of the bases' own."""
        used, index = np.unique(sets.base[which], return_inverse=True)
        index = index.reshape(-1)
        unique = [sets.bases[b] for b in used.tolist()]
        space, issues = unique[0].space, unique[0].raw.get("issues")
        groups, group_of, keys, status_quo, status_quo_utility = [], [], {}, [], []
        for s in unique:
            if s.raw.get("issues") == issues:  # one structure, one issue space (but for the status quo): built once
                s.__dict__.setdefault("space", space)
            prefs = _preferences(s, unique[0])
            sq = s.space.status_quo
            key = prefs.fingerprint, None if sq is None else sq.tobytes()  # termination values: the model's
            if key not in keys:
                keys[key] = len(groups)
                groups.append(prefs)
                status_quo.append(sq)
                status_quo_utility.append(s.status_quo_utility)
            group_of.append(keys[key])
        spec = lambda f: np.array([f(s.spec) for s in unique], dtype=float)[index]  # noqa: E731
        variants = cls(groups=groups, group=np.array(group_of, dtype=int)[index], status_quo=status_quo,
                       status_quo_utility=status_quo_utility,
                       termination=np.stack([s.preferences.termination for s in unique])[index],
                       beliefs=np.stack([s.initial_beliefs for s in unique])[index],
                       belief_noise=spec(lambda sp: sp.noise.belief),
                       aspiration_noise=spec(lambda sp: sp.noise.aspiration),
                       erosion=spec(lambda sp: sp.threat.belief_erosion), params={})
        for code, country in unique[0].spec.countries.items():
            for kind in DOMESTIC_KEYS:
                if getattr(country, kind) is not None:
                    variants.domestic[code, kind] = _stacked(unique, code, kind, index)
        batched: dict[str, dict[str, np.ndarray]] = {code: {} for code in unique[0].countries}
        countries = unique[0].countries
        for path, numbers in sets.numbers.items():
            keys_ = _keys(sets.scenario, path)
            values = numbers[which]
            if keys_ == ("threat", "belief_erosion"):
                variants.erosion = values
            elif keys_ == ("noise", "aspiration"):
                variants.aspiration_noise = values
            elif keys_ == ("noise", "belief"):
                variants.belief_noise = values
            elif keys_[2] in DOMESTIC_FIELDS:
                variants.domestic[keys_[1], keys_[2]][keys_[3]] = values
            elif keys_[2] == "termination_value":
                variants.termination[:, countries.index(keys_[1])] = values
            elif keys_[2] == "belief":  # a partner of the threatener holds it (``initial_beliefs``: none is 0)
                partner = np.array([s.spec.threat.country not in (None, keys_[1]) for s in unique])[index]
                row = countries.index(keys_[1])
                variants.beliefs[:, row] = np.where(partner, np.where(values == 0, 0.0, values),
                                                    variants.beliefs[:, row])
            else:  # a batched strategy parameter
                batched[keys_[1]][keys_[3]] = values
        variants.params = {code: _batched(unique, code, index, batched[code]) for code in countries}
        if sets.derived:
            _derive(variants, {key: values[which] for key, values in sets.derived.items()}, unique[0])
        return variants


def _derive(variants: Variants, derived: dict[tuple, np.ndarray], first: Scenario) -> None:
    """Put what the columns checked by cross-field rules give (``_derived``, (R, ...) each) in ``variants``, as a
    scenario per row would hold it: status quo points (and the constituencies' numbers that read them), weights,
    constituencies' points, a new government's batched strategy parameters; the preference groups split by
    their weights and status quo."""
    space, countries = first.space, first.countries
    points = {key[1]: values for key, values in derived.items() if key[0] == "point"}
    for keys, values in points.items():  # a status quo first: a constituency's own point comes after it
        if keys[0] == "issues":
            k = space.index(keys[1])
            for code, country in first.spec.countries.items():
                if country.congress is not None and keys[1] not in country.congress.ideal:
                    variants.domestic[code, "congress"]["ideal"][:, k] = values  # ``domestic_numbers``: the status quo
                if country.auto_workers is not None and keys[1] in country.auto_workers.demands:
                    variants.domestic[code, "auto_workers"]["origin"][:, list(country.auto_workers.demands).index(
                        keys[1])] = values
    for keys, values in points.items():
        if keys[0] == "countries":
            code, table, key, issue = keys[1:]
            named = list(getattr(getattr(first.spec.countries[code], table), key))
            column = space.index(issue) if table == "congress" else named.index(issue)
            variants.domestic[code, table][key][:, column] = values
    for (kind, *rest), values in derived.items():
        if kind == "weights" and rest[0][2] == "congress":
            variants.domestic[rest[0][1], "congress"]["weights"] = values
        elif kind == "election":
            code, name = rest
            params = variants.domestic[code, "election"]["strategy"]
            fields_ = params.model_dump()
            fields_[name] = values if (values != values[0]).any() else float(values[0])
            variants.domestic[code, "election"]["strategy"] = type(params).model_construct(**fields_)
    weights = [(countries.index(key[1][1]), values) for key, values in derived.items()
               if key[0] == "weights" and key[1][2] == "weights"]
    status_quo = [(space.index(keys[1]), values) for keys, values in points.items() if keys[0] == "issues"]
    if not weights and not status_quo:
        return
    key = np.column_stack([variants.group, *(w.view(np.int64) for _, w in weights),
                           *(v.view(np.int64)[:, None] for _, v in status_quo)])
    _, rows, inverse = distinct_rows(key)
    groups, sq_of, utility = [], [], []
    for r in rows.tolist():
        g = int(variants.group[r])
        prefs, sq, u = variants.groups[g], variants.status_quo[g], variants.status_quo_utility[g]
        if weights:
            w = prefs.weights.copy()
            for row, values in weights:
                w[row] = values[r]
            prefs = prefs.replace(weights=w)
        if status_quo and sq is not None:
            sq = sq.copy()
            for k, values in status_quo:
                sq[k] = values[r]
            sq.flags.writeable = False
        if sq is not None:
            u = prefs.utility(sq)
        groups.append(prefs)
        sq_of.append(sq)
        utility.append(u)
    variants.groups, variants.status_quo, variants.status_quo_utility = groups, sq_of, utility
    variants.group = inverse.reshape(-1)


def numbers_for_rows(numbers: dict[str, Any], rows: np.ndarray) -> dict[str, Any]:
    """A constituency's ``domestic_numbers`` (R, ...) in the replications ``rows`` only (``PerReplication.keep``)."""
    return {name: value.for_rows(rows) if name == "strategy" else kept(value, rows, name)
            for name, value in numbers.items()}


def domestic_numbers(scenario: Scenario, code: str, kind: str) -> dict[str, Any]:
    """The numbers a country's constituency of ``kind`` holds per replication, from one scenario (the
    constituency's docstring says what each does):

    * ``congress``: ``ideal`` (K,) normalised (issues its table leaves out: the status quo), ``weights`` (K,),
      ``threshold``;
    * ``lobby``: ``rate``, ``floor``;
    * ``auto_workers``: ``rate``, ``demands`` (D,) normalised, in the table's order, ``origin`` (D,) the status quo
      there;
    * ``audience_costs``: ``cost``, ``floor``, ``set_points`` (P,) normalised, in the table's order;
    * ``election``: ``termination_value`` (if given) and ``strategy``, the new government's validated parameters
      (if it names any).
    """
    spec, space = getattr(scenario.spec.countries[code], kind), scenario.space
    if kind == "congress":
        ideal = {i.name: spec.ideal.get(i.name, i.status_quo) for i in space}
        return {"ideal": space.normalise(ideal), "weights": np.array([spec.weights.get(i.name, 0.0) for i in space]),
                "threshold": spec.threshold}
    if kind == "lobby":
        return {"rate": spec.rate, "floor": spec.floor}
    if kind == "auto_workers":
        target = scenario.normalised(spec.demands)
        status_quo = space.status_quo
        return {"rate": spec.rate, "demands": np.array(list(target.values())),
                "origin": np.array([float(status_quo[k]) for k in target])}
    if kind == "audience_costs":
        return {"cost": spec.cost, "floor": spec.floor,
                "set_points": np.array(list(scenario.normalised(spec.set_points).values()))}
    out: dict[str, Any] = {} if spec.termination_value is None else {"termination_value": spec.termination_value}
    if spec.strategy:
        params = dict(spec.strategy)
        out["strategy"] = STRATEGIES[params.pop("name", "time_dependent")].Params(**params)
    return out


def _stacked(scenarios: list[Scenario], code: str, kind: str, index: np.ndarray) -> dict[str, Any]:
    """``domestic_numbers`` of each replication (``scenarios[index]``) as (R, ...) arrays; a new government's
    strategy parameters as one set, its batched ones (R,) arrays where they differ (``_batched``)."""
    each = [domestic_numbers(s, code, kind) for s in scenarios]
    out = {name: np.array([e[name] for e in each], dtype=float)[index] for name in each[0] if name != "strategy"}
    if "strategy" in each[0]:
        first, values, changed = each[0]["strategy"], each[0]["strategy"].model_dump(), False
        name = scenarios[0].spec.countries[code].election.strategy.get("name", "time_dependent")
        for param in STRATEGIES[name].batched:
            column = np.array([getattr(e["strategy"], param) for e in each], dtype=float)[index]
            if (column != column[0]).any():
                values[param], changed = column, True
        out["strategy"] = type(first).model_construct(**values) if changed else first
    return out


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


def _batched(scenarios: list[Scenario], code: str, index: np.ndarray, columns: dict[str, np.ndarray]
             ) -> StrategyParams:
    """A country's strategy parameters in every replication: one set, where the scenarios' batched parameters
    (``Strategy.batched``; the others are the structure's, the same in all), or the ``columns`` (R,) given in their
    place, differ as (R,) arrays."""
    first = scenarios[0].strategy_params(code)
    strategy = STRATEGIES[scenarios[0].spec.countries[code].strategy.name]
    values, changed = first.model_dump(), False
    for name in strategy.batched:
        if name in columns:
            column = columns[name]
        else:
            default = strategy.Params.model_fields[name].default  # a set that leaves it out holds the default
            column = np.asarray([s.spec.countries[code].strategy.params.get(name, default) for s in scenarios],
                                dtype=float)[index]
        if (column != column[0]).any():
            values[name], changed = column, True
        elif name in columns:  # one value in every replication: a number, as a single run holds it
            values[name], changed = float(column[0]), True
    return type(first).model_construct(**values) if changed else first


# ----------------------------------------------------------------------------------- tables of parameter sets

#: Top-level tables whose numbers a table of parameter sets varies column-wise (``sets_of``): their schemas.
TABLE_FIELDS = {"threat": (ThreatSpec, ("belief_erosion",)), "noise": (NoiseSpec, ("aspiration", "belief"))}
#: Domestic tables' numbers a table of parameter sets varies column-wise (``sets_of``), where the country has the table.
DOMESTIC_FIELDS = {"congress": ("threshold",), "lobby": ("rate", "floor"), "auto_workers": ("rate",),
                   "audience_costs": ("cost", "floor"), "election": ("termination_value",)}
#: The field constraints a column-wise check knows (pydantic's ``Field(ge=..., le=..., gt=..., lt=...)``).
_BOUNDS = {"ge": np.greater_equal, "le": np.less_equal, "gt": np.greater, "lt": np.less}


def _bound(constraint) -> tuple[str, Any] | None:
    """A field constraint as (``ge``/``le``/``gt``/``lt``, limit); None for any other kind."""
    names = [f.name for f in fields(constraint)] if is_dataclass(constraint) else []
    return (names[0], getattr(constraint, names[0])) if len(names) == 1 and names[0] in _BOUNDS else None


def _keys(scenario: Scenario, path: str) -> tuple[str, ...]:
    """A dotted path as the keys its override walks (``US.belief`` -> ``countries.US.belief``)."""
    keys = tuple(path.split("."))
    return ("countries", *keys) if keys[0] in scenario.raw.get("countries", {}) else keys


def _field(scenario: Scenario, keys: tuple[str, ...]) -> tuple[type[BaseModel], str] | None:
    """The schema and field of a path the model holds per replication as a number (a termination value, a belief,
    erosion, noise, a batched strategy parameter) whose constraints are bounds only; None: any other path."""
    found = None
    if len(keys) == 2 and keys[0] in TABLE_FIELDS and keys[1] in TABLE_FIELDS[keys[0]][1]:
        found = TABLE_FIELDS[keys[0]][0], keys[1]
    elif len(keys) in (3, 4) and keys[0] == "countries" and keys[1] in scenario.spec.countries:
        strategy = STRATEGIES[scenario.spec.countries[keys[1]].strategy.name]
        if keys[2:] in (("termination_value",), ("belief",)):
            found = CountrySpec, keys[2]
        elif keys[2] == "strategy" and keys[3:] and keys[3] in strategy.batched:
            found = strategy.Params, keys[3]
        elif len(keys) == 4 and keys[3] in DOMESTIC_FIELDS.get(keys[2], ()):
            found = DOMESTIC_TABLES[keys[2]], keys[3]
    return found if found is not None and _numeric(*found) else None


def _fast(scenario: Scenario, columns: dict[str, list]) -> dict[str, tuple[type[BaseModel], str]]:
    """The columns checked column-wise: a path ``_field`` knows, and no other column overriding along it (a table
    above it, a key below it, the same key spelt otherwise, another key of the strategy whose parameter it is,
    such as its name)."""
    keys = {path: _keys(scenario, path) for path in columns}
    numeric = {path: _field(scenario, keys[path]) for path in columns}
    numeric = {path: found for path, found in numeric.items() if found is not None}

    def clash(mine: tuple[str, ...], theirs: tuple[str, ...], both: bool) -> bool:
        if theirs[:len(mine)] == mine or mine[:len(theirs)] == theirs:
            return True
        return mine[2:3] == ("strategy",) and theirs[:3] == mine[:3] and not both

    return {path: found for path, found in numeric.items()
            if not any(clash(keys[path], keys[other], other in numeric) for other in columns if other != path)}


def _valid(values: list, model: type[BaseModel], name: str, params: dict[str, Any] | None
           ) -> tuple[np.ndarray, np.ndarray]:
    """A column as floats, and (rows,) whether each value is valid as the schema checks it: a number (an integer
    or a float; not a boolean, a string, None, ...), within the field's bounds, finite where the schema allows
    no inf or NaN, and passing a strategy's model validators with its other ``params`` (each distinct value
    once). NaN in place of a value that is not a number."""
    if set(map(type, values)) <= {float}:  # floats only (a table's usual column): every one a number
        ok, numbers = np.ones(len(values), dtype=bool), np.array(values, dtype=float)
    else:
        ok = np.array([type(v) is float or type(v) is int and abs(v) <= sys.float_info.max for v in values],
                      dtype=bool)
        numbers = np.array([v if good else np.nan for v, good in zip(values, ok, strict=True)], dtype=float)
    if not model.model_config.get("allow_inf_nan", True):
        ok &= np.isfinite(numbers)
    with np.errstate(invalid="ignore"):
        for constraint in model.model_fields[name].metadata:
            attribute, limit = _bound(constraint)
            ok &= _BOUNDS[attribute](numbers, limit)
    validators = model.__pydantic_decorators__.model_validators
    if params is not None and validators:
        reads = getattr(model, "validator_reads", {})
        if all(name not in reads.get(v, (name,)) for v in validators):  # none reads the field: one value answers
            if ok.any():  # for every value within the field's own constraints
                ok[ok] = _passes(model, params, name, float(numbers[ok][0]))
        else:
            distinct, which = np.unique(numbers[ok], return_inverse=True)
            ok[ok] = np.array([_passes(model, params, name, value) for value in distinct.tolist()],
                              dtype=bool)[which.reshape(-1)]
    return numbers, ok


def _passes(model: type[BaseModel], params: dict[str, Any], name: str, value: float) -> bool:
    """Whether the model takes ``value`` for the field ``name`` beside the other ``params``."""
    try:
        model(**{**params, name: value})
    except ValueError:
        return False
    return True


def _holds(base: Scenario, keys: tuple[str, ...]) -> bool:
    """Whether a fast column's values are valid in ``base`` exactly when its field's constraints hold: a
    termination value beside no reservation value (``checks.check_walk_away``) or score sheet; a domestic table's
    number where the country has the table (else the override makes one), a new government's termination value
    where it has one (else the structure changes)."""
    if keys[2:3] and keys[2] in DOMESTIC_FIELDS:
        table = getattr(base.spec.countries[keys[1]], keys[2])
        return table is not None and getattr(table, keys[3]) is not None
    if keys[2:] == ("termination_value",):
        country = base.spec.countries[keys[1]]
        return country.reservation_value is None and country.score_sheet is None
    return True


# ------------------------------------------------------- columns checked column-wise by more than their bounds

#: A constituency's table of values per issue a column may vary issue by issue (``sets_of``): table -> key.
ISSUE_VALUES = {"congress": "ideal", "auto_workers": "demands", "audience_costs": "set_points"}


def _kind(scenario: Scenario, keys: tuple[str, ...]) -> str | None:
    """What a column checked column-wise by the schema's cross-field rules is (None: none of them):

    * ``weights``: one issue's weight of a country or of its Congress (``countries.X.weights.ISSUE``,
      ``countries.X.congress.weights.ISSUE``; the override rescales the others, ``overrides.apply_override``);
    * ``table``: a whole weights table of a country or of its Congress (as ``calibration.priors`` gives them);
    * ``value``: a constituency's point on a continuous issue (``ISSUE_VALUES``; demands and set points only on
      issues its table names: which it names is structure);
    * ``status_quo``: a continuous issue's status quo, where it has one;
    * ``election``: a batched strategy parameter of a new government that names its strategy's parameters.
    """
    issues, countries = scenario.spec.issues, scenario.spec.countries
    continuous = lambda name: name in issues and issues[name].kind == "continuous"  # noqa: E731
    if keys[:1] == ("issues",) and keys[2:] == ("status_quo",) and continuous(keys[1]):
        return "status_quo" if issues[keys[1]].status_quo is not None else None
    if keys[:1] != ("countries",) or len(keys) not in (3, 4, 5) or keys[1] not in countries:
        return None
    country = countries[keys[1]]
    if keys[2:3] == ("weights",) and (len(keys) == 3 or keys[3] in issues):
        if country.score_sheet is not None or any(max(table_numbers(t)) <= 0 for t in country.values.values()):
            return None  # weights derived, or a weight that ``check_values`` also reads
        return "weights" if len(keys) == 4 else "table"
    if keys[2:] == ("congress", "weights") and country.congress is not None:
        return "table"
    if len(keys) != 5 or getattr(country, keys[2], None) is None or keys[2] not in DOMESTIC_TABLES:
        return None
    table = getattr(country, keys[2])
    if keys[2:4] == ("congress", "weights") and keys[4] in issues:
        return "weights"
    if ISSUE_VALUES.get(keys[2]) == keys[3] and continuous(keys[4]) and (
            keys[2] == "congress" or keys[4] in getattr(table, keys[3])):
        return "value"
    if keys[2:4] == ("election", "strategy") and table.strategy:
        name = table.strategy.get("name", "time_dependent")
        if name in STRATEGIES and keys[4] in STRATEGIES[name].batched and _numeric(STRATEGIES[name].Params, keys[4]):
            return "election"
    return None


def _numeric(model: type[BaseModel], name: str) -> bool:
    """Whether a field is a float whose only constraints are bounds (no field validator)."""
    info = model.model_fields[name]
    checked = model.__pydantic_decorators__.field_validators.values()
    return info.annotation in (float, float | None) and all(_bound(m) is not None for m in info.metadata) and not any(
        name in v.info.fields or "*" in v.info.fields for v in checked)


def _floats(values: list) -> tuple[np.ndarray, np.ndarray]:
    """A column as floats, and whether each value is a finite float (an int, valid or not, is left to the
    schema: the slow way)."""
    ok = np.array([type(v) is float for v in values], dtype=bool)
    numbers = np.array([v if good else np.nan for v, good in zip(values, ok, strict=True)], dtype=float)
    return numbers, ok & np.isfinite(numbers)


def python_sum(terms: list[np.ndarray]) -> np.ndarray:
    """``sum`` of floats as Python (>= 3.12) adds them (Neumaier's compensated sum), term by term over arrays:
    the same bits as ``sum([t[r] for t in terms])`` in each element r."""
    total = np.zeros(np.shape(terms[0]) if terms else ())
    carry = np.zeros_like(total)
    with np.errstate(invalid="ignore", over="ignore"):
        for x in terms:
            t = total + x
            carry = carry + np.where(np.abs(total) >= np.abs(x), (total - t) + x, (x - t) + total)
            total = t
        return np.where((carry != 0) & np.isfinite(carry), total + carry, total)


def _reweighed(base: dict[str, float], columns: list[tuple[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """A weights table after overrides of one issue's weight each (``columns``: (issue, (rows,)) in the order
    they apply), as ``overrides.apply_override`` leaves it: a weight in [0, 1] rescales the others to fill the
    rest, in the table's order (a new issue last)."""
    size = len(columns[0][1])
    weights = {name: np.full(size, w) for name, w in base.items()}
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for issue, value in columns:
            others = [name for name in weights if name != issue]
            rescale = (value >= 0) & (value <= 1)
            if others:
                rest = python_sum([weights[name] for name in others])
                share = (1.0 - value) / len(others)
                for name in others:
                    scaled = np.where(rest > 0, weights[name] * (1.0 - value) / rest, share)
                    weights[name] = np.where(rescale, scaled, weights[name])
            weights[issue] = value
    return weights


def _derived(scenario: Scenario, columns: dict[str, list], kinds: dict[str, str], size: int
             ) -> tuple[dict[str, np.ndarray], np.ndarray, dict[tuple, np.ndarray]]:
    """The columns of ``kinds`` (``_kind``) checked as ``scenario`` checks them, row by row at once: each as
    floats, (size,) whether the row passes, and what the model holds of them: ("weights", table keys) ->
    (size, K) in the issues' order; ("point", keys) -> (size,) the normalised point (a status quo, a
    constituency's value); ("election", code, parameter) -> (size,) the parameter."""
    numbers, ok, out = {}, np.ones(size, dtype=bool), {}
    space = scenario.space
    for path, kind in kinds.items():
        keys = _keys(scenario, path)
        if kind == "election":
            table = scenario.spec.countries[keys[1]].election.strategy
            model = STRATEGIES[table.get("name", "time_dependent")].Params
            numbers[path], good = _valid(columns[path], model, keys[4],
                                         {k: v for k, v in table.items() if k != "name"})
            out["election", keys[1], keys[4]] = numbers[path]
        elif kind == "table":
            numbers[path], good, out["weights", keys] = _weight_tables(columns[path], space)
        else:
            numbers[path], good = _floats(columns[path])
            if kind != "weights":
                lower, upper = scenario.spec.issues[keys[-2] if kind == "status_quo" else keys[-1]].bounds
                good &= (lower <= numbers[path]) & (numbers[path] <= upper)  # ``Issue.normalise``
                out["point", keys] = (numbers[path] - lower) / (upper - lower)
        ok &= good
    tables = dict.fromkeys(_keys(scenario, path)[:-1] for path, kind in kinds.items() if kind == "weights")
    for table in tables:
        base = scenario.raw
        for key in table:
            base = base[key]
        mine = [(keys[-1], numbers[path]) for path, kind in kinds.items()
                if kind == "weights" and (keys := _keys(scenario, path))[:-1] == table]
        weights = _reweighed(base, mine)
        final = list(weights.values())
        with np.errstate(invalid="ignore"):
            ok &= np.logical_and.reduce([np.isfinite(w) & (w >= 0) for w in final])
            ok &= ~(np.abs(python_sum(final) - 1.0) > 1e-6)  # ``checks.check``: summing to 1
        zero = np.zeros(size)
        out["weights", table] = np.stack([weights.get(name, zero) for name in space.names], axis=1)
    return numbers, ok, out


def _weight_tables(values: list, space) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A column of whole weights tables checked as ``checks.check`` checks one: (rows, K + 1) the weights in the
    issues' order and which order of issues the row names (the key of its set), (rows,) whether each is a
    non-empty table of known issues whose weights are floats, finite, >= 0 and sum (in the table's order) to 1
    within 1e-6; (rows, K) the weights."""
    size, names = len(values), set(space.names)
    weights, ok = np.full((size, len(space)), np.nan), np.zeros(size, dtype=bool)
    orders: dict[tuple, list[int]] = {}
    for r, table in enumerate(values):
        if isinstance(table, dict) and table and all(type(k) is str and k in names and type(w) is float
                                                     for k, w in table.items()):
            orders.setdefault(tuple(table), []).append(r)
    order_of = np.full(size, -1.0)
    for n, (order, rows) in enumerate(orders.items()):
        given = np.array([list(values[r].values()) for r in rows])
        with np.errstate(invalid="ignore"):
            ok[rows] = np.isfinite(given).all(axis=1) & (given >= 0).all(axis=1) & ~(
                np.abs(python_sum(list(given.T)) - 1.0) > 1e-6)
        full = np.zeros((len(rows), len(space)))
        full[:, [space.index(k) for k in order]] = given
        weights[rows] = full
        order_of[rows] = n
    return np.column_stack([weights, order_of]), ok, weights


def _derived_holds(scenario: Scenario, kinds: dict[str, str], rest: list[str]) -> bool:
    """Whether the columns of ``kinds`` are valid in every base exactly as in ``scenario``: no slow column
    touches the tables they are checked against (a weights table, a constituency, an issue; a status quo also
    the constituencies that read it), and every weight of a table is a float."""
    touched = [_keys(scenario, path) for path in rest]
    for path, kind in kinds.items():
        keys = _keys(scenario, path)
        if kind == "table" and any(other != path and (_keys(scenario, other)[:len(keys)] == keys or
                                                      keys[:len(_keys(scenario, other))] == _keys(scenario, other))
                                   for other in kinds):
            return False  # a whole table beside a weight of it (or spelt twice): the slow way
        near = [keys[:3]] if kind != "status_quo" else [keys[:2]] + [
            ("countries", code, kind_) for code in scenario.spec.countries for kind_ in ISSUE_VALUES]
        if keys[2:3] == ("weights",):  # what ``check_values`` reads beside a weight
            near += [(*keys[:2], "values"), (*keys[:2], "score_sheet")]
        if any(other[:len(n)] == n or n[:len(other)] == other for n in near for other in touched):
            return False
        if kind == "weights":  # the table's weights the overrides rescale
            base = scenario.raw
            for key in keys[:-1]:
                base = base.get(key, {}) if isinstance(base, dict) else None
            if not isinstance(base, dict) or not all(type(w) is float for w in base.values()):
                return False
    return True


@dataclass(eq=False)
class Sets(Sequence):
    """The distinct parameter sets of a table (``sets_of``).

    ``sets[c]`` is set c's scenario, exactly ``scenario.with_overrides`` of its row: built on demand (for what
    needs the whole scenario, e.g. a deal's efficiency) and kept.

    Attributes:
        scenario: The scenario the table overrides.
        columns: Path -> one value per row of the table (as overrides read them).
        first: (S,) a row of each set.
        bases: The scenario with each distinct combination of the slow columns' values (None: one that raised).
        base: (S,) each set's base; its structure, issue space, rule and calendar are the set's.
        numbers: Path of each fast column -> (S,) its value in each set.
        derived: What the model holds of the columns checked by cross-field rules (``_derived``), per set.
    """

    scenario: Scenario
    columns: dict[str, list]
    first: np.ndarray
    bases: list[Scenario | None]
    base: np.ndarray
    numbers: dict[str, np.ndarray]
    derived: dict[tuple, np.ndarray] = field(default_factory=dict)
    _made: dict[int, Scenario] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.first)

    def __getitem__(self, c: int) -> Scenario:
        c = int(c)
        if c not in self._made:
            row = int(self.first[c])
            self._made[c] = self.scenario.with_overrides({p: values[row] for p, values in self.columns.items()})
        return self._made[c]

    def base_of(self, c: int) -> Scenario:
        """Set c's base."""
        return self.bases[int(self.base[c])]

    @classmethod
    def of(cls, scenarios: Sequence[Scenario]) -> Sets:
        """Sets that are these scenarios (each built already)."""
        every = np.arange(len(scenarios))
        return cls(scenarios[0], {}, every, list(scenarios), every, {}, {}, dict(enumerate(scenarios)))


def sets_of(scenario: Scenario, columns: dict[str, list], size: int, errors: bool = False, slow: bool = False
            ) -> tuple[Sets, np.ndarray, dict[int, Exception]]:
    """The distinct parameter sets of a table (path -> ``size`` values, as overrides read them), (size,) which
    one each row holds, and the rows that fail.

    A row fails exactly as ``scenario.with_overrides`` of the row fails (the exception is that call's): the
    fast columns are checked column-wise, the others once per distinct combination of their values.

    Args:
        errors: Give every failing row's exception (row -> exception; its set is -1) instead of raising
            ``ScenarioError("parameters row R: ...")`` for the first.
        slow: Every column the slow way (one scenario per distinct row).

    Raises:
        ScenarioError: Without ``errors``, the first row that fails, named.
    """
    fast = {} if slow else _fast(scenario, columns)
    kinds = {} if slow else {path: kind for path in columns if path not in fast
                             and (kind := _kind(scenario, _keys(scenario, path))) is not None}
    if kinds and not _derived_holds(scenario, kinds, [path for path in columns if path not in fast | kinds]):
        kinds = {}
    rest = [path for path in columns if path not in fast and path not in kinds]
    combos, combo = {}, np.zeros(size, dtype=np.int64)
    if rest:
        for r, values in enumerate(zip(*(columns[p] for p in rest), strict=True)):
            combo[r] = combos.setdefault(repr(values), len(combos))
    bad = np.zeros(size, dtype=bool)
    numbers = {}
    for path, (model, name) in fast.items():
        keys = _keys(scenario, path)
        params = scenario.spec.countries[keys[1]].strategy.params if keys[2:3] == ("strategy",) else None
        numbers[path], ok = _valid(columns[path], model, name, params)
        bad |= ~ok
    derived = {}
    if kinds:
        more, ok, derived = _derived(scenario, columns, kinds, size)
        numbers.update(more)
        bad |= ~ok
    first_bad = int(np.argmax(bad)) if bad.any() else size
    bases: list[Scenario | None] = []
    for r in np.unique(combo, return_index=True)[1].tolist():
        if not errors and r > first_bad:
            break  # the first failing row is known: nothing from here on runs
        try:
            bases.append(scenario.with_overrides({p: columns[p][r] for p in rest}))
        except Exception:  # noqa: BLE001 - the row's own exception is found below
            bases.append(None)
            bad |= combo == len(bases) - 1
            first_bad = min(first_bad, r)
    loose = [path for path in fast if not all(_holds(b, _keys(scenario, path)) for b in bases if b is not None)]
    if loose:  # valid in some bases only by more than its bounds: the slow way
        return sets_of(scenario, columns, size, errors, slow=True)
    failed = {}
    for r in (np.flatnonzero(bad).tolist() if errors else [first_bad] if bad.any() else []):
        try:
            scenario.with_overrides({p: values[r] for p, values in columns.items()})
        except ScenarioError as exc:
            if not errors:
                raise ScenarioError(f"parameters row {r}: {exc}") from None
            failed[r] = exc
        except Exception as exc:
            if not errors:
                raise
            failed[r] = exc
        else:  # the column-wise check refused what the schema takes: trust the schema
            return sets_of(scenario, columns, size, errors, slow=True)
    key = np.column_stack([combo, *(n.view(np.int64) for n in numbers.values())])  # -0.0 and 0.0 apart, as repr
    ok = np.flatnonzero(~bad)
    case = np.full(size, -1, dtype=np.int64)
    if ok.size:  # sets numbered in order of their first row: each row's key (its bytes) numbered as first seen
        rows = np.ascontiguousarray(key[ok]).view(np.dtype((np.void, key.itemsize * key.shape[1]))).ravel()
        number: dict[bytes, int] = {}
        case[ok] = [number.setdefault(row, len(number)) for row in rows.tolist()]
        first = ok[np.unique(case[ok], return_index=True)[1]]
    else:
        first = np.zeros(0, dtype=np.int64)
    sets = Sets(scenario, columns, first, bases, combo[first], {p: numbers[p][first] for p in fast},
                {k: d[first] for k, d in derived.items()})
    return sets, case, failed
