"""Constituency agents: the domestic constituencies behind each negotiator (Putnam 1988, a two-level game).

Each constituency is a Mesa agent attached to one country, configured by an optional table of that country
(``scenario/schema.py``). It acts at the start of each round, before the governments set their aspirations,
by returning :class:`~bargaining.domestic.shocks.Shock` values that the model applies; and it says whether it
lets its country ratify a package. Like the countries, each acts in every replication of a batch at once (its
state and pressure are arrays, one entry per replication, where they can differ). All are deterministic (no random
draws).
"""

from __future__ import annotations

from typing import ClassVar

import mesa
import numpy as np

from ..masks import some
from ..per_replication import PerReplication
from ..preferences import Preferences
from ..scenario import Scenario
from ..scenario.schema import AudienceCostsSpec, AutoWorkersSpec, CongressSpec, ElectionSpec, LobbySpec
from ..strategies import STRATEGIES
from ..views import Home, Negotiator
from .shocks import Shock, excess_past


class Constituency(mesa.Agent, PerReplication):
    """A domestic constituency of one country (base class).

    Attributes:
        country: The country it answers to.
        spec: Its scenario table.
        pressure: How hard it is pushing this round, in [0, 1] (plotted; 0 = at rest): a number, or one per
            replication (R,).
    """

    kind: ClassVar[str]
    per_replication = ("pressure",)

    def __init__(self, model: Home, country: Negotiator, spec, scenario: Scenario):
        super().__init__(model)
        self.country = country
        self.spec = spec
        self.pressure = 0.0

    @property
    def code(self) -> str:
        return self.country.code

    def act(self, live: np.ndarray) -> list[Shock]:
        """Act at the start of a round in the replications ``live`` (R,): the shocks it gives its country (none by
        default)."""
        return []

    def ratifies(self, packages: np.ndarray) -> np.ndarray:
        """(R,) whether this constituency lets the country ratify each replication's package (R, K)."""
        return np.ones(len(packages), dtype=bool)


class Congress(Constituency):
    """U.S. Congress: ratifies a deal iff its own utility of the package is at least ``threshold`` (its
    win-set, Putnam 1988; seed 004_a6f33110be75da2a.txt: "Trump also will need to win congressional support").
    Pressure: how far the executive's latest offer falls short of the win-set."""

    kind = "congress"

    def __init__(self, model, country, spec: CongressSpec, scenario):
        super().__init__(model, country, spec, scenario)
        self.preferences = scenario.cached(("congress", country.code), lambda: congress_preferences(scenario,
                                                                                                    country.code))

    def utility(self, packages: np.ndarray) -> np.ndarray:
        """Its utility of package(s) (..., K): (...,)."""
        return self.preferences.utility(packages)[..., 0]

    def act(self, live: np.ndarray) -> list[Shock]:
        offered = live & self.country.offered
        if some(offered):
            short = np.maximum(self.spec.threshold - self.utility(self.country.offer), 0.0)
            self.pressure = np.where(offered, short, self.pressure)
        return []

    def ratifies(self, packages: np.ndarray) -> np.ndarray:
        return self.utility(packages) >= self.spec.threshold - 1e-12


def congress_preferences(scenario: Scenario, code: str) -> Preferences:
    """Congress' preferences as a one-row Preferences (linear values; issues without an ideal: the status quo)."""
    spec, space = scenario.spec.countries[code].congress, scenario.space
    ideal = {i.name: spec.ideal.get(i.name, i.status_quo) for i in space}
    return Preferences(
        countries=(f"{code} Congress",),
        ideal=space.normalise(ideal)[None, :],
        weights=np.array([[spec.weights.get(i.name, 0.0) for i in space]]),
        exponent=np.ones(1), lo=np.zeros((1, len(space))), hi=np.ones((1, len(space))),
        termination=np.zeros(1),
    )


class BusinessLobby(Constituency):
    """Business and automakers: from ``start_round`` the executive's termination value falls by ``rate``
    a round, down to ``floor`` (seeds 002, 003: lobbying "to persuade the White House to back away").
    Pressure: the termination value lost so far."""

    kind = "lobby"
    per_replication = (*Constituency.per_replication, "start")

    def __init__(self, model, country, spec: LobbySpec, scenario):
        super().__init__(model, country, spec, scenario)
        self.start = model.termination[:, country.row].copy()  # (R,)

    def act(self, live: np.ndarray) -> list[Shock]:
        spec, t = self.spec, self.model.termination[:, self.country.row]  # (R,) per replication
        shocks = []
        if self.model.clock.round >= spec.start_round and spec.rate > 0:
            falling = t > spec.floor
            if some(falling):
                t = np.where(falling, np.minimum(np.maximum(t - spec.rate, spec.floor), 1.0), t)
                shocks.append(Shock(self.code, termination=t, rows=falling))
        self.pressure = self.start - t
        return shocks


