"""Scenario files: load a TOML file, validate it with pydantic, apply dotted-path overrides.

A scenario file declares ``[calendar]``, ``[protocol]``, ``[threat]``, ``[noise]``, one ``[issues.NAME]``
table per issue and one ``[countries.CODE]`` table per country (see ``scenarios/nafta-2017.toml``). Any
number may be written as ``{ value = 0.55, source = "..." }``: the source (a seed file name and a short
quote, or ``assumption: <reason>``) is kept in ``Scenario.sources`` under the parameter's dotted path.

Overrides use the same dotted paths; a path that starts with a country code is looked up under
``countries``: ``US.termination_value=0.6``, ``CA.weights.dispute_settlement=0.5``,
``CA.red_lines.us_content=10``, ``MX.strategy.beta=2``, ``protocol.deadline_round=10``.

Weights: in a file, each country's weights must sum to 1 (else the file is rejected). An override of one
weight keeps the value given and rescales the country's other weights so that they again sum to 1.
"""

from __future__ import annotations

import copy
import tomllib
import typing
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import constituencies as domestic
from .issues import Issue, IssueSpace
from .offers import ConcessionPath, concession_path
from .preferences import SHAPES, Preferences, red_line_interval
from .strategies import STRATEGIES, StrategyParams


class ScenarioError(ValueError):
    """A user mistake in a scenario file or override: the message names file, key, expected and found."""


# --------------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CalendarSpec(_Strict):
    start: str = Field("2017-08", pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="month of round 1, YYYY-MM")
    months_per_round: float = Field(1.0, gt=0)


class ProtocolSpec(_Strict):
    name: str = "alternating_offers"
    deadline_round: int = Field(ge=1, description="round by which a deal is due")
    horizon_round: int = Field(ge=1, description="last round if no notice of withdrawal is given")
    random_order: bool = Field(True, description="shuffle who proposes first each round")
    no_deal: Literal["status_quo", "termination"] = Field(
        "status_quo", description="what talks ending without a deal or withdrawal leave: the status quo "
        "(NAFTA continues) or nothing (every country gets its termination value)")

    @field_validator("name")
    @classmethod
    def _known(cls, name):
        from .protocols import PROTOCOLS

        if name not in PROTOCOLS:
            raise ValueError(f"expected one of {sorted(PROTOCOLS)}, found {name!r}")
        return name


class ThreatSpec(_Strict):
    country: str | None = Field(None, description="the country that can withdraw (NAFTA Art. 2205)")
    notice_rounds: int = Field(6, ge=0, description="rounds between notice and withdrawal")
    belief_erosion: float = Field(0.0, ge=0, le=1, description="share of belief lost each round past the "
                                  "deadline without a notice")


class NoiseSpec(_Strict):
    aspiration: float = Field(0.0, ge=0, le=1, description="s.d. of noise on each round's aspiration")
    belief: float = Field(0.0, ge=0, le=1, description="s.d. of noise on the partners' initial beliefs")


class IssueSpec(_Strict):
    label: str = ""
    kind: Literal["continuous", "ordinal"]
    unit: str = ""
    bounds: tuple[float, float] | None = None
    levels: list[str] | None = None
    status_quo: float | str

    @model_validator(mode="after")
    def _check(self):
        if self.kind == "continuous":
            if self.bounds is None or not self.bounds[0] < self.bounds[1]:
                raise ValueError(f"a continuous issue needs bounds = [lower, upper] with lower < upper, "
                                 f"found {self.bounds}")
            if self.levels is not None:
                raise ValueError("a continuous issue has bounds, not levels")
        else:
            if not self.levels or len(self.levels) < 2 or len(set(self.levels)) != len(self.levels):
                raise ValueError(f"an ordinal issue needs at least two distinct levels, found {self.levels}")
            if self.bounds is not None:
                raise ValueError("an ordinal issue has levels, not bounds")
        return self

    def issue(self, name: str) -> Issue:
        return Issue(name=name, kind=self.kind, status_quo=self.status_quo, label=self.label,
                     unit=self.unit, bounds=self.bounds, levels=tuple(self.levels) if self.levels else None)


