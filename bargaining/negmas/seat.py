"""A NegMAS SAO negotiator at a bargaining seat: ``strategy = { name = "negmas:Atlas3" }``.

The strategy ``negmas:NAME`` holds one NegMAS negotiator per replication (an ANAC agent of negmas-genius-agents,
one of NegMAS's own, an LLM negotiator of negmas-llm, or any ``SAONegotiator`` by dotted path). Each sits in a
NegMAS ``SAOMechanism`` that is never run: it only gives the negotiator its interface (outcome space, steps,
the other parties' ids) while bargaining's protocol drives the talks through the table view
(``views.Negotiator``):

* **outcome space**: every issue's levels or options inside the country's red lines; a continuous issue cut into
  ``points`` evenly spaced values inside them (ANAC agents enumerate the outcomes). A package another country
  tables is shown to the negotiator at the nearest of its outcomes; the agent still rejects anything across a
  red line or below its walk-away value (``CountryAgent.accepts``);
* **utility**: the country's own, as a NegMAS ``LinearAdditiveUtilityFunction`` (bargaining's utility is
  additive over issues), with its walk-away value of the round as reserved value;
* **time**: round ``t`` is NegMAS step ``t - 1`` of ``n_steps`` = the deadline round (``clock = "deadline"``,
  as bargaining's time-dependent strategies) or the horizon round, so the relative time is ``t / (n_steps + 1)``
  (NegMAS's own convention), at most 1;
* **answers**: a package another country tabled (``observe``) is answered by the negotiator's ``respond``; a
  package nobody tabled (a mediator's text) by NegMAS's default rule: accept what is worth at least its own last
  proposal;
* **random numbers**: each negotiator draws from Python's and numpy's generators seeded from its replication's
  seed and its row (``streams.NEGMAS``), swapped in around each of its calls: one seed, one result, in any batch.

Its aspiration (what the records show) is the utility of its last proposal (1 before it proposes).
"""

from __future__ import annotations

from functools import cache
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from .. import streams
from ..errors import ScenarioError
from ..strategies.base import STRATEGIES, Strategy, StrategyParams
from ..views import Negotiator
from .common import PREFIX, OwnRandom, agent_class


def grid(agent: Negotiator, row: int, preferences, points: int) -> list[np.ndarray]:
    """Per issue, the positions a country's NegMAS negotiator may offer: a discrete issue's levels or options
    inside its red lines, a continuous issue's ``points`` evenly spaced positions inside them."""
    space, out = agent.space, []
    for k, issue in enumerate(space):
        lo, hi = preferences.lo[row, k], preferences.hi[row, k]
        if not issue.discrete:
            out.append(np.linspace(lo, hi, points))
            continue
        positions = space.positions(k)
        keep = (positions >= lo - 1e-9) & (positions <= hi + 1e-9)
        if preferences.excluded is not None:
            keep &= ~preferences.excluded.mask[row, k, :len(positions)]
        out.append(positions[keep])
    return out


def labels(space, k: int, positions: np.ndarray) -> list:
    """The NegMAS values of positions of issue k: level or option labels, natural numbers of a continuous issue."""
    issue = space.issues[k]
    if issue.discrete:
        return [str(v) for v in issue.naturals(positions)]
    return [round(float(v), 9) for v in issue.naturals(positions)]


def utility_function(space, preferences, row: int, positions: list[np.ndarray], reserved: float):
    """The country's utility over the outcome space ``positions`` as a NegMAS ``LinearAdditiveUtilityFunction``
    (and the outcome space)."""
    from negmas.outcomes import make_issue, make_os
    from negmas.preferences import LinearAdditiveUtilityFunction, TableFun

    issues, values = [], []
    for k, issue in enumerate(space):
        x = np.zeros((len(positions[k]), len(space)))
        x[:, k] = positions[k]
        v = preferences.values(x)[:, row, k]  # an issue's value does not depend on the others
        names = labels(space, k, positions[k])
        issues.append(make_issue(values=names, name=issue.name))
        values.append(TableFun(dict(zip(names, (float(a) for a in v), strict=True))))
    outcomes = make_os(issues)
    ufun = LinearAdditiveUtilityFunction(values=values, weights=[float(w) for w in preferences.weights[row]],
                                         outcome_space=outcomes, reserved_value=float(reserved))
    return ufun, outcomes


