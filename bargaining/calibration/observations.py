"""Observations: dated facts about a negotiation, each with its source, and how far a run is from each.

An observations file (TOML) has a ``cutoff`` month and a list of ``[[facts]]``. Every fact has a ``kind``, a
``date`` (``YYYY-MM``, turned into a round by the scenario's calendar), a ``source`` (the report's file name)
and a ``quote`` from it; optional ``id``, ``weight`` (default 1) and ``note``. Kinds:

* ``no_agreement``: no package had been signed by ``date``;
* ``notice``: the threatener had (``given = true``) or had not (``given = false``) given notice of withdrawal;
* ``opening``: ``country`` was still tabling its opening demand (its ideal) on ``issue``;
* ``tabled``: ``country`` tabled on ``issue`` a ``level``, one of ``levels``, or a value ``between = [lo, hi]``;
* ``chapter``: the chapter ``issue`` was (``agreed = true``) or was not (``false``) agreed: every country's
  offer on it within ``tolerance`` (share of the range, default 0.05) of the others', or a signed package;
* ``outcome``: the talks ended in ``outcome`` (deal, withdrawal, ...) in the month ``date``;
* ``agreed``: the signed package set ``issue`` to ``value`` (continuous) or ``level`` (ordinal).

Only facts dated no later than the cut-off are used to calibrate; later ones are held back, to score a
forecast against (``bargaining score``). Each fact's *miss* for a run is a number in [0, 1]: 0 when the run
reproduces it, else how far off it is (a share of the issue's range for positions, 1 for a wrong yes/no, and
1 for another option of a categorical issue, whose options are unordered).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import ScenarioError
from ..issues import Issue
from ..outcomes import Outcome
from ..scenario import Scenario, validation_message
from ..scenario.load import read_toml
from ..simulate import Replications, Result

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
#: Largest weight of a fact: weights are relative, and their sum must stay a finite number.
MAX_WEIGHT = 1e6
SIGNED = (Outcome.DEAL, Outcome.BILATERAL, Outcome.RATIFICATION_FAILED)  # a package was signed


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: str | None = None
    date: str = Field(pattern=MONTH, description="month the fact held, YYYY-MM")
    source: str = Field(min_length=1, description="the report it comes from (file name)")
    quote: str = Field(min_length=1, description="a short quote from the source")
    weight: float = Field(1.0, gt=0, le=MAX_WEIGHT, description="weight in the distance")
    note: str = ""

    def describe(self) -> str:
        raise NotImplementedError


class NoAgreement(_Fact):
    kind: Literal["no_agreement"]

    def describe(self) -> str:
        return f"no package signed by {self.date}"


class Notice(_Fact):
    kind: Literal["notice"]
    given: bool

    def describe(self) -> str:
        return f"notice of withdrawal {'given' if self.given else 'not given'} by {self.date}"


class Opening(_Fact):
    kind: Literal["opening"]
    country: str
    issue: str

    def describe(self) -> str:
        return f"{self.country} still tables its opening demand on {self.issue} in {self.date}"


class Tabled(_Fact):
    kind: Literal["tabled"]
    country: str
    issue: str
    level: str | None = None
    levels: list[str] | None = None
    between: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _one_position(self) -> Tabled:
        given = [k for k in ("level", "levels", "between") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"expected exactly one of level, levels, between, found {given or 'none'}")
        if self.between is not None and self.between[0] > self.between[1]:
            raise ValueError(f"between: expected [low, high] with low <= high, found {list(self.between)}")
        return self

    def allowed_levels(self) -> list[str] | None:
        return [self.level] if self.level is not None else self.levels

    def describe(self) -> str:
        what = (f"between {self.between[0]:g} and {self.between[1]:g}" if self.between is not None
                else " or ".join(repr(v) for v in self.allowed_levels()))
        return f"{self.country} tables {self.issue} {what} in {self.date}"


class Chapter(_Fact):
    kind: Literal["chapter"]
    issue: str
    agreed: bool
    tolerance: float = Field(0.05, ge=0, lt=1)

    def describe(self) -> str:
        return f"chapter {self.issue} {'agreed' if self.agreed else 'not agreed'} by {self.date}"


class Ended(_Fact):
    kind: Literal["outcome"]
    outcome: Outcome

    def describe(self) -> str:
        return f"talks end in {self.outcome} in {self.date}"


class Agreed(_Fact):
    kind: Literal["agreed"]
    issue: str
    value: float | None = None
    level: str | None = None

    @model_validator(mode="after")
    def _one_value(self) -> Agreed:
        if (self.value is None) == (self.level is None):
            raise ValueError("expected exactly one of value (continuous issue) or level (ordinal issue)")
        return self

    def describe(self) -> str:
        return f"the package sets {self.issue} to {self.level if self.level is not None else f'{self.value:g}'}"


KINDS: dict[str, type[_Fact]] = {cls.model_fields["kind"].annotation.__args__[0]: cls for cls in (
    NoAgreement, Notice, Opening, Tabled, Chapter, Ended, Agreed)}
Fact = NoAgreement | Notice | Opening | Tabled | Chapter | Ended | Agreed


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario: str | None = None
    description: str = ""
    priors: str | None = Field(None, description="the priors file to calibrate with, relative to this file")
    cutoff: str = Field(pattern=MONTH, description="facts dated later are held back from calibration")
    facts: list[dict] = Field(min_length=1)


def round_of(scenario: Scenario, month: str) -> int:
    """The round running in ``month`` (YYYY-MM): the last round that starts no later than it.

    Raises:
        ValueError: The month lies before round 1 or after the scenario's horizon.
    """
    horizon = scenario.spec.protocol.horizon_round
    first, last = scenario.month(1), scenario.month(horizon)
    if not first <= month <= last:
        raise ValueError(f"expected a month in the scenario's calendar, {first} to {last} (round 1 to the "
                         f"horizon, round {horizon}), found {month!r}")
    return max(r for r in range(1, horizon + 1) if scenario.month(r) <= month)


@dataclass(frozen=True)
class Observations:
    """The facts of an observations file, checked against a scenario.

    Attributes:
        origin: File they came from.
        cutoff: Last month whose facts are used to calibrate (YYYY-MM).
        facts: Every fact, in file order.
        rounds: The round of each fact's date.
        text: The file's text.
        issues: The scenario's issues.
        countries: The scenario's countries.
        ideals: (country, issue) -> the country's opening demand (its ideal), normalised.
        priors: The priors file the observations name (``priors = "..."``, relative to them), or None.
    """

    origin: str
    cutoff: str
    facts: tuple[Fact, ...]
    rounds: tuple[int, ...]
    text: str
    issues: tuple[Issue, ...]
    countries: tuple[str, ...]
    ideals: dict[tuple[str, str], float]
    priors: str | None = None

    @property
    def used(self) -> list[int]:
        """Indices of the facts dated no later than the cut-off (those calibration uses)."""
        return [n for n, f in enumerate(self.facts) if f.date <= self.cutoff]

    @property
    def held_back(self) -> list[int]:
        """Indices of the facts dated after the cut-off (for scoring, never for calibration)."""
        return [n for n, f in enumerate(self.facts) if f.date > self.cutoff]

    def ids(self, which: list[int] | None = None) -> list[str]:
        return [self.facts[n].id for n in (self.used if which is None else which)]

    def with_cutoff(self, cutoff: str) -> Observations:
        """The same facts with another cut-off (to hold facts back, or let them in)."""
        if not re.match(MONTH, cutoff):
            raise ScenarioError(f"{self.origin}: cutoff: expected a month YYYY-MM, found {cutoff!r}")
        return replace(self, cutoff=cutoff)

    def misses(self, result: Result, which: list[int] | None = None) -> np.ndarray:
        """How far ``result`` (a run recorded with ``record=True``) is from each fact (0 = reproduced).

        Args:
            result: The run.
            which: Indices of the facts (default: those used, dated no later than the cut-off).
        """
        if result.rounds is None:
            raise ValueError("misses needs a run recorded with record=True")
        offers = _offers(result, self.issues)
        return np.array([_miss(self.facts[n], self.rounds[n], result, offers, self)
                         for n in (self.used if which is None else which)])

    def batch_misses(self, replications: Replications, which: list[int] | None = None) -> np.ndarray:
        """(R, facts) what :meth:`misses` gives for each replication of a batch run with the facts' rounds in
        ``offer_rounds`` (``run_batch(..., offer_rounds=obs.rounds)``): row r is exactly ``misses`` of replication
        r run alone with ``record=True``."""
        which = self.used if which is None else which
        index = {r: f for f, r in enumerate(replications.offer_rounds)}
        needed = sorted({self.rounds[n] for n in which})
        if any(r not in index for r in needed):
            raise ValueError(f"batch_misses needs the offers of rounds {needed}, found those of "
                             f"{list(replications.offer_rounds)}")
        offers = _normalised(replications.offers[:, [index[r] for r in needed]], self.issues)
        out = np.empty((len(replications), len(which)))
        for r in range(len(replications)):
            scenario = replications.structure_of(r)
            signed, end, notice = bool(replications.signed[r]), int(replications.round[r]), \
                int(replications.notice_round[r])
            path = _Path(replications.outcome[r], end, scenario.month(end), None if notice < 0 else notice,
                         replications.package[r] if signed else None)
            table = {(t, c): offers[r, f, n] for f, t in enumerate(needed) for n, c in enumerate(self.countries)}
            out[r] = [_miss(self.facts[n], self.rounds[n], path, table, self) for n in which]
        return out

    def to_toml(self) -> str:
        """These facts and this cut-off as an observations file (what a calibration folder keeps)."""
        facts = [f.model_dump(mode="json", exclude_none=True, exclude_defaults=False) for f in self.facts]
        data = {"cutoff": self.cutoff, **({"priors": self.priors} if self.priors else {}), "facts": facts}
        return toml_text(data)

    def weights(self, which: list[int] | None = None) -> np.ndarray:
        return np.array([self.facts[n].weight for n in (self.used if which is None else which)])


class _Path(NamedTuple):
    """What the facts ask of a run besides its offers (a ``Result`` has the same attributes)."""

    outcome: Outcome
    round: int
    month: str | None
    notice_round: int | None
    package: np.ndarray | None


def _offers(result: Result, issues: tuple[Issue, ...]) -> dict[tuple[int, str], np.ndarray]:
    """(round, country) -> its offer in that round, normalised to [0, 1] per issue (NaN: none)."""
    frame = result.rounds
    values = _scaled(frame[[i.name for i in issues]].to_numpy(dtype=float), issues)
    return {(r, c): row for r, c, row in zip(frame["round"].tolist(), frame["country"].tolist(), values,
                                             strict=True)}


def _normalised(offers: np.ndarray, issues: tuple[Issue, ...]) -> np.ndarray:
    """Offers (..., K) as a recorded run keeps them (``Records``: natural values or level indices), normalised
    back: the same numbers as :func:`_offers` reads from a recorded run."""
    values = np.empty_like(offers)
    for k, issue in enumerate(issues):
        x = offers[..., k]
        if issue.discrete:
            values[..., k] = np.rint(x * (len(issue.levels) - 1))  # Issue.numeric: round half to even, as round()
        else:
            values[..., k] = issue.naturals(x)
    return _scaled(values, issues)


def _scaled(values: np.ndarray, issues: tuple[Issue, ...]) -> np.ndarray:
    """Natural values or level indices (..., K) -> positions in [0, 1]."""
    values = values.copy()
    for k, issue in enumerate(issues):
        values[..., k] = (values[..., k] / (len(issue.levels) - 1) if issue.discrete
                          else (values[..., k] - issue.bounds[0]) / (issue.bounds[1] - issue.bounds[0]))
    return values


def _distance(issue: Issue, a: float, b: float) -> float:
    """How far apart two positions are, as a share of the issue's range; on a categorical issue (options are
    unordered) 0 for the same option, else 1."""
    if issue.kind == "categorical":
        n = len(issue.levels) - 1
        return float(round(a * n) != round(b * n))
    return abs(a - b)


def _miss(fact: Fact, round_: int, result: Result | _Path, offers: dict, obs: Observations) -> float:
    """One fact's miss for one run, in [0, 1]."""
    signed_by = result.round if result.outcome in SIGNED else None
    if isinstance(fact, NoAgreement):
        return float(signed_by is not None and signed_by <= round_)
    if isinstance(fact, Notice):
        given = result.notice_round is not None and result.notice_round <= round_
        return float(given != fact.given)
    if isinstance(fact, Ended):
        return float(result.outcome != fact.outcome or result.month != fact.date)
    names = [i.name for i in obs.issues]
    k = names.index(fact.issue)
    issue = obs.issues[k]
    if isinstance(fact, Agreed):
        if result.package is None:
            return 1.0
        target = issue.normalise(fact.level if fact.level is not None else fact.value)
        return float(min(1.0, _distance(issue, result.package[k], target)))
    if isinstance(fact, Chapter):
        if signed_by is not None and signed_by <= round_:
            spread = 0.0  # the chapter is part of a signed text
        else:
            rows = [offers.get((round_, c)) for c in obs.countries]
            if any(row is None or np.isnan(row[k]) for row in rows):
                return 1.0  # talks over (or no offers) before that round
            spread = max(_distance(issue, a[k], b[k]) for a in rows for b in rows)
        if fact.agreed:
            return float(min(1.0, max(0.0, spread - fact.tolerance)))
        return float(spread <= fact.tolerance)
    row = offers.get((round_, fact.country))
    if row is None or np.isnan(row[k]):
        return 1.0  # the talks had ended, or the country tabled nothing that round
    x = row[k]
    if isinstance(fact, Opening):
        return float(min(1.0, _distance(issue, x, obs.ideals[(fact.country, issue.name)])))
    if fact.between is not None:
        lo, hi = (issue.normalise(v) for v in fact.between)
    else:
        positions = [issue.normalise(v) for v in fact.allowed_levels()]
        return float(min(_distance(issue, x, p) for p in positions))
    return float(max(0.0, lo - x, x - hi))


