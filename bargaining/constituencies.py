"""Domestic politics: the constituencies behind each negotiator (Putnam 1988, a two-level game).

Every government at the table (level I) answers to constituencies at home (level II). Each constituency
is a Mesa agent attached to one country and configured under an optional table of that country:

* ``[countries.US.congress]`` -- :class:`Congress`: its own preferences over the package and a
  ratification threshold; the deal is ratified only if Congress' utility of it clears the threshold (its
  win-set; seed 004_a6f33110be75da2a.txt: "Trump also will need to win congressional support").
* ``[countries.US.lobby]`` -- :class:`BusinessLobby`: business and automakers lower the executive's
  termination value by ``rate`` a round (seeds 002, 003: lobbying "to persuade the White House to back away").
* ``[countries.US.auto_workers]`` -- :class:`AutoWorkers`: the union raises the executive's floor on the
  auto-content issues toward its demands (seed 004: "The United Automobile Workers union has long sought
  such a change").
* ``[countries.MX.election]`` -- :class:`Election`: at ``round`` a new government shifts the country's
  positions, red lines, termination value or patience; in the ``campaign_rounds`` before it the government
  concedes nothing (seed 003: a deadline "set to avoid having talks run into the campaign season").
* ``[countries.CA.audience_costs]`` -- :class:`AudienceCosts`: conceding past a set point costs domestic
  support; once support falls below ``floor`` the set points harden into red lines (seed
  000_f21dcda8b1f05b61.txt: neither government "can afford to be seen as bowing down to U.S. demands").

Scenario-level ``[[events]]`` shock a country's termination value, belief or positions at a given round;
constituencies use the same mechanism (:func:`shock`). ``[ratification]`` says what a failed
ratification does: end the talks (``ratification_failed``) or let them resume.

All constituencies are deterministic (no random draws), so turning them on never shifts the random
stream of a run; they act at the start of each round, before the governments set their aspirations.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import mesa
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .preferences import Preferences, red_line_interval
from .strategies import STRATEGIES

if TYPE_CHECKING:
    from .agents import CountryAgent
    from .model import NegotiationModel

Value = float | str


# --------------------------------------------------------------------------------------------------
# Schema (used by scenario.py)
# --------------------------------------------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


#: CountrySpec field -> its spec.
TABLES = {
    "lobby": LobbySpec, "auto_workers": AutoWorkersSpec, "election": ElectionSpec,
    "audience_costs": AudienceCostsSpec, "congress": CongressSpec,
}


def check(spec, fail) -> None:
    """Cross-field checks of the domestic tables and events (issue names, values within range)."""
    issues = {name: s.issue(name) for name, s in spec.issues.items()}

    def values(key: str, table: dict) -> None:
        for name, value in table.items():
            if name not in issues:
                fail(f"{key}.{name}", f"unknown issue; expected one of {sorted(issues)}")
            try:
                issues[name].normalise(value)
            except ValueError as exc:
                fail(f"{key}.{name}", str(exc))

    def inside(key: str, code: str, name: str, value: Value, red_lines: dict) -> None:
        """A new ideal point must lie on the acceptable side of the country's red line on that issue."""
        if name not in red_lines:
            return
        ideal = issues[name].normalise(spec.countries[code].ideal[name])
        lo, hi = red_line_interval(ideal, issues[name].normalise(red_lines[name]))
        if not lo - 1e-9 <= issues[name].normalise(value) <= hi + 1e-9:
            fail(key, f"expected a value within {code}'s red line on {name} ({red_lines[name]!r}), found {value!r}")

    for code, c in spec.countries.items():
        where = f"countries.{code}"
        if c.congress is not None:
            values(f"{where}.congress.ideal", c.congress.ideal)
            for name, w in c.congress.weights.items():
                if name not in issues:
                    fail(f"{where}.congress.weights.{name}", f"unknown issue; expected one of {sorted(issues)}")
                if w < 0:
                    fail(f"{where}.congress.weights.{name}", f"expected >= 0, found {w}")
            total = sum(c.congress.weights.values())
            if abs(total - 1.0) > 1e-6:
                fail(f"{where}.congress.weights", f"expected weights summing to 1, found a sum of {total:.6g}")
        if c.auto_workers is not None:
            values(f"{where}.auto_workers.demands", c.auto_workers.demands)
        if c.audience_costs is not None:
            values(f"{where}.audience_costs.set_points", c.audience_costs.set_points)
        if c.election is not None:
            values(f"{where}.election.ideal", c.election.ideal)
            values(f"{where}.election.red_lines", c.election.red_lines)
            red_lines = {**c.red_lines, **c.election.red_lines}
            for name, value in c.election.ideal.items():
                inside(f"{where}.election.ideal.{name}", code, name, value, red_lines)
            name = c.election.strategy.get("name", "time_dependent")
            if name not in STRATEGIES:
                fail(f"{where}.election.strategy.name", f"expected one of {sorted(STRATEGIES)}, found {name!r}")
            try:
                STRATEGIES[name].Params(**{k: v for k, v in c.election.strategy.items() if k != "name"})
            except ValidationError as exc:
                err = exc.errors()[0]
                fail(f"{where}.election.strategy.{'.'.join(map(str, err['loc']))}",
                     f"{err['msg'].removeprefix('Value error, ')}, found {err['input']!r}")
    for n, event in enumerate(spec.events):
        if event.country not in spec.countries:
            fail(f"events.{n}.country", f"expected one of {sorted(spec.countries)}, found {event.country!r}")
        if event.belief_shift and event.country == spec.threat.country:
            fail(f"events.{n}.belief_shift", f"{event.country} makes the threat; only its partners hold "
                 "a belief in it")
        values(f"events.{n}.ideal", event.ideal)
        for name, value in event.ideal.items():
            inside(f"events.{n}.ideal.{name}", event.country, name, value, spec.countries[event.country].red_lines)


