"""The scenario file's schema: one pydantic model per table (the format: docs/model.md, "The scenario file").

``[calendar]``, ``[protocol]`` (with its decision ``rule``), ``[threat]``, ``[noise]``, ``[issues.NAME]``
(continuous, ordinal or categorical), ``[countries.CODE]`` (ideal points or value tables, red lines, walk-away
values) and, for
domestic politics (what they do: ``bargaining/domestic/``, docs/domestic-politics.md), a country's optional
``congress``, ``lobby``, ``auto_workers``, ``election`` and ``audience_costs`` tables, ``[[events]]`` and
``[ratification]``. Checks that span tables (issue names, values within range) are in ``checks.py``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..issues import Issue
from ..protocols import PROTOCOLS
from ..strategies import STRATEGIES
from .limits import MAX_LEVELS

Value = float | str

#: Most rounds talks may last (``protocol.horizon_round``, ``threat.notice_rounds``): about 7 s of one run.
MAX_ROUNDS = 10_000


class _Strict(BaseModel):
    """Unknown keys are mistakes; numbers are finite, and a boolean or a string is not a number (strict mode)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


# ------------------------------------------------------------------------------------------ domestic politics

class CongressSpec(_Strict):
    """The legislature that must ratify: its preferences over the package and its win-set threshold."""

    ideal: dict[str, Value] = Field({}, description="ideal point per issue; issues left out: the status quo")
    weights: dict[str, float] = Field(description="salience per issue, summing to 1")
    threshold: float = Field(ge=0, le=1, description="ratify iff Congress' utility of the deal >= this")


class LobbySpec(_Strict):
    """Business and automakers lobbying the executive against ending the agreement."""

    rate: float = Field(ge=0, le=1, description="termination value lost each round of lobbying")
    start_round: int = Field(1, ge=1, description="first round of lobbying")
    floor: float = Field(0.0, ge=0, le=1, description="lowest termination value the lobby can push to")


class AutoWorkersSpec(_Strict):
    """Auto workers pushing the executive's floor on auto content up toward their demands."""

    demands: dict[str, Value] = Field(description="issue -> the level the union wants the executive to insist on")
    rate: float = Field(gt=0, le=1, description="share of the issue's range the floor rises each round")
    start_round: int = Field(1, ge=1, description="first round of pressure")


class ElectionSpec(_Strict):
    """An election after which the country's positions or patience shift."""

    round: int = Field(ge=1, description="round whose start sees the new government")
    campaign_rounds: int = Field(0, ge=0, description="rounds before the election without concessions")
    ideal: dict[str, Value] = Field({}, description="new ideal points")
    red_lines: dict[str, Value] = Field({}, description="new red lines")
    termination_value: float | None = Field(None, ge=0, le=1, description="new termination value")
    strategy: dict[str, Any] = Field({}, description="the new government's strategy: name (default "
                                     "time_dependent) and parameters, e.g. {deadline = 16}")


class AudienceCostsSpec(_Strict):
    """Domestic support lost by being seen to concede past set points."""

    set_points: dict[str, Value] = Field(description="issue -> how far the government can be seen to concede")
    cost: float = Field(gt=0, description="support lost per round per unit (share of the issue's range) "
                        "its offer lies past the set points")
    floor: float = Field(0.5, ge=0, le=1, description="support below which the set points become red lines")


class EventSpec(_Strict):
    """A scheduled shock at the start of a round."""

    round: int = Field(ge=1)
    country: str
    label: str = ""
    termination_shift: float = Field(0.0, ge=-1, le=1, description="added to the termination value")
    belief_shift: float = Field(0.0, ge=-1, le=1, description="added to the belief in the threat")
    ideal: dict[str, Value] = Field({}, description="new ideal points")


class RatificationSpec(_Strict):
    on_failure: Literal["fail", "resume"] = Field(
        "fail", description="a deal a constituency will not ratify ends the talks (outcome "
        "ratification_failed) or is dropped and talks resume (the country then anticipates its ratifier)")
    anticipate: bool = Field(False, description="governments reject from the start what their "
                             "constituencies would not ratify")


#: CountrySpec field -> the spec of that domestic table.
DOMESTIC_TABLES = {
    "lobby": LobbySpec, "auto_workers": AutoWorkersSpec, "election": ElectionSpec,
    "audience_costs": AudienceCostsSpec, "congress": CongressSpec,
}


# ------------------------------------------------------------------------------------------ the scenario

class CalendarSpec(_Strict):
    start: str = Field("2017-08", pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="month of round 1, YYYY-MM")
    months_per_round: float = Field(1.0, gt=0)


class RuleSpec(_Strict):
    """The decision rule: ``rule = "unanimity"`` (the default) or ``rule = { at_least = 5, veto = ["A", "B"] }``."""

    at_least: int | None = Field(None, ge=1, description="parties whose yes passes a package; default every "
                                 "party (unanimity)")
    veto: list[str] = Field([], description="parties whose yes every passing package needs")

    @model_validator(mode="before")
    @classmethod
    def _unanimity(cls, data):
        if isinstance(data, str):
            if data != "unanimity":
                raise ValueError(f'expected "unanimity" or a table {{ at_least = K, veto = [...] }}, found {data!r}')
            return {}
        return data