class StrategySpec(BaseModel):
    """``name`` picks a strategy from the registry; the other keys are that strategy's parameters."""

    model_config = ConfigDict(extra="allow")
    name: str = "time_dependent"

    @field_validator("name")
    @classmethod
    def _known(cls, name):
        if name not in STRATEGIES:
            raise ValueError(f"expected one of {sorted(STRATEGIES)}, found {name!r}")
        return name

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class CountrySpec(_Strict):
    label: str = ""
    ideal: dict[str, float | str]
    weights: dict[str, float]
    red_lines: dict[str, float | str] = {}
    termination_value: float = Field(ge=0, le=1, description="utility if NAFTA ends")
    belief: float | None = Field(None, ge=0, le=1, description="belief that the threat is real")
    shape: Literal["linear", "quadratic"] = "linear"
    strategy: StrategySpec = StrategySpec()
    # domestic politics (constituencies.py): optional tables of the country
    congress: domestic.CongressSpec | None = None
    lobby: domestic.LobbySpec | None = None
    auto_workers: domestic.AutoWorkersSpec | None = None
    election: domestic.ElectionSpec | None = None
    audience_costs: domestic.AudienceCostsSpec | None = None

    @field_validator("weights")
    @classmethod
    def _non_negative(cls, weights):
        for issue, w in weights.items():
            if w < 0:
                raise ValueError(f"weight of {issue!r}: expected >= 0, found {w}")
        return weights


class ScenarioSpec(_Strict):
    name: str
    description: str = ""
    calendar: CalendarSpec = CalendarSpec()
    protocol: ProtocolSpec
    threat: ThreatSpec = ThreatSpec()
    noise: NoiseSpec = NoiseSpec()
    issues: dict[str, IssueSpec] = Field(min_length=1)
    countries: dict[str, CountrySpec] = Field(min_length=2)
    events: list[domestic.EventSpec] = []
    ratification: domestic.RatificationSpec = domestic.RatificationSpec()


# --------------------------------------------------------------------------------------------------
# The validated scenario
# --------------------------------------------------------------------------------------------------

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
        space, countries = self.space, self.spec.countries.values()
        ideal = np.array([space.normalise(c.ideal) for c in countries])
        lo, hi = np.zeros_like(ideal), np.ones_like(ideal)
        for n, c in enumerate(countries):
            for issue, bound in c.red_lines.items():
                k = space.index(issue)
                lo[n, k], hi[n, k] = red_line_interval(ideal[n, k], space.issues[k].normalise(bound))
        return Preferences(
            countries=self.countries,
            ideal=ideal,
            weights=np.array([[c.weights.get(i, 0.0) for i in space.names] for c in countries]),
            exponent=np.array([SHAPES[c.shape] for c in countries]),
            lo=lo,
            hi=hi,
            termination=np.array([c.termination_value for c in countries]),
        )

    @cached_property
    def _paths(self) -> dict[int, ConcessionPath]:
        return {}

    def concession_path(self, row: int) -> ConcessionPath:
        """The concession path of country ``row`` under the scenario's own preferences (built once)."""
        if row not in self._paths:
            self._paths[row] = concession_path(self.preferences, self.space, row)
        return self._paths[row]

    @property
    def threatener(self) -> int | None:
        country = self.spec.threat.country
        return None if country is None else self.countries.index(country)

    def strategy_params(self, country: str) -> StrategyParams:
        spec = self.spec.countries[country].strategy
        return STRATEGIES[spec.name].Params(**spec.params)

    def month(self, round_: int) -> str:
        """Calendar month (YYYY-MM) of a round; round 1 is ``calendar.start``."""
        year, month = map(int, self.spec.calendar.start.split("-"))
        m = month - 1 + int((round_ - 1) * self.spec.calendar.months_per_round)
        return f"{year + m // 12:04d}-{m % 12 + 1:02d}"

    def with_overrides(self, overrides: list[str] | dict[str, Any] | None) -> Scenario:
        """A new scenario with dotted-path overrides applied (``["US.termination_value=0.6"]`` or a dict)."""
        if not overrides:
            return self
        raw = copy.deepcopy(self.raw)
        items = overrides.items() if isinstance(overrides, dict) else map(parse_override, overrides)
        for path, value in items:
            apply_override(raw, path, value, self.origin)
        return from_dict(raw, self.origin, self.sources)


def parse_override(text: str) -> tuple[str, Any]:
    """``"US.termination_value=0.6"`` -> ``("US.termination_value", 0.6)``; values are read as TOML."""
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise ScenarioError(f"override {text!r}: expected PATH=VALUE, e.g. US.termination_value=0.6")
    return path.strip(), parse_value(value.strip())