def load_observations(path: str | Path, scenario: Scenario) -> Observations:
    """Read and check an observations file against ``scenario``.

    Raises:
        ScenarioError: One line naming the file, the fact and key, what was expected and what was found
            (an unknown country or issue, a date outside the calendar, a level that does not exist, a fact
            without a source, ...).
    """
    origin = str(path)
    text, data = read_toml(Path(path), origin)
    obs = parse_observations(data, scenario, origin, text)
    return obs if obs.priors is None else replace(obs, priors=str(Path(path).parent / obs.priors))


def parse_observations(data: dict, scenario: Scenario, origin: str = "<observations>",
                       text: str | None = None) -> Observations:
    """Check a parsed observations file (a dict) against ``scenario``; see :func:`load_observations`."""
    try:
        top = _File.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(f"{origin}: {validation_message(exc)}") from None
    space, countries = scenario.space, scenario.countries
    issues = {i.name: i for i in space}

    def fail(key: str, message: str):
        raise ScenarioError(f"{origin}: {key}: {message}")

    if scenario.spec.calendar is None:
        raise ScenarioError(f"{origin}: dated facts need a calendar: expected a [calendar] (start = \"YYYY-MM\", "
                            f"months_per_round) in scenario {scenario.name}, found none")
    try:
        round_of(scenario, top.cutoff)
    except ValueError as exc:
        fail("cutoff", str(exc))
    facts, rounds, seen = [], [], set()
    for n, raw in enumerate(top.facts):
        where = f"facts[{n}]"
        kind = raw.get("kind") if isinstance(raw, dict) else None
        if not isinstance(kind, str) or kind not in KINDS:
            fail(f"{where}.kind", f"expected one of {sorted(KINDS)}, found {kind!r:.80}")
        try:
            fact = KINDS[kind].model_validate(raw)
        except ValidationError as exc:
            fail(where, validation_message(exc))
        fact.id = fact.id or f"{n:02d}-{kind}"
        if fact.id in seen:
            fail(f"{where}.id", f"expected a unique id, found {fact.id!r} twice")
        seen.add(fact.id)
        try:
            rounds.append(round_of(scenario, fact.date))
        except ValueError as exc:
            fail(f"{where}.date", str(exc))
        country = getattr(fact, "country", None)
        if country is not None and country not in countries:
            fail(f"{where}.country", f"expected one of {list(countries)}, found {country!r}")
        name = getattr(fact, "issue", None)
        if name is not None:
            if name not in issues:
                fail(f"{where}.issue", f"expected one of {list(issues)}, found {name!r}")
            _check_position(fact, issues[name], f"{where}", fail)
        if isinstance(fact, Notice) and scenario.spec.threat.country is None:
            fail(f"{where}.kind", "a notice fact needs a scenario with a threat of withdrawal ([threat] country)")
        facts.append(fact)
    ideal = scenario.preferences.ideal  # a country's ideal entries, or the best options of its value tables
    ideals = {(c, i.name): float(ideal[n, k]) for n, c in enumerate(countries) for k, i in enumerate(space)}
    return Observations(origin, top.cutoff, tuple(facts), tuple(rounds), text if text is not None else repr(data),
                        tuple(space), countries, ideals, top.priors)


