"""Constituency agents: the domestic constituencies behind each negotiator (Putnam 1988, a two-level game).

Each constituency is a Mesa agent attached to one country, configured by an optional table of that country
(``scenario/schema.py``). It acts at the start of each round, before the governments set their aspirations,
by returning :class:`~bargaining.domestic.shocks.Shock` values that the model applies; and it says whether it
lets its country ratify a package. Like the countries, each acts in every replication of a batch at once (its
state and pressure are arrays, one entry per replication, where they can differ). All are deterministic (no random
draws).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import mesa
import numpy as np

from ..masks import every, some
from ..parameter_sets import domestic_numbers, numbers_for_rows
from ..per_replication import PerReplication
from ..preferences import reach, value
from ..scalars import maximum, minimum
from ..scenario import Scenario
from ..scenario.schema import AudienceCostsSpec, AutoWorkersSpec, CongressSpec, ElectionSpec, LobbySpec
from ..strategies import STRATEGIES
from ..views import Home, Negotiator
from .shocks import Shock, excess_one, excess_past


class Constituency(mesa.Agent, PerReplication):
    """A domestic constituency of one country (base class).

    Attributes:
        country: The country it answers to.
        spec: Its scenario table (a heterogeneous batch's first replication's: its structure, the same in all).
        numbers: Its numbers per replication (``parameter_sets.domestic_numbers``): arrays with a leading
            replication axis, of length R or 1 (the same in every replication).
        pressure: How hard it is pushing this round, in [0, 1] (plotted; 0 = at rest): a number, or one per
            replication (R,). Only records and tests read it: ``act`` leaves it to compute when read
            (``_pressure_in``).

    ``per_replication`` names its attributes with a leading replication axis (of length R, or 1 where every
    replication holds the same; ``pressure`` may also be a number), ``numbers``' arrays besides: what a batch that
    drops replications slices (those of length R).
    """

    kind: ClassVar[str]
    per_replication = ("pressure",)

    def __init__(self, model: Home, country: Negotiator, spec, scenario: Scenario,
                 numbers: dict[str, Any] | None = None):
        super().__init__(model)
        self.country = country
        self.spec = spec
        self.numbers = numbers if numbers is not None else scenario.cached(
            ("domestic numbers", country.code, self.kind), lambda: _one(domestic_numbers(scenario, country.code,
                                                                                         self.kind)))
        self.pressure = 0.0

    _pending: tuple[np.ndarray | None, Callable[[], np.ndarray]] | None = None  # ``_pressure_in``'s, to compute

    @property
    def pressure(self) -> float | np.ndarray:
        self._settle()
        return self._pressure

    @pressure.setter
    def pressure(self, value: float | np.ndarray) -> None:
        self._pending, self._pressure = None, value

    def _fixed(self, scenario: Scenario, numbers: dict[str, Any] | None, make: Callable[[], Any]) -> Any:
        """``make()``, arrays its numbers alone fix: made once per scenario for the scenario's own numbers
        (``numbers`` None; shared by its runs, so never written in place), else once per model."""
        if numbers is not None:
            return make()
        return scenario.cached(("domestic fixed", self.country.code, self.kind), make)

    def _pressure_in(self, rows: np.ndarray | None, compute: Callable[[], np.ndarray]) -> None:
        """The pressure becomes ``compute()`` (R,) in the replications ``rows`` (R,; None: all), the others keep
        theirs: computed when read (``compute`` reads only arrays that are replaced, never written in place)."""
        if rows is not None and not every(rows):
            self._settle()  # the pressure the others keep
        self._pending = (rows, compute)

    def _settle(self) -> None:
        """Compute the pressure ``_pressure_in`` left to compute, if any."""
        if self._pending is not None:
            rows, compute = self._pending
            self._pending = None
            self._pressure = compute() if rows is None or every(rows) else np.where(rows, compute(), self._pressure)

    def keep(self, rows: np.ndarray) -> None:
        """Keep the replications ``rows`` only: its state and its numbers (a new government's batched strategy
        parameters too)."""
        self._settle()
        super().keep(rows)
        self.numbers = numbers_for_rows(self.numbers, rows)

    @property
    def code(self) -> str:
        return self.country.code

    def act(self, live: np.ndarray) -> list[Shock]:
        """Act at the start of a round in the replications ``live`` (R,): the shocks it gives its country (none by
        default)."""
        return []

    def ratifies(self, packages: np.ndarray) -> np.ndarray:
        """(R,) whether this constituency lets the country ratify each replication's package (R, K)."""
        yes = np.empty(len(packages), dtype=bool)  # (np.ones' work, without its cost per call)
        yes.fill(True)
        return yes