# --------------------------------------------------------------------------------------------------
# One generic shock
# --------------------------------------------------------------------------------------------------

def shock(
    model: NegotiationModel,
    country: str,
    *,
    termination: float | None = None,
    termination_shift: float = 0.0,
    belief_shift: float = 0.0,
    ideal: dict[str, Value] | None = None,
    red_lines: dict[str, Value] | None = None,
    tighten: bool = False,
) -> None:
    """Shock one country at the start of a round: its termination value, belief or positions.

    Preferences are a frozen value: a changed copy replaces ``model.preferences``; when positions or red
    lines change, every country's concession path is rebuilt (they all depend on everyone's red lines).

    Args:
        model: The running model.
        country: Country code.
        termination: New termination value (else ``termination_shift`` is added), clipped to [0, 1].
        termination_shift: Change of the termination value.
        belief_shift: Change of the country's belief in the threat, clipped to [0, 1].
        ideal: New ideal points (natural units or level labels).
        red_lines: New red lines (natural units or level labels), on the side of the ideal point.
        tighten: Keep the stricter of the old and the new red line instead of replacing it.
    """
    prefs, space = model.preferences, model.space
    row = prefs.index(country)
    changes: dict[str, np.ndarray] = {}
    if termination is not None or termination_shift:
        t = prefs.termination.copy()
        t[row] = min(max(termination if termination is not None else t[row] + termination_shift, 0.0), 1.0)
        changes["termination"] = t
    if ideal:
        changes["ideal"] = prefs.ideal.copy()
        for name, value in ideal.items():
            k = space.index(name)
            changes["ideal"][row, k] = space.issues[k].normalise(value)
    if red_lines:
        lo, hi = prefs.lo.copy(), prefs.hi.copy()
        ideal_row = changes["ideal"][row] if "ideal" in changes else prefs.ideal[row]
        for name, bound in red_lines.items():
            k = space.index(name)
            new_lo, new_hi = red_line_interval(ideal_row[k], space.issues[k].normalise(bound))
            if tighten:
                new_lo, new_hi = max(new_lo, lo[row, k]), min(new_hi, hi[row, k])
            lo[row, k], hi[row, k] = new_lo, new_hi
        changes.update(lo=lo, hi=hi)
    if changes:
        model.set_preferences(dataclasses.replace(prefs, **changes), positions=bool(ideal or red_lines))
    if belief_shift:
        agent = model.countries[row]
        agent.belief = min(max(agent.belief + belief_shift, 0.0), 1.0)


def excess_past(prefs: Preferences, row: int, points: dict[int, float], x: np.ndarray) -> float:
    """How far (in shares of each issue's range, summed) package ``x`` lies past ``points`` (issue index ->
    normalised point) on the side away from country ``row``'s ideal point."""
    total = 0.0
    for k, point in points.items():
        beyond = x[k] - point if point >= prefs.ideal[row, k] else point - x[k]
        total += max(float(beyond), 0.0)
    return total


# --------------------------------------------------------------------------------------------------
# Constituency agents
# --------------------------------------------------------------------------------------------------

