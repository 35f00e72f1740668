"""The entry points every front end uses: ``run(scenario, overrides, seed, record) -> Result`` for one
negotiation, ``run_batch(scenario, seeds, overrides) -> Replications`` for many at once (one model, arrays with a
replication axis; replication r is exactly ``run(..., seed=seeds[r])``)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .cache import Cache
from .model import OUTCOMES, NegotiationModel
from .outcomes import Outcome
from .parameter_sets import Sets, Variants, sets_of, structure
from .scenario import Scenario, ScenarioError, load_scenario
from .scenario.overrides import parse_value

#: Whether each outcome code of ``NegotiationModel.outcomes`` ends with a signed package (the last: -1, still live).
_SIGNED = np.array([o.signed for o in OUTCOMES] + [False])
_OUTCOMES = np.array(OUTCOMES + (None,), dtype=object)  # an outcome code's Outcome (-1: None, still negotiating)


@dataclass
class Result:
    """What one run produced.

    Attributes:
        scenario: Scenario name.
        seed: The seed it ran with (drawn afresh when none was given: pass it back to run it again).
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


@dataclass
class Replications:
    """What a batch of runs produced, as arrays with one entry per replication (``run_batch``).

    Attributes:
        scenario: The scenario (overrides applied).
        seeds: (R,) seeds.
        outcome: (R,) Outcome of each replication.
        round: (R,) round of the outcome.
        notice_round: (R,) round of the notice of withdrawal, -1 without one.
        signed: (R,) whether it ended with a signed package (deal or bilateral).
        package: (R, K) the agreed package (normalised), where ``signed``.
        signatories, supporters, ratified: (R, N) per country (supporters: who voted for the package).
        utilities, walk_away: (R, N) utility of the outcome, and walk-away value in the round of the outcome.
        beliefs: (T, R, N) every country's belief in the threat at the end of each round (rounds after a
            replication's outcome are not its own).
        cases, case: In a heterogeneous batch (``run_batch(..., parameters=...)``), the scenarios its replications
            ran (``parameter_sets.Sets``: each replication's parameter set applied, built when asked for) and (R,)
            which one each ran; None: ``scenario``'s own.
        offer_rounds, offers: The rounds asked for (``run_batch(..., offer_rounds=...)``) and (R, F, N, K) every
            country's offer at the end of each (normalised; NaN: none tabled, or the talks had ended).
    """

    scenario: Scenario
    seeds: np.ndarray
    outcome: np.ndarray
    round: np.ndarray
    notice_round: np.ndarray
    signed: np.ndarray
    package: np.ndarray
    signatories: np.ndarray
    supporters: np.ndarray
    ratified: np.ndarray
    utilities: np.ndarray
    walk_away: np.ndarray
    beliefs: np.ndarray = field(repr=False)
    cases: Sets | None = field(default=None, repr=False)
    case: np.ndarray | None = field(default=None, repr=False)
    offer_rounds: tuple[int, ...] = ()
    offers: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def of(cls, model: NegotiationModel) -> Replications:
        """The outcomes of a model whose replications have all ended."""
        agreement = model.agreement
        outcome = _OUTCOMES[model.outcomes]
        signed = agreement.rows & _SIGNED[model.outcomes]
        return cls(scenario=model.case, seeds=model.seeds.copy(), outcome=outcome, round=model.ended.copy(),
                   notice_round=model.clock.notice_round.copy(), signed=signed,
                   package=agreement.package, signatories=agreement.signatories, supporters=agreement.supporters,
                   ratified=model.ratified, utilities=model.final_utilities, walk_away=model.final_walk_away,
                   beliefs=np.array(model.belief_path), offer_rounds=model.offer_rounds, offers=model.offers)

    def __len__(self) -> int:
        return len(self.seeds)

    def __getitem__(self, r: int) -> Result:
        return self.result(r)

    def __iter__(self):
        return (self.result(r) for r in range(len(self)))

    def scenario_of(self, r: int) -> Scenario:
        """The scenario replication r ran (its parameter set applied; built when asked for)."""
        return self.scenario if self.cases is None else self.cases[int(self.case[r])]

    def structure_of(self, r: int) -> Scenario:
        """A scenario with replication r's structure (issues, clock, countries, rules), without building its own:
        enough to read its packages and months."""
        return self.scenario if self.cases is None else self.cases.base_of(self.case[r])

    def take(self, rows: np.ndarray) -> Replications:
        """The replications ``rows`` (indices or a mask), in that order."""
        rows = np.arange(len(self))[rows]
        arrays = {name: getattr(self, name)[rows] for name in _PER_REPLICATION}
        return replace(self, **arrays, beliefs=self.beliefs[:, rows],
                       case=None if self.case is None else self.case[rows])

    def result(self, r: int) -> Result:
        """Replication r as a Result (no per-round records)."""
        scenario = self.structure_of(r)
        countries = scenario.countries
        signed = bool(self.signed[r])
        package = self.package[r].copy() if signed else None
        who = lambda mask: [c for c, ok in zip(countries, mask.tolist(), strict=True) if ok]  # noqa: E731
        notice = int(self.notice_round[r])
        end = int(self.round[r])
        each = lambda values: dict(zip(countries, values[r].tolist(), strict=True))  # noqa: E731 (Python's numbers)
        return Result(
            scenario=scenario.name,
            seed=int(self.seeds[r]),
            outcome=self.outcome[r],
            round=end,
            month=scenario.month(end),
            agreement=None if package is None else scenario.space.natural(package),
            utilities=each(self.utilities),
            walk_away=each(self.walk_away),
            notice_round=None if notice < 0 else notice,
            ratified=each(self.ratified),
            beliefs={c: [None if math.isnan(b) else b for b in path]
                     for c, path in zip(countries, self.beliefs[:end, r].T.tolist(), strict=True)},
            signatories=who(self.signatories[r]) if signed else None,
            supporters=who(self.supporters[r]) if signed and not scenario.rule.unanimous else None,
            package=package,
        )


