"""The validated scenario: the spec, plus the issue space, the preference arrays and the caches the engine uses."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
from pydantic import ValidationError

from .. import analysis
from ..analysis.exact import ENUMERATE
from ..cache import Cache
from ..errors import ScenarioError
from ..issues import IssueSpace
from ..offers import ConcessionPath, concession_path, concession_paths, concession_paths_of
from ..preferences import (
    SHAPES,
    ExcludedOptions,
    Preferences,
    ValueTables,
    initial_beliefs,
    set_red_lines,
    walk_away_values,
)
from ..rules import Rule
from ..strategies import STRATEGIES, StrategyParams
from .checks import check, ideal_of, validation_message, value_table
from .limits import MAX_CONTINUOUS_VALUES, MAX_OPTION_VALUES
from .overrides import apply_override, parse_override
from .schema import ScenarioSpec

T = TypeVar("T")
CACHE_SIZE = 4096  # concession paths and other values derived from the scenario, kept per scenario


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated scenario: the spec, plus the issue space and preference arrays the engine uses.

    Attributes:
        spec: The validated pydantic model.
        raw: The plain dict it was validated from (sources stripped), for further overrides.
        origin: File it came from (for messages).
        sources: Dotted parameter path -> source text.
    """

    spec: ScenarioSpec
    raw: dict
    origin: str
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(self.spec.countries)

    @cached_property
    def space(self) -> IssueSpace:
        return IssueSpace(tuple(spec.issue(name) for name, spec in self.spec.issues.items()))

    @cached_property
    def preferences(self) -> Preferences:
        space, countries = self.space, list(self.spec.countries.values())
        n, k = len(countries), len(space)
        ideal = np.array([[i.normalise(ideal_of(i, c)) for i in space] for c in countries])
        lo, hi = np.zeros_like(ideal), np.ones_like(ideal)
        excluded = np.zeros((n, k, int(space.sizes.max(initial=0)) + 1), dtype=bool)
        tables: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        for row, c in enumerate(countries):
            bounds = {name: v for name, v in c.red_lines.items() if not isinstance(v, list)}
            set_red_lines(lo, hi, row, ideal[row], self.normalised(bounds))
            for name, options in c.red_lines.items():
                if isinstance(options, list):
                    issue = space.issues[space.index(name)]
                    excluded[row, space.index(name), [issue.levels.index(o) for o in options]] = True
            for col, issue in enumerate(space):
                if issue.name in c.values:
                    tables[row, col] = value_table(issue, c.values[issue.name])
                elif issue.kind == "categorical":  # an ideal option only: worth 1, the others 0
                    tables[row, col] = space.positions(col), (space.positions(col) == ideal[row, col]).astype(float)
        return Preferences(
            countries=self.countries,
            ideal=ideal,
            weights=np.array([[c.weights.get(i, 0.0) for i in space.names] for c in countries]),
            exponent=np.array([SHAPES[c.shape] for c in countries]),
            lo=lo,
            hi=hi,
            termination=np.array([c.no_deal_value for c in countries], dtype=float),
            tables=_value_tables(tables, n, k),
            excluded=ExcludedOptions(space.sizes, excluded) if excluded.any() else None,
        )

    def normalised(self, package: dict[str, float | str]) -> dict[int, float]:
        """A partial natural package {issue: value or label} -> {issue index: position in [0, 1]} (made once per
        package: do not change it)."""
        space = self.space
        return self.cached(("normalised", *package.items()), lambda: {
            space.index(name): space.issues[space.index(name)].normalise(v) for name, v in package.items()})

    @property
    def threatener(self) -> int | None:
        country = self.spec.threat.country
        return None if country is None else self.countries.index(country)

    @cached_property
    def rule(self) -> Rule:
        """The decision rule (``protocol.rule``)."""
        spec = self.spec.protocol.rule
        return Rule(len(self.countries), spec.at_least or len(self.countries),
                    tuple(self.countries.index(code) for code in spec.veto))

    @cached_property
    def no_deal_termination(self) -> np.ndarray:
        """(N,) whether ending without a deal gives each country its termination (or reservation) value rather
        than the status quo, when no threat is carried out: ``protocol.no_deal = "termination"``, or a
        reservation value."""
        everyone = self.spec.protocol.no_deal == "termination"
        return np.array([everyone or c.reservation_value is not None for c in self.spec.countries.values()])

    @cached_property
    def status_quo_utility(self) -> np.ndarray:
        """(N,) utilities of the status quo; NaN when the scenario has none."""
        status_quo = self.space.status_quo
        return np.full(len(self.countries), np.nan) if status_quo is None else self.preferences.utility(status_quo)

    @cached_property
    def initial_beliefs(self) -> np.ndarray:
        """Every country's belief in the threat at the start of talks, before noise (NaN for the threatener)."""
        return initial_beliefs(self.countries, self.spec.threat.country,
                               {code: c.belief for code, c in self.spec.countries.items()},
                               self.no_deal_termination)

    @cached_property
    def initial_walk_away(self) -> np.ndarray:
        """Walk-away values at the start of talks (scenario beliefs, no noise)."""
        return walk_away_values(self.preferences.termination, self.status_quo_utility, self.threatener,
                                np.nan_to_num(self.initial_beliefs))

    # -------------------------------------------------------------------------------------- derived, cached

    @cached_property
    def _cache(self) -> Cache:
        return Cache(CACHE_SIZE)

    def cached(self, key: Hashable, make: Callable[[], T]) -> T:
        """A value derived from this scenario, made once (the scenario's one bounded cache)."""
        return self._cache.get(key, make)

    def concession_path(self, row: int, preferences: Preferences | None = None) -> ConcessionPath:
        """Country ``row``'s concession path under ``preferences`` (default: the scenario's own), built once per
        distinct preferences and shared by every run of the scenario."""
        prefs = self.preferences if preferences is None else preferences
        return self.cached(("path", row, prefs.fingerprint), lambda: concession_path(prefs, self.space, row))

    def concession_paths(self, row: int, preferences: Preferences | list[Preferences], weights: np.ndarray
                         ) -> list[ConcessionPath]:
        """Country ``row``'s concession paths under ``preferences`` (or ``preferences[e]``, one per set of weights)
        with each of E weights (E, N, K) in place of its own: ``concession_path`` of each, cached under the same keys,
        those not in the cache built at once."""
        if isinstance(preferences, Preferences):
            keys = [("path", row, key) for key in preferences.fingerprints(weights)]
            return self._cache.get_many(keys, lambda missing: concession_paths(preferences, self.space, row,
                                                                               weights[missing]))
        keys = [("path", row, prefs.fingerprints(w[None])[0]) for prefs, w in zip(preferences, weights, strict=True)]
        return self._cache.get_many(keys, lambda missing: concession_paths_of(
            [dataclasses.replace(preferences[i], weights=weights[i]) for i in missing], self.space, row))

    def concession_paths_of(self, row: int, preferences: list[Preferences]) -> list[ConcessionPath]:
        """Country ``row``'s concession paths under each of many preferences (a batch's preference groups):
        ``concession_path`` of each, cached under the same keys, those not in the cache built at once
        (``offers.concession_paths_of``)."""
        keys = [("path", row, prefs.fingerprint) for prefs in preferences]
        return self._cache.get_many(keys, lambda missing: concession_paths_of([preferences[i] for i in missing],
                                                                              self.space, row))

    def zopa(self) -> analysis.Zopa:
        """The zone of possible agreement at the initial walk-away values, under the decision rule."""
        return self.solutions().zopa

    def solutions(self) -> analysis.Solutions:
        """ZOPA, Nash, Kalai-Smorodinsky and maximum-welfare points at the initial walk-away values, under the
        decision rule.

        Raises:
            ScenarioError: The scenario is too large for the exact search (:meth:`check_exact_search`).
        """
        self.check_exact_search()
        return analysis.solutions(self.preferences, self.space, self.initial_walk_away, self.rule)

    def deal_metrics(self, package: np.ndarray) -> dict:
        """Efficiency of an agreed package (K,), or of (M, K) packages, at the initial walk-away values
        (``analysis.deal_metrics``).

        Raises:
            ScenarioError: The scenario is too large for the exact search (:meth:`check_exact_search`).
        """
        self.check_exact_search()
        return analysis.deal_metrics(self.preferences, self.space, self.initial_walk_away, package, self.rule)

    def check_exact_search(self) -> None:
        """ScenarioError, naming the limit, when the scenario is too large for the exact search to answer in
        seconds (``limits.MAX_CONTINUOUS_VALUES``, ``limits.MAX_OPTION_VALUES``); the engine itself runs it."""
        space, n = self.space, len(self.countries)
        continuous = int((~space.discrete).sum())
        what = "the exact search (zone of agreement, Nash, Kalai-Smorodinsky, maximum welfare, distances)"
        if continuous * n > MAX_CONTINUOUS_VALUES:
            raise ScenarioError(f"{self.origin}: issues: {what} takes at most {MAX_CONTINUOUS_VALUES} continuous "
                                f"issues x countries, found {continuous} x {n} = {continuous * n}")
        options = int((space.sizes[space.discrete] + 1).sum())
        packages = math.prod(int(s) + 1 for s in space.sizes[space.discrete])
        if (continuous or packages > ENUMERATE) and options * n > MAX_OPTION_VALUES:
            raise ScenarioError(f"{self.origin}: issues: {what} takes at most {MAX_OPTION_VALUES:,} options of "
                                f"discrete issues x countries when the packages are too many to list "
                                f"({ENUMERATE:,}), found {options:,} x {n} = {options * n:,}")

    # -------------------------------------------------------------------------------------- parameters

    def strategy_params(self, country: str) -> StrategyParams:
        """A country's strategy parameters, validated once (frozen: every run shares them)."""
        spec = self.spec.countries[country].strategy
        return self.cached(("strategy params", country), lambda: STRATEGIES[spec.name].Params(**spec.params))

    def month(self, round_: int) -> str | None:
        """Calendar month (YYYY-MM) of a round; round 1 is ``calendar.start``. None without a ``[calendar]``."""
        if self.spec.calendar is None:
            return None
        year, month = map(int, self.spec.calendar.start.split("-"))
        m = month - 1 + int((round_ - 1) * self.spec.calendar.months_per_round)
        return f"{year + m // 12:04d}-{m % 12 + 1:02d}"

    def dated(self, round_: int) -> str:
        """`` (YYYY-MM)``, the month of a round as the text after a round number shows it; empty without a
        calendar."""
        month = self.month(round_)
        return "" if month is None else f" ({month})"

    def with_overrides(self, overrides: list[str] | dict[str, Any] | None) -> Scenario:
        """A new scenario with dotted-path overrides applied (``["US.termination_value=0.6"]`` or a dict).

        Raises:
            ScenarioError: ``overrides`` is neither a list of ``PATH=VALUE`` strings nor a dict keyed by paths,
                or an override is unknown or invalid.
        """
        if isinstance(overrides, dict) and all(isinstance(path, str) for path in overrides):
            items = list(overrides.items())
        elif isinstance(overrides, list | tuple) and all(isinstance(text, str) for text in overrides):
            items = list(map(parse_override, overrides))
        elif overrides is None:
            items = []
        else:
            raise ScenarioError(f"overrides: expected a list of 'PATH=VALUE' strings or a dict {{PATH: value}}, "
                                f"found {overrides!r:.80}")
        if not items:
            return self
        raw = _copied_along(self.raw, [path for path, _ in items], set(self.raw.get("countries", {})))
        for path, value in items:
            apply_override(raw, path, value.item() if isinstance(value, np.generic) else value, self.origin)
        return from_dict(raw, self.origin, self.sources)