class ProtocolSpec(_Strict):
    name: str = "alternating_offers"
    deadline_round: int = Field(ge=1, description="round by which a deal is due")
    horizon_round: int | None = Field(None, ge=1, le=MAX_ROUNDS, description="last round if no notice of "
                                      "withdrawal is given; default the deadline round")
    random_order: bool = Field(True, description="shuffle who proposes first each round")
    no_deal: Literal["status_quo", "termination"] = Field(
        "status_quo", description="what talks ending without a deal or withdrawal leave: the status quo "
        "(NAFTA continues) or nothing (every country gets its termination value); a country with a "
        "reservation_value gets that either way")
    rule: RuleSpec = Field(RuleSpec(), description='who must accept: "unanimity" or { at_least = K, veto = [...] }; '
                           "a package that passes binds every party")

    @model_validator(mode="after")
    def _horizon(self):
        if self.horizon_round is None:
            self.horizon_round = self.deadline_round  # talks end at the deadline unless the file says otherwise
        return self

    @field_validator("name")
    @classmethod
    def _known(cls, name):
        if name not in PROTOCOLS:
            raise ValueError(f"expected one of {sorted(PROTOCOLS)}, found {name!r}")
        return name


class ThreatSpec(_Strict):
    country: str | None = Field(None, description="the country that can withdraw (NAFTA Art. 2205)")
    notice_rounds: int = Field(6, ge=0, le=MAX_ROUNDS, description="rounds between notice and withdrawal")
    belief_erosion: float = Field(0.0, ge=0, le=1, description="share of belief lost each round past the "
                                  "deadline without a notice")


class NoiseSpec(_Strict):
    aspiration: float = Field(0.0, ge=0, le=1, description="s.d. of noise on each round's aspiration")
    belief: float = Field(0.0, ge=0, le=1, description="s.d. of noise on the partners' initial beliefs")


class IssueSpec(_Strict):
    label: str = ""
    kind: Literal["continuous", "ordinal", "categorical"]
    unit: str = ""
    bounds: tuple[float, float] | None = Field(None, strict=False)  # a TOML array: a list, not a tuple
    levels: list[str] | None = Field(None, max_length=MAX_LEVELS, description="an ordinal issue's levels, in order")
    options: list[str] | None = Field(None, max_length=MAX_LEVELS, description="a categorical issue's options "
                                      "(unordered)")
    status_quo: float | str | None = Field(None, description="what holds without a new agreement; required with "
                                           "a threatener, or where no deal means the status quo")

    @model_validator(mode="after")
    def _check(self):
        given = {"bounds": self.bounds, "levels": self.levels, "options": self.options}
        needs = {"continuous": "bounds", "ordinal": "levels", "categorical": "options"}[self.kind]
        article = "an" if self.kind == "ordinal" else "a"
        for key, value in given.items():
            if key != needs and value is not None:
                raise ValueError(f"{article} {self.kind} issue has {needs}, not {key} (found {key} = {value!r})")
        if self.kind == "continuous":
            if self.bounds is None or not 0 < self.bounds[1] - self.bounds[0] < math.inf:
                raise ValueError(f"a continuous issue needs bounds = [lower, upper] with lower < upper, a finite "
                                 f"range apart, found {self.bounds}")
        else:
            labels = given[needs]
            if not labels or len(labels) < 2 or len(set(labels)) != len(labels):
                raise ValueError(f"{article} {self.kind} issue needs at least two distinct {needs}, found {labels}")
        return self

    def issue(self, name: str) -> Issue:
        labels = self.levels or self.options
        return Issue(name=name, kind=self.kind, status_quo=self.status_quo, label=self.label,
                     unit=self.unit, bounds=self.bounds, levels=tuple(labels) if labels else None)


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


#: A table per issue: ``{ option = number }`` (ordinal, categorical) or ``[[x, number], ...]`` (continuous).
Table = dict[str, float] | Annotated[list[Annotated[list[float], Field(min_length=2, max_length=2)]],
                                    Field(max_length=MAX_LEVELS)]


def numbers(table: dict | list) -> list[float]:
    """The numbers of a table (its values, or the second of each pair)."""
    return list(table.values()) if isinstance(table, dict) else [v for _, v in table]