class Constituency(mesa.Agent):
    """A domestic constituency of one country (base class).

    Attributes:
        country: The CountryAgent it answers to.
        spec: Its scenario table.
        pressure: How hard it is pushing this round, in [0, 1] (plotted; 0 = at rest).
    """

    kind: ClassVar[str]

    def __init__(self, model: NegotiationModel, country: CountryAgent, spec):
        super().__init__(model)
        self.country = country
        self.spec = spec
        self.pressure = 0.0

    @property
    def code(self) -> str:
        return self.country.code

    def act(self) -> None:
        """Act at the start of a round, before the governments set their aspirations."""

    def ratifies(self, package: np.ndarray) -> bool:
        """Whether this constituency lets the country ratify ``package``."""
        return True


class Congress(Constituency):
    """U.S. Congress: ratifies a deal iff its own utility of the package is at least ``threshold`` (its
    win-set, Putnam 1988). Pressure: how far the executive's latest offer falls short of the win-set."""

    kind = "congress"

    def __init__(self, model, country, spec: CongressSpec):
        super().__init__(model, country, spec)
        self.preferences = _congress_preferences(model.case, country.code)

    def utility(self, package: np.ndarray) -> float:
        return float(self.preferences.utility(package)[0])

    def act(self) -> None:
        if self.country.offer is not None:
            self.pressure = max(self.spec.threshold - self.utility(self.country.offer), 0.0)

    def ratifies(self, package: np.ndarray) -> bool:
        return self.utility(package) >= self.spec.threshold - 1e-12


@functools.lru_cache(maxsize=32)
def _congress_preferences(scenario, code: str) -> Preferences:
    """Congress' preferences as a one-row Preferences (linear values; issues without an ideal: the status
    quo), built once per scenario."""
    spec, space = scenario.spec.countries[code].congress, scenario.space
    ideal = {i.name: spec.ideal.get(i.name, i.status_quo) for i in space}
    return Preferences(
        countries=(f"{code} Congress",),
        ideal=space.normalise(ideal)[None, :],
        weights=np.array([[spec.weights.get(i.name, 0.0) for i in space]]),
        exponent=np.ones(1), lo=np.zeros((1, len(space))), hi=np.ones((1, len(space))),
        termination=np.zeros(1),
    )


@functools.lru_cache(maxsize=32)
def _normalised(scenario, points: tuple[tuple[str, Value], ...]) -> dict[int, float]:
    """Issue index -> normalised position of natural ``points``, once per scenario."""
    space = scenario.space
    return {space.index(name): space.issues[space.index(name)].normalise(v) for name, v in points}


class BusinessLobby(Constituency):
    """Business and automakers: from ``start_round`` the executive's termination value falls by ``rate``
    a round, down to ``floor``. Pressure: the termination value lost so far."""

    kind = "lobby"

    def __init__(self, model, country, spec: LobbySpec):
        super().__init__(model, country, spec)
        self.start = float(model.preferences.termination[country.row])

    def act(self) -> None:
        spec = self.spec
        t = float(self.model.preferences.termination[self.country.row])
        if self.model.round >= spec.start_round and spec.rate > 0 and t > spec.floor:
            shock(self.model, self.code, termination=max(t - spec.rate, spec.floor))
        self.pressure = self.start - float(self.model.preferences.termination[self.country.row])


class AutoWorkers(Constituency):
    """Auto workers: from ``start_round`` the executive's red line on each demanded issue rises from the
    status quo toward the union's demand by ``rate`` of the issue's range a round. Pressure: the share of
    the way to the demands the floor has come."""

    kind = "auto_workers"

    def __init__(self, model, country, spec: AutoWorkersSpec):
        super().__init__(model, country, spec)
        self.target = _normalised(model.case, tuple(spec.demands.items()))
        self.origin = {k: float(model.status_quo[k]) for k in self.target}
        self.floor = dict(self.origin)
        self.done = all(abs(self.target[k] - self.floor[k]) < 1e-12 for k in self.target)

    def act(self) -> None:
        if self.done or self.model.round < self.spec.start_round:
            return
        prefs, row, rate = self.model.preferences, self.country.row, self.spec.rate
        lo, hi = prefs.lo.copy(), prefs.hi.copy()
        shares = []
        for k, target in self.target.items():
            self.floor[k] += min(max(target - self.floor[k], -rate), rate)
            lo[row, k], hi[row, k] = red_line_interval(prefs.ideal[row, k], self.floor[k])
            span = abs(target - self.origin[k])
            shares.append(abs(self.floor[k] - self.origin[k]) / span if span > 0 else 1.0)
        self.done = all(abs(self.target[k] - self.floor[k]) < 1e-12 for k in self.target)
        self.model.set_preferences(dataclasses.replace(prefs, lo=lo, hi=hi))
        self.pressure = sum(shares) / len(shares)


