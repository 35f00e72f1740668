"""What each part of the engine may see of the others: small ``typing.Protocol`` views, never the model class.

* a strategy sees a :class:`Negotiator`: its own country at the table (its preferences and state, the clock,
  the packages it could table), and, only if its classifier says ``inspects_opponents``, another country's
  strategy;
* a protocol sees a :class:`Table`: the countries around it, who proposes when, the answers to a package, and
  the clock;
* a constituency sees a :class:`Home`: the clock and the current preferences, and the country it belongs to.

``agents.CountryAgent`` and ``model.NegotiationModel`` implement them; tests drive strategies and protocols with
small stand-ins.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from .clock import Clock
from .issues import IssueSpace
from .offers import ConcessionPath
from .preferences import Preferences
from .rules import Rule


class Home(Protocol):
    """What every view shows: the clock and the current preferences and issue space. A country's domestic
    arena, as its constituencies see it, is just this."""

    @property
    def preferences(self) -> Preferences: ...

    @property
    def space(self) -> IssueSpace: ...

    @property
    def clock(self) -> Clock: ...


class Negotiator(Home, Protocol):
    """A country at the table, as its strategy sees it.

    Attributes:
        code: Its country code.
        row: Its row in the preference arrays.
        preferences: Every country's preferences (positions and red lines are public; weights are the engine's
            assumption of complete information, which ``opponent_model`` drops).
        space: The issue space.
        clock: Rounds and deadlines (read only).
        walk_away: Its walk-away value this round.
        aspiration: Its aspiration this round (after noise and floors).
        offer: The package it tabled this round, or None.
    """

    code: str
    row: int
    walk_away: float
    aspiration: float
    offer: np.ndarray | None

    def utility(self, package: np.ndarray) -> float:
        """Its utility of a package."""

    def package_at(self, aspiration: float) -> np.ndarray:
        """The package the others like best among those worth ``aspiration`` to it (its concession path)."""

    def concession_path(self, preferences: Preferences) -> ConcessionPath:
        """Its concession path under other (e.g. estimated) preferences, from the scenario's shared cache."""

    def strategy_of(self, code: str) -> Any:
        """Another country's strategy object: for strategies whose classifier says ``inspects_opponents``."""


class Seat(Protocol):
    """A country as a protocol sees it: it has a code and tables a package when asked."""

    code: str
    row: int

    def propose(self) -> np.ndarray:
        """Table this round's package."""


class Table(Home, Protocol):
    """The negotiating table, as a protocol sees it: its countries, the threatener (a row or None) and the
    decision rule."""

    countries: list
    threatener: int | None
    rule: Rule

    def proposer_order(self) -> list:
        """Who proposes this round, in order."""

    def table(self, proposer: Seat, package: np.ndarray) -> None:
        """Put a country's package on the table: the others observe it."""

    def record(self, who: str, package: np.ndarray) -> None:
        """Record a package nobody at the table proposed (a mediator's text)."""

    def answers(self, package: np.ndarray, exclude: Seat | None = None, among: list | None = None) -> list[bool]:
        """The answers to a package of the countries ``among`` (default: all), but ``exclude``."""

    def last_round(self) -> int:
        """The round at whose end the talks end unless a deal comes first."""