class ScoreSheetSpec(_Strict):
    """A role play's score sheet in raw points: points per option of every issue and a threshold in points (the
    party's BATNA, below which it signs nothing). Weights, value tables and the reservation value are derived
    (:meth:`derived`; the recipe: docs/formats.md, "Score sheets")."""

    points: dict[str, Table] = Field(min_length=1, description="points per option of each issue: { option = "
                                     "points } or [[x, points], ...] on a continuous issue; may be negative")
    threshold: float | None = Field(None, description="the party's minimum total in points (its BATNA); its "
                                    "reservation value")

    @property
    def floors(self) -> dict[str, float]:
        """Per issue, the points every package gets at least: its lowest points, or 0 if none is negative."""
        return {issue: min([0.0, *numbers(table)]) for issue, table in self.points.items()}

    @property
    def spans(self) -> dict[str, float]:
        """Per issue, its best points above its floor."""
        return {issue: max(numbers(table), default=0.0) - self.floors[issue] for issue, table in self.points.items()}

    @property
    def best(self) -> float:
        """The best total of the sheet: every issue's best points."""
        return sum(self.spans.values()) + sum(self.floors.values())

    def derived(self) -> tuple[dict[str, float], dict[str, dict | list], float | None]:
        """(weights, value tables, reservation value): ``w_k = span_k / sum of spans``, ``v_k = (points - floor_k)
        / span_k`` (all 0 at weight 0 where the issue's points are all 0: an issue it does not care about),
        reservation ``(threshold - sum of floors) / sum of spans``, at least 0. With no negative points: ``w_k =
        max_k / sum of maxima``, ``v_k = points / max_k``, reservation ``threshold / sum of maxima``; either way a
        package's utility is its total points moved and scaled to [0, 1], and it reaches the reservation value
        exactly when its total reaches the threshold."""
        floors, spans = self.floors, self.spans
        total = sum(spans.values())
        scale = lambda issue, v: (v - floors[issue]) / spans[issue] if spans[issue] > 0 else 0.0  # noqa: E731
        weights = {issue: span / total if total > 0 else 0.0 for issue, span in spans.items()}
        values = {issue: {o: scale(issue, v) for o, v in table.items()} if isinstance(table, dict)
                  else [[x, scale(issue, v)] for x, v in table] for issue, table in self.points.items()}
        reservation = None
        if self.threshold is not None and total > 0:
            reservation = max(0.0, (self.threshold - sum(floors.values())) / total)
        return weights, values, reservation


class CountrySpec(_Strict):
    label: str = ""
    ideal: dict[str, float | str] = Field({}, description="ideal point per issue; optional where values are given")
    values: dict[str, Table] = Field(
        {}, description="value table per issue: { option = number } (ordinal, categorical) or [[x, v], ...] "
        "(continuous, piecewise linear); normalised by the largest")
    weights: dict[str, float] = Field({}, description="salience per issue, summing to 1; required unless a "
                                      "score_sheet gives them")
    score_sheet: ScoreSheetSpec | None = Field(None, description="points per option and a threshold in points, "
                                               "in place of weights, values and reservation_value")
    red_lines: dict[str, float | str | list[str]] = Field({}, description="per issue: a bound, or a list of "
                                                          "unacceptable options")
    termination_value: float | None = Field(None, ge=0, le=1, description="utility if the agreement ends "
                                            "(NAFTA: MFN tariffs); required unless reservation_value is given")
    reservation_value: float | None = Field(None, ge=0, le=1, description="without a threatener: the fixed "
                                            "walk-away value, what no deal gives the country")
    discount: float | None = Field(None, gt=0, le=1, description="discount factor per round (Genius's); "
                                   "recorded and shown, not used by the engine")
    belief: float | None = Field(None, ge=0, le=1, description="belief that the threat is real")
    shape: Literal["linear", "quadratic"] = "linear"
    strategy: StrategySpec = StrategySpec()
    # domestic politics (bargaining/domestic/): optional tables of the country
    congress: CongressSpec | None = None
    lobby: LobbySpec | None = None
    auto_workers: AutoWorkersSpec | None = None
    election: ElectionSpec | None = None
    audience_costs: AudienceCostsSpec | None = None

    @property
    def no_deal_value(self) -> float:
        """What ending without a deal gives it when that is not the status quo: its reservation value, or else
        its termination value."""
        return self.reservation_value if self.reservation_value is not None else self.termination_value

    @model_validator(mode="after")
    def _from_score_sheet(self):
        """A score sheet gives the weights, the value tables and (with a threshold) the reservation value."""
        sheet = self.score_sheet
        if sheet is None:
            return self
        derived = ["weights", "values"] + (["reservation_value", "termination_value"] if sheet.threshold is not None
                                           else [])
        given = [key for key in derived if key in self.model_fields_set]
        if given:
            raise ValueError(f"expected no {given[0]} beside a score_sheet (its points give the weights and values, "
                             f"its threshold the reservation value), found both")
        self.weights, self.values, reservation = sheet.derived()
        if reservation is not None:
            self.reservation_value = reservation
        return self

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
    calendar: CalendarSpec | None = None  # without one, rounds are only numbered (no months)
    protocol: ProtocolSpec
    threat: ThreatSpec = ThreatSpec()
    noise: NoiseSpec = NoiseSpec()
    issues: dict[str, IssueSpec] = Field(min_length=1)
    countries: dict[str, CountrySpec] = Field(min_length=2)
    events: list[EventSpec] = []
    ratification: RatificationSpec = RatificationSpec()