#: Most outcomes a seat's negotiator may enumerate (ANAC agents sort them all: 4 million took minutes; ANAC's
#: largest Genius domains have a few hundred thousand).
MAX_OUTCOMES = 1_000_000


class _Seat:
    """One replication's NegMAS negotiator, in a host ``SAOMechanism`` whose state bargaining's rounds set."""

    def __init__(self, name: str, factory: type, options: dict, agent: Negotiator, r: int, steps: int, points: int,
                 seed: int):
        from negmas.sao import SAOMechanism

        rows = np.zeros(agent.size, dtype=bool)
        rows[r] = True
        preferences = agent.preferences_of(rows)
        self.space, self.code, self.steps = agent.space, agent.code, steps
        self.positions = grid(agent, agent.row, preferences, points)
        size = int(np.prod([len(p) for p in self.positions], dtype=float))
        if size > MAX_OUTCOMES:
            continuous = (~agent.space.discrete).any() and points > 2
            raise ScenarioError(f"{agent.code}.strategy.points: {name} would enumerate {size} outcomes (points = "
                                f"{points}); expected at most {MAX_OUTCOMES}" + (
                                    f": set fewer, e.g. --set {agent.code}.strategy.points=2" if continuous else
                                    ", but the discrete issues alone have more"))
        self.ufun, outcomes = utility_function(agent.space, preferences, agent.row, self.positions,
                                               agent.walk_away[r])
        self.names = [labels(agent.space, k, p) for k, p in enumerate(self.positions)]
        self.random = OwnRandom(seed)
        with self.random():
            self.mechanism = SAOMechanism(outcome_space=outcomes, n_steps=steps)
            self.negotiator = factory(name=agent.code, id=agent.code, **options)
            for code in agent.countries:
                if code == agent.code:
                    self.mechanism.add(self.negotiator, ufun=self.ufun)
                else:
                    self.mechanism.add(_placeholder()(name=code, id=code))
            self.negotiator._on_negotiation_start(self._state(1))
        self.last: tuple | None = None

    def _state(self, round_: int, offer: tuple | None = None, source: str | None = None):
        from negmas.sao import SAOState

        state = SAOState(running=True, started=True, step=round_ - 1,
                         relative_time=min(1.0, round_ / (self.steps + 1)), current_offer=offer,
                         current_proposer=source, last_negotiator=source,
                         n_negotiators=len(self.mechanism.negotiators))
        self.mechanism._current_state = state  # what the negotiator's nmi.state / relative_time read
        return state

    def outcome(self, package: np.ndarray) -> tuple:
        """The negotiator's outcome nearest a package (normalised)."""
        return tuple(n[int(np.abs(p - x).argmin())] for n, p, x in zip(self.names, self.positions, package,
                                                                       strict=True))

    def package(self, outcome: tuple) -> np.ndarray:
        """The package (normalised) of one of its outcomes."""
        return np.array([p[n.index(v)] for n, p, v in zip(self.names, self.positions, outcome, strict=True)])

    def propose(self, round_: int, reserved: float) -> np.ndarray:
        from negmas.outcomes import ExtendedOutcome

        self.ufun.reserved_value = float(reserved)
        with self.random():
            outcome = self.negotiator.propose_(self._state(round_))
        if isinstance(outcome, ExtendedOutcome):
            outcome = outcome.outcome
        if outcome is None:  # refused to offer: it stands on its last offer, or its best outcome
            outcome = self.last if self.last is not None else self.ufun.best()
        self.last = tuple(outcome)
        return self.package(self.last)

    def respond(self, round_: int, reserved: float, package: np.ndarray, source: str) -> bool:
        from negmas.gb.common import ExtendedResponseType
        from negmas.sao import ResponseType

        self.ufun.reserved_value = float(reserved)
        with self.random():
            answer = self.negotiator.respond_(self._state(round_, self.outcome(package), source), source)
        if isinstance(answer, ExtendedResponseType):
            answer = answer.response
        return answer == ResponseType.ACCEPT_OFFER