def _one(numbers: dict[str, Any]) -> dict[str, Any]:
    """One scenario's ``domestic_numbers`` with a replication axis of length 1 (strategy parameters as they are)."""
    return {name: value if name == "strategy" else np.asarray(value, dtype=float)[None]
            for name, value in numbers.items()}


class Congress(Constituency):
    """U.S. Congress: ratifies a deal iff its own utility of the package is at least ``threshold`` (its
    win-set, Putnam 1988; seed 004_a6f33110be75da2a.txt: "Trump also will need to win congressional support").
    Its utility is linear in each issue (``preferences.value``) around its ideal points (the status quo on issues
    its table leaves out), weighted by its weights; all three per replication.
    Pressure: how far the executive's latest offer falls short of the win-set."""

    kind = "congress"
    per_replication = (*Constituency.per_replication, "ideal", "weights", "threshold", "reach")

    def __init__(self, model, country, spec: CongressSpec, scenario, numbers=None):
        super().__init__(model, country, spec, scenario, numbers)
        self.ideal, self.weights = self.numbers["ideal"], self.numbers["weights"]  # (R, K), or (1, K)
        self.threshold = self.numbers["threshold"]  # (R,) or (1,)
        self.reach = self._fixed(scenario, numbers, lambda: reach(self.ideal))

    def utility(self, packages: np.ndarray) -> np.ndarray:
        """Its utility of each replication's package (R, K): (R,); of any packages (..., K) where every replication
        holds the same Congress."""
        ideal, reach, weights = (a[0] if len(a) == 1 else a for a in (self.ideal, self.reach, self.weights))
        return (value(packages, ideal, reach, 1.0, linear=True) * weights).sum(axis=-1)

    def act(self, live: np.ndarray) -> list[Shock]:
        single = len(live) == 1  # a single run: the masks' one entry (``masks.some``), not a numpy operation
        offered = live.item() and self.country.offered.item() if single else live & self.country.offered
        if offered if single else some(offered):
            offer = self.country.offer  # (replaced each round, never written in place)
            self._pressure_in(None if single else offered,
                              lambda: np.maximum(self.threshold - self.utility(offer), 0.0))
        return []

    def ratifies(self, packages: np.ndarray) -> np.ndarray:
        return self.utility(packages) >= self.threshold - 1e-12


class BusinessLobby(Constituency):
    """Business and automakers: from ``start_round`` the executive's termination value falls by ``rate``
    a round, down to ``floor`` (seeds 002, 003: lobbying "to persuade the White House to back away").
    Pressure: the termination value lost so far."""

    kind = "lobby"
    per_replication = (*Constituency.per_replication, "start")

    def __init__(self, model, country, spec: LobbySpec, scenario, numbers=None):
        super().__init__(model, country, spec, scenario, numbers)
        self.start = model.termination[:, country.row].copy()  # (R,)

    def act(self, live: np.ndarray) -> list[Shock]:
        rate, floor = self.numbers["rate"], self.numbers["floor"]
        t = self.model.termination[:, self.country.row]  # (R,) per replication
        if len(t) == 1:  # a single run (or one replication in every row)
            return self._act_one(rate.item(), floor.item(), t)
        shocks = []
        if self.model.clock.round >= self.spec.start_round:
            falling = (t > floor) & (rate > 0)
            if some(falling):
                lower = np.minimum(np.maximum(t - rate, floor), 1.0)
                t = lower if every(falling) else np.where(falling, lower, t)
                shocks.append(Shock(self.code, termination=t, rows=falling))
                self._pressure_in(None, lambda: self.start - t)  # (t a new array)
                return shocks
        self.pressure = self.start - t  # (t a view of the model's termination values, which shocks write)
        return shocks

    def _act_one(self, rate: float, floor: float, t: np.ndarray) -> list[Shock]:
        """``act`` of a batch of one row: the same operations on Python numbers (the same bits), without numpy's
        cost per call."""
        now = t.item()
        if self.model.clock.round >= self.spec.start_round and now > floor and rate > 0:
            lower = np.array([minimum(maximum(now - rate, floor), 1.0)])
            self._pressure_in(None, lambda: self.start - lower)
            return [Shock(self.code, termination=lower)]
        self._pressure_in(None, lambda: self.start - now)  # (now, a number, as the model's termination value was)
        return []