def parse_value(text: str) -> Any:
    """A TOML value (number, bool, quoted string, array), else the bare text as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


# Fields a table may gain by an override even if the file leaves them out.
_TABLE_FIELDS = {
    "calendar": CalendarSpec, "protocol": ProtocolSpec, "threat": ThreatSpec, "noise": NoiseSpec,
    "ratification": domestic.RatificationSpec,
}


def _country_table(name: str) -> type[BaseModel] | None:
    """The pydantic model of a country's sub-table (``congress``, ``lobby``, ...), if it is one."""
    field = CountrySpec.model_fields.get(name)
    for t in (field.annotation, *typing.get_args(field.annotation)) if field else ():
        if isinstance(t, type) and issubclass(t, BaseModel):
            return t
    return None


def _allowed_keys(raw: dict, keys: list[str], node: dict) -> set[str]:
    """Keys an override may set in ``node``, reached from the scenario root by ``keys``."""
    allowed = set(node)
    if len(keys) == 1 and keys[0] in _TABLE_FIELDS:
        allowed |= set(_TABLE_FIELDS[keys[0]].model_fields)
    elif len(keys) == 2 and keys[0] == "countries":
        allowed |= set(CountrySpec.model_fields)
    elif len(keys) == 3 and keys[0] == "countries" and keys[2] in ("ideal", "weights", "red_lines"):
        allowed |= set(raw.get("issues", {}))
    elif len(keys) == 3 and keys[0] == "countries" and keys[2] == "strategy":
        strategy = STRATEGIES.get(node.get("name", "time_dependent"))
        allowed |= {"name"} | (set(strategy.Params.model_fields) if strategy else set())
    elif len(keys) == 3 and keys[0] == "countries" and _country_table(keys[2]):
        allowed |= set(_country_table(keys[2]).model_fields)
    elif len(keys) == 4 and keys[0] == "countries" and _country_table(keys[2]) and keys[3] in (
            "ideal", "weights", "red_lines", "demands", "set_points"):
        allowed |= set(raw.get("issues", {}))
    elif len(keys) == 2 and keys[0] == "issues":
        allowed |= set(IssueSpec.model_fields)
    return allowed


def apply_override(raw: dict, path: str, value: Any, origin: str = "<scenario>") -> None:
    """Set one dotted-path parameter in a raw scenario dict, in place. Unknown paths raise ScenarioError."""
    keys = path.split(".")
    if keys[0] in raw.get("countries", {}):
        keys = ["countries", *keys]
    node = raw
    for depth, key in enumerate(keys):
        top = set(_TABLE_FIELDS) | set(node) | {"events"}
        allowed = _allowed_keys(raw, keys[:depth], node) if depth else top
        if key not in allowed:
            where = ".".join(keys[:depth]) or "the top level"
            raise ScenarioError(f"{origin}: unknown override path {path!r}: {key!r} is not a key of {where}; "
                                f"expected one of {sorted(allowed)}")
        if depth == len(keys) - 1:
            break
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise ScenarioError(f"{origin}: unknown override path {path!r}: {'.'.join(keys[:depth + 1])} "
                                f"is a value, not a table")
    last = keys[-1]
    if keys[-2:-1] == ["weights"] and isinstance(value, int | float) and 0 <= value <= 1:
        others = {k: w for k, w in node.items() if k != last and isinstance(w, int | float)}
        rest = sum(others.values())
        for k, w in others.items():
            node[k] = w * (1.0 - value) / rest if rest > 0 else (1.0 - value) / len(others)
    elif keys[-2:] == ["strategy", "name"] and value != node.get("name"):
        node.clear()  # the old strategy's parameters do not apply to the new one
    node[last] = value


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------

def bundled() -> dict[str, str]:
    """Bundled scenario name -> one-line description."""
    out = {}
    for entry in sorted(resources.files("bargaining.scenarios").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text())
            out[entry.name.removesuffix(".toml")] = data.get("description", "").strip().splitlines()[0]
    return out