@cache
def _placeholder() -> type:
    """The other parties' stand-ins in a host mechanism: never asked (bargaining's table speaks for them)."""
    from negmas.sao import ResponseType, SAONegotiator

    class Placeholder(SAONegotiator):
        def propose(self, state, dest=None):
            return None

        def respond(self, state, source=None):
            return ResponseType.REJECT_OFFER

    return Placeholder


class NegmasSeat(Strategy, register=False):
    """A NegMAS SAO negotiator at the table (one per replication); ``negmas:NAME`` names its class."""

    negotiator: ClassVar[type]
    classifier = {**Strategy.classifier, "time_dependent": True, "learns_opponents": True, "stochastic": True}
    per_replication = ("seats", "last", "offer", "pending", "source")  # a seat per replication

    class Params(StrategyParams):
        points: int = Field(11, ge=2, le=101, description="values a continuous issue is cut into for the "
                            "NegMAS negotiator")
        clock: Literal["deadline", "horizon"] = Field("deadline", description="round its relative time runs to: "
                                                      "protocol.deadline_round or horizon_round")
        options: dict[str, str | int | float | bool] = Field({}, description="keyword arguments of the "
                                                            "NegMAS negotiator (e.g. an LLM's model)")

    def __init__(self, params: StrategyParams | None = None):
        super().__init__(params)
        self.seats: list[_Seat] | None = None
        self.last = self.offer = self.pending = self.source = None

    def _seated(self, agent: Negotiator) -> list[_Seat]:
        if self.seats is None:
            clock = agent.clock
            steps = clock.deadline_round if self.params.clock == "deadline" else clock.horizon_round
            seeds = streams.uniform(np.asarray(agent.seeds, dtype=np.uint64), 0, agent.row, streams.NEGMAS)
            self.seats = [_Seat(self.name, self.negotiator, dict(self.params.options), agent, r, steps,
                                self.params.points, int(seeds[r] * 2**52)) for r in range(agent.size)]
            self.last = np.ones(agent.size)
            self.offer = np.zeros((agent.size, len(agent.space)))
            self.pending = np.zeros(agent.size, dtype=bool)
            self.source = np.zeros(agent.size, dtype=int)
        return self.seats

    def aspiration(self, agent: Negotiator) -> np.ndarray:
        self._seated(agent)
        return self.last.copy()

    def propose(self, agent: Negotiator, rows: np.ndarray) -> np.ndarray:
        seats, packages = self._seated(agent), np.zeros((agent.size, len(agent.space)))
        for r in np.flatnonzero(rows):
            packages[r] = seats[r].propose(agent.clock.round, agent.walk_away[r])
        self.last = np.where(rows, agent.utility(packages), self.last)
        return packages

    def observe(self, agent: Negotiator, proposer: np.ndarray, packages: np.ndarray, utility: np.ndarray,
                rows: np.ndarray) -> None:
        self._seated(agent)
        self.pending |= rows
        self.offer[rows] = packages[rows]
        self.source[rows] = proposer[rows]

    def accepts(self, agent: Negotiator, packages: np.ndarray, utility: np.ndarray) -> np.ndarray:
        seats = self._seated(agent)
        answer = utility >= self.last - 1e-12  # a package nobody tabled to it: NegMAS's default rule
        for r in np.flatnonzero(self.pending & (packages == self.offer).all(axis=1)):
            answer[r] = seats[r].respond(agent.clock.round, agent.walk_away[r], packages[r],
                                         agent.countries[self.source[r]])
            self.pending[r] = False
        return answer


@cache
def seat_class(name: str) -> type[NegmasSeat]:
    """The strategy class of ``negmas:NAME`` (cached: one class per name).

    Raises:
        UsageError: NegMAS is not installed (one line: how to install it).
        ScenarioError: No NegMAS SAO negotiator of that name.
    """
    factory = agent_class(name)
    doc = f"NegMAS negotiator {factory.__module__}.{factory.__qualname__} at the table (bargaining.negmas.seat)."
    return type(f"Negmas{factory.__name__}", (NegmasSeat,), {"name": name, "negotiator": factory, "__doc__": doc,
                                                             "__module__": __name__}, register=False)


STRATEGIES.resolvers[PREFIX] = seat_class