class AutoWorkers(Constituency):
    """Auto workers: from ``start_round`` the executive's red line on each demanded issue rises from the
    status quo toward the union's demand by ``rate`` of the issue's range a round (seed 004: "The United
    Automobile Workers union has long sought such a change"). Pressure: the share of the way to the demands the
    floor has come."""

    kind = "auto_workers"
    per_replication = (*Constituency.per_replication, "target", "origin", "floor", "done", "_spanned", "_span",
                       "_gap", "_rate", "_minus_rate")

    def __init__(self, model, country, spec: AutoWorkersSpec, scenario, numbers=None):
        super().__init__(model, country, spec, scenario, numbers)
        self.issues = list(scenario.normalised(spec.demands))
        self.target, self.origin = self.numbers["demands"], self.numbers["origin"]  # (R, D), or (1, D)
        self.floor = np.empty((model.size, len(self.issues)))  # (R, D)
        self.floor[...] = self.origin
        self._spanned, self._span, self._rate, self._minus_rate, gap, done = self._fixed(scenario, numbers,
                                                                                       self._start)
        if len(gap) == model.size:  # the way left from the status quo: every row's already
            self._gap, self.done = gap, done
        else:
            self._gap = self.target - self.floor  # (R, D) the way left to the demands
            self.done = _reached(self._gap)

    def _start(self) -> tuple[np.ndarray, ...]:
        """What its numbers fix for a run: whether each demand is away from the status quo, the way there (1 where
        none), the rate (R, 1) and minus it, the way from the status quo to the demands and whether it is none."""
        span = np.abs(self.target - self.origin)  # the way from the status quo to the demands, fixed in a run
        rate, gap = self.numbers["rate"][:, None], self.target - self.origin  # (R, 1), or (1, 1)
        return span > 0, np.where(span > 0, span, 1.0), rate, -rate, gap, _reached(gap)

    def _share(self, floor: np.ndarray) -> np.ndarray:
        """(R,) the share of the way from the status quo to the demands the floor (R, D) has come."""
        shares = np.where(self._spanned, np.abs(floor - self.origin) / self._span, 1.0)
        total = 0
        for d in range(len(self.issues)):  # in order, as a sum of Python numbers
            total = total + shares[:, d]
        return total / len(self.issues)

    def act(self, live: np.ndarray) -> list[Shock]:
        if self.model.clock.round < self.spec.start_round:
            return []
        if len(self.floor) == 1:  # a single run (or one replication in every row)
            return self._act_one()
        going = ~self.done
        if not some(going):
            return []
        floor = self.floor + np.minimum(np.maximum(self._gap, self._minus_rate), self._rate)
        everywhere = every(going)  # (a single run's only replication)
        self.floor = floor = floor if everywhere else np.where(going[:, None], floor, self.floor)
        self._pressure_in(going, lambda: self._share(floor))
        self._gap = self.target - floor
        self.done = _reached(self._gap)
        single = len(self.floor) == 1  # a single run's red lines are numbers, as a shock's without a batch
        red_lines = {k: float(self.floor[0, d]) if single else self.floor[:, d] for d, k in enumerate(self.issues)}
        rows = None if everywhere else going
        return [Shock(self.code, red_lines=red_lines, tighten=True, rows=rows)]  # never loosens the executive's own

    def _act_one(self) -> list[Shock]:
        """``act`` of a batch of one row: the same operations on Python numbers (the same bits), without numpy's
        cost per call."""
        if self.done[0]:
            return []
        rate = self._rate.item()
        floor = [f + minimum(maximum(g, -rate), rate) for f, g in zip(self.floor[0].tolist(), self._gap[0].tolist(),
                                                                       strict=True)]
        gap = [t - f for t, f in zip(self.target[0].tolist(), floor, strict=True)]
        self.floor, self._gap = np.array([floor]), np.array([gap])
        self.done = np.array([all(abs(g) < 1e-12 for g in gap)])
        self._pressure_in(None, lambda floor=self.floor: self._share(floor))
        return [Shock(self.code, red_lines=dict(zip(self.issues, floor, strict=True)), tighten=True)]


def _reached(gap: np.ndarray) -> np.ndarray:
    """(R,) whether the floor has reached every demand: the way left to them ``gap`` (R, D) is none."""
    return (np.abs(gap) < 1e-12).all(axis=1)


class Election(Constituency):
    """An election: during the ``campaign_rounds`` before ``round`` the government holds its aspiration
    (no concessions in campaign season; seed 003: a deadline "set to avoid having talks run into the campaign
    season"); at ``round`` the new government's positions, red lines, termination value and strategy (as
    ``[countries.X.strategy]``; its batched parameters per replication) take effect. Pressure: 1 during the
    campaign."""

    kind = "election"

    def __init__(self, model, country, spec: ElectionSpec, scenario, numbers=None):
        super().__init__(model, country, spec, scenario, numbers)
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
            if "strategy" in self.numbers:
                strategy = STRATEGIES[spec.strategy.get("name", "time_dependent")](self.numbers["strategy"])
            shocks.append(Shock(self.code, aspiration_floor=0.0, termination=self.numbers.get("termination_value"),
                                ideal=self.ideal, red_lines=self.red_lines, strategy=strategy))
        return shocks