def _copied_along(raw: dict, paths: list[str], countries: set[str]) -> dict:
    """A copy of ``raw`` that overrides of ``paths`` may change in place: the tables along each path are copied
    (an override writes only there), everything else is shared with ``raw`` (never changed in place)."""
    out = dict(raw)
    for path in paths:
        keys = path.split(".")
        node, original = out, raw
        for key in (["countries", *keys] if keys[0] in countries else keys)[:-1]:
            child = original.get(key) if isinstance(original, dict) else None
            if not isinstance(child, dict):
                break
            if node.get(key) is child:  # not copied yet
                node[key] = dict(child)
            node, original = node[key], child
    return out


def _value_tables(tables: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]], n: int, k: int
                  ) -> ValueTables | None:
    """The (row, issue) -> (points, values) tables as padded arrays (a shorter table repeats its last point)."""
    if not tables:
        return None
    width = max(len(p) for p, _ in tables.values())
    tabled, points, values = np.zeros((n, k), dtype=bool), np.zeros((n, k, width)), np.zeros((n, k, width))
    for (row, col), (p, v) in tables.items():
        tabled[row, col] = True
        points[row, col] = np.concatenate([p, np.full(width - len(p), p[-1])])
        values[row, col] = np.concatenate([v, np.full(width - len(v), v[-1])])
    return ValueTables(tabled, points, values)


def from_dict(raw: dict, origin: str = "<scenario>", sources: dict[str, str] | None = None) -> Scenario:
    """Validate a plain scenario dict (no sources) into a Scenario.

    Raises:
        ScenarioError: With one message naming the file, the key, what was expected and what was found.
    """
    try:
        spec = ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(f"{origin}: {validation_message(exc, raw)}") from None
    check(spec, origin)
    return Scenario(spec=spec, raw=raw, origin=origin, sources=dict(sources or {}))