_PER_REPLICATION = ("seeds", "outcome", "round", "notice_round", "signed", "package", "signatories", "supporters",
                    "ratified", "utilities", "walk_away", "offers")


def _merged(base: Scenario, parts: list[tuple[np.ndarray, Replications]], cases: Sets,
            case: np.ndarray) -> Replications:
    """One batch, in replication order, from batches of some of its replications (indices, batch)."""
    size = sum(len(rows) for rows, _ in parts)
    if len(parts) == 1 and np.array_equal(parts[0][0], np.arange(size)):  # one model ran every one, in order
        return replace(parts[0][1], scenario=base, cases=cases, case=case)
    rounds = max(part.beliefs.shape[0] for _, part in parts)
    arrays = {}
    for name in _PER_REPLICATION:
        first = getattr(parts[0][1], name)
        arrays[name] = np.empty((size, *first.shape[1:]), dtype=first.dtype)
        for rows, part in parts:
            arrays[name][rows] = getattr(part, name)
    beliefs = np.full((rounds, size, len(base.countries)), np.nan)
    for rows, part in parts:
        beliefs[:part.beliefs.shape[0], rows] = part.beliefs
    return Replications(scenario=base, **arrays, beliefs=beliefs, cases=cases, case=case,
                        offer_rounds=parts[0][1].offer_rounds)


def _checked_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ScenarioError(f"seed: expected an integer >= 0, found {seed!r:.80}")
    if seed >= 2 ** 64:
        raise ScenarioError(f"seed: expected an integer below 2**64, found {seed!r:.80}")
    return int(seed)  # numpy integers too


def _scenario(scenario: Scenario | str | Path, overrides) -> Scenario:
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    return scenario.with_overrides(overrides)


def run_batch(
    scenario: Scenario | str | Path,
    seeds: Sequence[int] | np.ndarray,
    overrides: list[str] | dict[str, Any] | None = None,
    parameters: dict[str, Sequence] | pd.DataFrame | None = None,
    offer_rounds: Sequence[int] = (),
) -> Replications:
    """Run one negotiation once per seed, all at once (one model acting on arrays with a replication axis).

    Replication r gives exactly what ``run(scenario, overrides, seed=seeds[r], record=False)`` gives: every
    random number is a pure function of (seed, round, country, purpose) (``streams.py``). Memory grows with the
    number of seeds (a batch of 10^5 nafta-2017 runs peaks at about 320 MB, the imports included): for millions of
    runs, run chunks (a sweep does).

    With ``parameters`` every replication holds its own parameter set (a heterogeneous batch): replication r
    gives exactly what ``run(scenario, overrides=[*overrides, *(f"{path}={values[r]}" for path, values in
    parameters.items())], seed=seeds[r])`` gives. Replications that share a structure (``parameter_sets``:
    all but preferences, beliefs, noise, erosion, batched strategy parameters, the constituencies' numbers and the
    issues' status quo) run as one model, the others
    as one model per structure; concession paths are shared by preferences across replications and calls.

    Args:
        scenario: A Scenario, a bundled scenario name or a path to a TOML file.
        seeds: One seed (an integer in [0, 2**64)) per replication.
        overrides: Dotted-path overrides, as for ``run``, applied to every replication.
        parameters: Dotted path (any path ``--set`` accepts) -> one value per replication (a list or an array),
            or a DataFrame with one column per path. A string is read as ``--set`` reads it (TOML, else the bare
            text: ``"boulware"``, ``"[1, 2]"``); any other value is used as it is (numpy numbers as Python's).
            Applied after ``overrides``, in the order of the paths.
        offer_rounds: Rounds whose offers to keep for every replication (``Replications.offers``).

    Raises:
        ScenarioError: A bad scenario, override, parameter value or seed, with one message naming what was
            expected and found (for a parameter value: its row and path); nothing is run.
    """
    seeds = [_checked_seed(s) for s in (seeds.tolist() if isinstance(seeds, np.ndarray) else seeds)]
    if not seeds:
        raise ScenarioError("seeds: expected at least one seed, found none")
    scenario = _scenario(scenario, overrides)
    if parameters is None:
        return Replications.of(NegotiationModel(scenario, seeds=seeds, record=False, offer_rounds=offer_rounds).run())
    cases, case = parameter_sets(scenario, parameters, len(seeds))
    return run_variants(scenario, seeds, cases, case, offer_rounds)