def load_scenario(name_or_path: str | Path, overrides: list[str] | dict | None = None) -> Scenario:
    """Load a bundled scenario by name (``"nafta-2017"``) or a TOML file by path; validate; override.

    Raises:
        ScenarioError: With one message naming the file, the key, what was expected and what was found.
    """
    path = Path(name_or_path)
    if path.suffix != ".toml" or not path.exists():
        names = bundled()
        if str(name_or_path) in names:
            path = resources.files("bargaining.scenarios") / f"{name_or_path}.toml"
        elif path.suffix == ".toml":
            raise ScenarioError(f"{name_or_path}: no such scenario file")
        else:
            raise ScenarioError(f"unknown scenario {str(name_or_path)!r}: expected a bundled scenario "
                                f"({', '.join(names)}) or a path to a .toml file")
    origin = str(name_or_path)
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{origin}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{origin}: cannot read the file: {exc}") from None
    sources: dict[str, str] = {}
    raw = _strip_sources(data, (), sources)
    return from_dict(raw, origin, sources).with_overrides(overrides)


def _strip_sources(node: Any, path: tuple[str, ...], sources: dict[str, str]) -> Any:
    """Replace every ``{value = ..., source = "..."}`` by its value, keeping the source by dotted path."""
    if isinstance(node, dict):
        if set(node) == {"value", "source"}:
            sources[".".join(path)] = str(node["source"])
            return node["value"]
        return {k: _strip_sources(v, (*path, k), sources) for k, v in node.items()}
    if isinstance(node, list):  # arrays of tables ([[events]])
        return [_strip_sources(v, (*path, str(n)), sources) for n, v in enumerate(node)]
    return node


def _message(exc: ValidationError, raw: dict) -> str:
    """The first pydantic error as ``key: expected ..., found ...``."""
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"]) or "scenario"
    msg = err["msg"].removeprefix("Value error, ")
    if msg.startswith("Input should be"):
        msg = "expected" + msg.removeprefix("Input should be")
    if err["type"] == "missing":
        return f"{key}: required but missing"
    if err["type"] == "extra_forbidden":
        return f"{key}: unknown key (found {err['input']!r})"
    found = "" if "found" in msg else f", found {err['input']!r}"
    return f"{key}: {msg}{found}"


def from_dict(raw: dict, origin: str = "<scenario>", sources: dict[str, str] | None = None) -> Scenario:
    """Validate a plain scenario dict (no sources) into a Scenario."""
    try:
        spec = ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(f"{origin}: {_message(exc, raw)}") from None
    _check_consistency(spec, origin)
    return Scenario(spec=spec, raw=raw, origin=origin, sources=dict(sources or {}))


def _check_consistency(spec: ScenarioSpec, origin: str) -> None:
    """Cross-field checks: issue names, ideals and red lines within range, weights summing to 1, ..."""
    def fail(key: str, message: str):
        raise ScenarioError(f"{origin}: {key}: {message}")

    issues = {name: s.issue(name) for name, s in spec.issues.items()}
    for name, issue in issues.items():
        try:
            issue.normalise(issue.status_quo)
        except ValueError as exc:
            fail(f"issues.{name}.status_quo", str(exc))
    for code, c in spec.countries.items():
        for table in ("ideal", "weights", "red_lines"):
            for name in getattr(c, table):
                if name not in issues:
                    fail(f"countries.{code}.{table}.{name}", f"unknown issue; expected one of {sorted(issues)}")
        for name, issue in issues.items():
            if name not in c.ideal:
                fail(f"countries.{code}.ideal.{name}", "required but missing")
            for table in ("ideal", "red_lines"):
                if name in getattr(c, table):
                    try:
                        issue.normalise(getattr(c, table)[name])
                    except ValueError as exc:
                        fail(f"countries.{code}.{table}.{name}", str(exc))
        total = sum(c.weights.values())
        if abs(total - 1.0) > 1e-6:
            fail(f"countries.{code}.weights", f"expected weights summing to 1, found a sum of {total:.6g}")
        try:
            STRATEGIES[c.strategy.name].Params(**c.strategy.params)
        except ValidationError as exc:
            err = exc.errors()[0]
            fail(f"countries.{code}.strategy.{'.'.join(map(str, err['loc']))}",
                 _message(exc, {}).split(": ", 1)[1])
    if spec.threat.country is not None and spec.threat.country not in spec.countries:
        fail("threat.country", f"expected one of {sorted(spec.countries)}, found {spec.threat.country!r}")
    if spec.protocol.horizon_round < spec.protocol.deadline_round:
        fail("protocol.horizon_round", f"expected >= deadline_round ({spec.protocol.deadline_round}), "
             f"found {spec.protocol.horizon_round}")
    domestic.check(spec, fail)