class Election(Constituency):
    """An election: during the ``campaign_rounds`` before ``round`` the government holds its aspiration
    (no concessions in campaign season, seed 003); at ``round`` the new government's positions, red
    lines, termination value and strategy (a new strategy, as ``[countries.X.strategy]``) take effect.
    Pressure: 1 during the campaign."""

    kind = "election"

    def __init__(self, model, country, spec: ElectionSpec):
        super().__init__(model, country, spec)
        self.held = False

    def act(self) -> None:
        spec, r, agent = self.spec, self.model.round, self.country
        if spec.campaign_rounds and r == max(spec.round - spec.campaign_rounds, 1):
            agent.aspiration_floor = agent.aspiration
        self.pressure = float(spec.round - spec.campaign_rounds <= r < spec.round)
        if r == spec.round:
            self.held = True
            agent.aspiration_floor = 0.0
            shock(self.model, self.code, termination=spec.termination_value, ideal=spec.ideal,
                  red_lines=spec.red_lines)
            if spec.strategy:
                params = dict(spec.strategy)
                cls = STRATEGIES[params.pop("name", "time_dependent")]
                agent.strategy = cls(cls.Params(**params))


class AudienceCosts(Constituency):
    """Audience costs: each round the government's support falls by ``cost`` times how far its last
    offer lay past its set points; when support drops below ``floor`` the set points become red lines.
    The government can ratify a deal only if signing it leaves support at ``floor`` or above.
    Pressure: support lost (1 - support)."""

    kind = "audience_costs"

    def __init__(self, model, country, spec: AudienceCostsSpec):
        super().__init__(model, country, spec)
        self.support = 1.0
        self.hardened = False
        self.points = _normalised(model.case, tuple(spec.set_points.items()))

    def excess(self, package: np.ndarray) -> float:
        return excess_past(self.model.preferences, self.country.row, self.points, package)

    def act(self) -> None:
        if self.country.offer is not None:
            self.support = max(self.support - self.spec.cost * self.excess(self.country.offer), 0.0)
        self.pressure = 1.0 - self.support
        if not self.hardened and self.support < self.spec.floor:
            self.hardened = True
            shock(self.model, self.code, red_lines=self.spec.set_points, tighten=True)

    def ratifies(self, package: np.ndarray) -> bool:
        return self.spec.cost * self.excess(package) <= max(self.support - self.spec.floor, 0.0) + 1e-12


CONSTITUENCIES: dict[str, type[Constituency]] = {
    cls.kind: cls for cls in (BusinessLobby, AutoWorkers, Election, AudienceCosts, Congress)
}


# --------------------------------------------------------------------------------------------------
# The zone of agreement with domestic constraints
# --------------------------------------------------------------------------------------------------

def constrained_preferences(scenario) -> tuple[Preferences, list[str]]:
    """The scenario's preferences with its domestic constraints added, and their labels.

    Audience-cost set points and the auto workers' demands become red lines of their country; each
    Congress becomes an extra row whose walk-away value is its ratification threshold (its win-set).
    Lobbying, elections and events are left out: they change the zone over time, not at the start.
    """
    prefs, space = scenario.preferences, scenario.space
    lo, hi = prefs.lo.copy(), prefs.hi.copy()
    rows, labels = [], []
    for n, (code, c) in enumerate(scenario.spec.countries.items()):
        for kind, points in (("audience_costs", c.audience_costs and c.audience_costs.set_points),
                             ("auto_workers", c.auto_workers and c.auto_workers.demands)):
            for name, point in (points or {}).items():
                k = space.index(name)
                new_lo, new_hi = red_line_interval(prefs.ideal[n, k], space.issues[k].normalise(point))
                lo[n, k], hi[n, k] = max(lo[n, k], new_lo), min(hi[n, k], new_hi)
            if points:
                labels.append(f"{code} {kind.replace('_', ' ')} ({', '.join(points)})")
        if c.congress is not None:
            ideal = {i.name: c.congress.ideal.get(i.name, i.status_quo) for i in space}
            rows.append((f"{code} Congress", space.normalise(ideal),
                         [c.congress.weights.get(i.name, 0.0) for i in space], c.congress.threshold))
            labels.append(f"{code} Congress (threshold {c.congress.threshold:g})")
    k = len(space)
    constrained = Preferences(
        countries=prefs.countries + tuple(r[0] for r in rows),
        ideal=np.vstack([prefs.ideal, *[r[1] for r in rows]]),
        weights=np.vstack([prefs.weights, *[r[2] for r in rows]]),
        exponent=np.concatenate([prefs.exponent, np.ones(len(rows))]),
        lo=np.vstack([lo, np.zeros((len(rows), k))]),
        hi=np.vstack([hi, np.ones((len(rows), k))]),
        termination=np.concatenate([prefs.termination, [r[3] for r in rows]]),
    )
    return constrained, labels