class AudienceCosts(Constituency):
    """Audience costs: each round the government's support falls by ``cost`` times how far its last
    offer lay past its set points; when support drops below ``floor`` the set points become red lines
    (seed 000_f21dcda8b1f05b61.txt: neither government "can afford to be seen as bowing down to U.S. demands").
    The government can ratify a deal only if signing it leaves support at ``floor`` or above.
    Pressure: support lost (1 - support)."""

    kind = "audience_costs"
    per_replication = (*Constituency.per_replication, "support", "hardened", "cost", "floor", "set_points")

    def __init__(self, model, country, spec: AudienceCostsSpec, scenario, numbers=None):
        super().__init__(model, country, spec, scenario, numbers)
        self.support = np.empty(model.size)  # (np.ones' work, without its cost per call)
        self.support.fill(1.0)
        self._pressure_in(None, lambda support=self.support: 1.0 - support)
        self.hardened = np.zeros(model.size, dtype=bool)
        self.issues = list(scenario.normalised(spec.set_points))
        self._columns = np.array(self.issues, dtype=int)  # (P,) the set points' issues
        self.cost, self.floor = self.numbers["cost"], self.numbers["floor"]  # (R,), or (1,)
        self.set_points = self.numbers["set_points"]  # (R, P), or (1, P)

    @property
    def points(self) -> dict[int, np.ndarray]:
        """Issue index -> (R,) its set point in each replication (or (1,): the same in every one)."""
        return {k: self.set_points[:, d] for d, k in enumerate(self.issues)}

    def excess(self, packages: np.ndarray) -> np.ndarray:
        """(R,) how far each replication's package (R, K) lies past the set points."""
        groups, row = self.model.groups, self.country.row
        ideal = groups[0].ideal[row] if len(groups) == 1 else \
            np.stack([g.ideal[row] for g in groups])[self.model.group]  # (R, K): each replication's own
        return excess_past(ideal, self._columns, self.set_points, packages)

    def _excess_one(self, package: np.ndarray) -> float:
        """``excess`` of one replication's package (1, K), a number (``excess_one``)."""
        ideal = self.model.groups[int(self.model.group[0])].ideal[self.country.row]
        return excess_one(ideal.tolist(), self.issues, self.set_points[0].tolist(), package[0].tolist())

    def act(self, live: np.ndarray) -> list[Shock]:
        if len(live) == 1:  # a single run (or one replication in every row)
            return self._act_one(live.item())
        offered = live & self.country.offered
        if some(offered):
            lower = np.maximum(self.support - self.cost * self.excess(self.country.offer), 0.0)
            self.support = support = lower if every(offered) else np.where(offered, lower, self.support)
            self._pressure_in(None, lambda: 1.0 - support)
        low = self.support < self.floor
        hardening = live & ~self.hardened & low if some(low) else low
        if some(hardening):
            self.hardened |= hardening
            return [Shock(self.code, red_lines=self.points, tighten=True, rows=hardening)]
        return []

    def _act_one(self, live: bool) -> list[Shock]:
        """``act`` of a batch of one row: the same operations on Python numbers (the same bits), without numpy's
        cost per call."""
        if live and self.country.offered.item():
            excess = self._excess_one(self.country.offer)
            self.support = support = np.array([maximum(self.support.item() - self.cost.item() * excess, 0.0)])
            self._pressure_in(None, lambda: 1.0 - support)
        if live and not self.hardened.item() and self.support.item() < self.floor.item():
            self.hardened[0] = True
            return [Shock(self.code, red_lines=self.points, tighten=True)]
        return []

    def ratifies(self, packages: np.ndarray) -> np.ndarray:
        if len(packages) == 1:  # a single run: the same operations on Python numbers (the same bits)
            excess = self._excess_one(packages)
            return np.array([self.cost.item() * excess <= maximum(self.support.item() - self.floor.item(), 0.0)
                             + 1e-12])
        return self.cost * self.excess(packages) <= np.maximum(self.support - self.floor, 0.0) + 1e-12


#: Country table -> its constituency class, in acting order.
CONSTITUENCIES: dict[str, type[Constituency]] = {
    cls.kind: cls for cls in (BusinessLobby, AutoWorkers, Election, AudienceCosts, Congress)
}