class AutoWorkers(Constituency):
    """Auto workers: from ``start_round`` the executive's red line on each demanded issue rises from the
    status quo toward the union's demand by ``rate`` of the issue's range a round (seed 004: "The United
    Automobile Workers union has long sought such a change"). Pressure: the share of the way to the demands the
    floor has come."""

    kind = "auto_workers"

    def __init__(self, model, country, spec: AutoWorkersSpec, scenario):
        super().__init__(model, country, spec, scenario)
        self.target = scenario.normalised(spec.demands)
        status_quo = scenario.space.status_quo
        self.origin = {k: float(status_quo[k]) for k in self.target}
        self.floor = dict(self.origin)
        self.done = self._reached()

    def _reached(self) -> bool:
        return all(abs(self.target[k] - self.floor[k]) < 1e-12 for k in self.target)

    def act(self, live: np.ndarray) -> list[Shock]:
        if self.done or self.model.clock.round < self.spec.start_round:
            return []
        rate, shares = self.spec.rate, []
        for k, target in self.target.items():
            self.floor[k] += min(max(target - self.floor[k], -rate), rate)
            span = abs(target - self.origin[k])
            shares.append(abs(self.floor[k] - self.origin[k]) / span if span > 0 else 1.0)
        self.done = self._reached()
        self.pressure = sum(shares) / len(shares)
        return [Shock(self.code, red_lines=dict(self.floor), tighten=True)]  # never loosens the executive's own


class Election(Constituency):
    """An election: during the ``campaign_rounds`` before ``round`` the government holds its aspiration
    (no concessions in campaign season; seed 003: a deadline "set to avoid having talks run into the campaign
    season"); at ``round`` the new government's positions, red lines, termination value and strategy (as
    ``[countries.X.strategy]``) take effect. Pressure: 1 during the campaign."""

    kind = "election"

    def __init__(self, model, country, spec: ElectionSpec, scenario):
        super().__init__(model, country, spec, scenario)
        self.held = False
        self.ideal = scenario.normalised(spec.ideal)
        self.red_lines = scenario.normalised(spec.red_lines)

    def act(self, live: np.ndarray) -> list[Shock]:
        spec, r, shocks = self.spec, self.model.clock.round, []
        if spec.campaign_rounds and r == max(spec.round - spec.campaign_rounds, 1):
            shocks.append(Shock(self.code, aspiration_floor=self.country.aspiration.copy()))
        self.pressure = float(spec.round - spec.campaign_rounds <= r < spec.round)
        if r == spec.round:
            self.held = True
            strategy = None
            if spec.strategy:
                params = dict(spec.strategy)
                cls = STRATEGIES[params.pop("name", "time_dependent")]
                strategy = cls(cls.Params(**params))
            shocks.append(Shock(self.code, aspiration_floor=0.0, termination=spec.termination_value,
                                ideal=self.ideal, red_lines=self.red_lines, strategy=strategy))
        return shocks


class AudienceCosts(Constituency):
    """Audience costs: each round the government's support falls by ``cost`` times how far its last
    offer lay past its set points; when support drops below ``floor`` the set points become red lines
    (seed 000_f21dcda8b1f05b61.txt: neither government "can afford to be seen as bowing down to U.S. demands").
    The government can ratify a deal only if signing it leaves support at ``floor`` or above.
    Pressure: support lost (1 - support)."""

    kind = "audience_costs"
    per_replication = (*Constituency.per_replication, "support", "hardened")

    def __init__(self, model, country, spec: AudienceCostsSpec, scenario):
        super().__init__(model, country, spec, scenario)
        self.support = np.ones(model.size)
        self.pressure = 1.0 - self.support
        self.hardened = np.zeros(model.size, dtype=bool)
        self.points = scenario.normalised(spec.set_points)

    def excess(self, packages: np.ndarray) -> np.ndarray:
        """(R,) how far each replication's package (R, K) lies past the set points."""
        return self.model.per_group(lambda prefs, x: excess_past(prefs, self.country.row, self.points, x), packages)

    def act(self, live: np.ndarray) -> list[Shock]:
        offered = live & self.country.offered
        if some(offered):
            lower = np.maximum(self.support - self.spec.cost * self.excess(self.country.offer), 0.0)
            self.support = np.where(offered, lower, self.support)
            self.pressure = 1.0 - self.support
        low = self.support < self.spec.floor
        hardening = live & ~self.hardened & low if some(low) else low
        if some(hardening):
            self.hardened |= hardening
            return [Shock(self.code, red_lines=self.points, tighten=True, rows=hardening)]
        return []

    def ratifies(self, packages: np.ndarray) -> np.ndarray:
        return self.spec.cost * self.excess(packages) <= np.maximum(self.support - self.spec.floor, 0.0) + 1e-12


#: Country table -> its constituency class, in acting order.
CONSTITUENCIES: dict[str, type[Constituency]] = {
    cls.kind: cls for cls in (BusinessLobby, AutoWorkers, Election, AudienceCosts, Congress)
}