def domestic_zopa(scenario):
    """The zone of possible agreement with domestic constraints (``constrained_preferences``), at the
    initial walk-away values; a Congress' floor is its threshold."""
    from . import analysis

    prefs, _ = constrained_preferences(scenario)
    n = len(scenario.countries)
    floors = np.concatenate([analysis.initial_walk_away(scenario), prefs.termination[n:]])
    return analysis.max_min_slack(prefs, scenario.space, floors)


def describe(scenario) -> dict:
    """The ``domestic`` part of ``show --json``: constituencies, events, ratification, and the zone of
    agreement with domestic constraints (``zopa`` etc.; compare the top-level zone without them)."""
    zone = domestic_zopa(scenario)
    return {
        "constituencies": {code: {kind: getattr(c, kind).model_dump() for kind in TABLES if getattr(c, kind)}
                           for code, c in scenario.spec.countries.items()},
        "events": [e.model_dump() for e in scenario.spec.events],
        "ratification": scenario.spec.ratification.model_dump(),
        "constraints": constrained_preferences(scenario)[1],
        "zopa": bool(zone.exists),
        "zopa_slack": float(zone.slack),
        "zopa_package": None if zone.package is None else scenario.space.natural(zone.package),
    }


# --------------------------------------------------------------------------------------------------
# What the model calls
# --------------------------------------------------------------------------------------------------

def build(model: NegotiationModel) -> list[Constituency]:
    """Create the constituency agents the scenario configures, in acting order."""
    out = []
    for kind, cls in CONSTITUENCIES.items():
        for agent in model.countries:
            spec = getattr(model.case.spec.countries[agent.code], kind)
            if spec is not None:
                out.append(cls(model, agent, spec))
    return out


def act(model: NegotiationModel) -> None:
    """Start of a round: scheduled events fire, then every constituency acts."""
    for event in model.case.spec.events:
        if event.round == model.round:
            shock(model, event.country, termination_shift=event.termination_shift,
                  belief_shift=event.belief_shift, ideal=event.ideal)
    for constituency in model.constituencies:
        constituency.act()


def vetoes(model: NegotiationModel, package: np.ndarray) -> list[str]:
    """Countries whose constituencies will not ratify ``package`` (empty: every country ratifies)."""
    return sorted({c.code for c in model.constituencies if not c.ratifies(package)})


def ratifiable(agent: CountryAgent, package: np.ndarray) -> bool:
    """Whether every constituency of ``agent`` would ratify ``package``."""
    return all(c.ratifies(package) for c in agent.model.constituencies if c.country is agent)


def ratifiable_offer(agent: CountryAgent, offer: np.ndarray, steps: int = 20) -> np.ndarray:
    """What a government that anticipates its ratifiers tables instead of a package they would reject: the
    package on its concession path, worth at least its walk-away value, that they would ratify and that is
    nearest its aspiration; its opening package if there is none."""
    best, gap = agent.package_at(1.0), np.inf
    for aspiration in np.linspace(agent.walk_away, 1.0, steps + 1):
        x = agent.package_at(float(aspiration))
        u = agent.utility(x)
        if u >= agent.walk_away - 1e-12 and abs(u - agent.aspiration) < gap and ratifiable(agent, x):
            best, gap = x, abs(u - agent.aspiration)
    return best


def reporters() -> dict:
    """DataCollector agenttype_reporters for the constituency agents."""
    return {cls: {"country": "code", "pressure": "pressure"} for cls in CONSTITUENCIES.values()}


def records(model: NegotiationModel) -> pd.DataFrame:
    """Per round and constituency: country, kind and pressure (empty without constituencies)."""
    frames = []
    for cls in CONSTITUENCIES.values():
        if model.agents_by_type.get(cls):
            frame = model.datacollector.get_agenttype_vars_dataframe(cls).reset_index()
            frame["kind"] = cls.kind
            frames.append(frame)
    columns = ["round", "country", "kind", "pressure"]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames).rename(columns={"Step": "round"})[columns].reset_index(drop=True)
    return out.astype({"round": int})