def parameter_sets(scenario: Scenario, parameters: dict[str, Sequence] | pd.DataFrame, size: int
                   ) -> tuple[Sets, np.ndarray]:
    """The distinct parameter sets of a table of parameters (path -> one value per row), validated as the file is
    (``parameter_sets.sets_of``: numbers the model holds per replication column-wise, the other columns once per
    distinct combination), and (size,) which one each row holds.

    Raises:
        ScenarioError: The table is not one value per row for every path, or a value is invalid (naming the row,
            the path, what was expected and what was found).
    """
    if isinstance(parameters, pd.DataFrame):
        parameters = {str(path): parameters[path].tolist() for path in parameters.columns}
    if not isinstance(parameters, dict) or not all(isinstance(path, str) for path in parameters):
        raise ScenarioError(f"parameters: expected a dict {{PATH: values}} or a DataFrame, found "
                            f"{parameters!r:.80}")
    columns = {}
    for path, values in parameters.items():
        if isinstance(values, str | bytes) or not hasattr(values, "__len__"):
            raise ScenarioError(f"parameters.{path}: expected one value per replication (a list or an array), "
                                f"found {values!r:.80}")
        numeric = isinstance(values, np.ndarray | pd.Series) and values.dtype.kind in "biuf"
        values = values.tolist() if isinstance(values, np.ndarray | pd.Series) else list(values)
        if len(values) != size:
            raise ScenarioError(f"parameters.{path}: expected {size} values (one per seed), found {len(values)}")
        columns[path] = values if numeric else [  # a numeric array's tolist() is Python numbers already
            parse_value(v) if isinstance(v, str) else v.item() if isinstance(v, np.generic) else v for v in values]
    sets, case, _ = sets_of(scenario, columns, size)
    return sets, case


#: A representative scenario per structure (``parameter_sets.structure``): its cache holds the concession paths
#: of every replication of that structure, across calls.
_STRUCTURES: Cache[Scenario] = Cache(64)


def run_variants(scenario: Scenario, seeds: list[int], cases: Sets | Sequence[Scenario], case: np.ndarray,
                 offer_rounds: Sequence[int] = ()) -> Replications:
    """Run replication r with ``cases[case[r]]`` and ``seeds[r]``: one model per structure (keeping the offers
    of ``offer_rounds``).

    Args:
        cases: The parameter sets (``parameter_sets.Sets``), or the scenarios themselves.
    """
    sets = cases if isinstance(cases, Sets) else Sets.of(cases)
    keys = [None if base is None else structure(base) for base in sets.bases]
    names = list(dict.fromkeys(keys))  # the distinct structures, in order of their first base
    structure_of = np.array([names.index(key) for key in keys])[sets.base]  # (S,) each set's
    parts = []
    for n, key in enumerate(names):
        members = np.flatnonzero(structure_of == n)
        rows = np.flatnonzero(structure_of[case] == n)
        if not rows.size:
            continue
        shared = _STRUCTURES.get(key, lambda c=int(members[0]): sets.base_of(c))
        model = NegotiationModel(shared, seeds=[seeds[r] for r in rows], record=False,
                                 variants=Variants.of(sets, case[rows]), offer_rounds=offer_rounds)
        parts.append((rows, Replications.of(model.run())))
    return _merged(scenario, parts, sets, case)


def run(
    scenario: Scenario | str | Path,
    overrides: list[str] | dict[str, Any] | None = None,
    seed: int | None = None,
    record: bool = True,
) -> Result:
    """Run one negotiation to its outcome: a batch of one (``run_batch``).

    Args:
        scenario: A Scenario, a bundled scenario name or a path to a TOML file.
        overrides: Dotted-path overrides, ``["US.termination_value=0.6"]`` or ``{"US.termination_value": 0.6}``.
        seed: Seed of the run's random numbers; the same seed gives the same result (None: a fresh one, kept in
            ``Result.seed``).
        record: Keep per-round records (``Result.rounds``, ``Result.tabled``); off for sweeps.

    Raises:
        ScenarioError: A bad scenario, override or seed, with one message naming what was expected and found.
    """
    seed = None if seed is None else _checked_seed(seed)
    scenario = _scenario(scenario, overrides)
    model = NegotiationModel(scenario, rng=seed, record=record).run()
    result = Replications.of(model).result(0)  # its seed: the one given, or the one drawn (to run it again)
    if record:
        records = model.records
        result.rounds, result.tabled, result.domestic = records.rounds(model), records.packages(model), \
            records.domestic(model)
    return result