def _check_position(fact: Fact, issue: Issue, where: str, fail) -> None:
    """The levels or values a fact names exist on its issue."""
    def check(key: str, value):
        try:
            issue.normalise(value)
        except ValueError as exc:
            fail(f"{where}.{key}", f"{issue.name}: {exc}")

    if isinstance(fact, Tabled):
        if fact.between is not None:
            if issue.discrete:
                fail(f"{where}.between", f"{issue.name} is ordinal: expected level or levels, found between")
            for v in fact.between:
                check("between", v)
        else:
            if not issue.discrete:
                fail(f"{where}.level", f"{issue.name} is continuous: expected between = [low, high]")
            for v in fact.allowed_levels():
                check("level", v)
    elif isinstance(fact, Agreed):
        if issue.discrete != (fact.level is not None):
            fail(where, f"{issue.name} is {issue.kind}: expected {'level' if issue.discrete else 'value'}")
        check("level" if fact.level is not None else "value", fact.level if fact.level is not None else fact.value)


def toml_text(data: dict) -> str:
    """An observations dict (``cutoff``, ``facts``, ...) as TOML text."""
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(float(v)) if isinstance(v, float) else str(v)

    lines = [f"{k} = {value(v)}" for k, v in data.items() if k != "facts"]
    for fact in data["facts"]:
        lines += ["", "[[facts]]", *(f"{k} = {value(v)}" for k, v in fact.items())]
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # written as it will be read
    return text
