"""What each part of the engine may see of the others: small ``typing.Protocol`` views, never the model class.

* a strategy sees a :class:`Negotiator`: its own country at the table (its preferences and state, the clock,
  the packages it could table), and, only if its classifier says ``inspects_opponents``, another country's
  strategy;
* a protocol sees a :class:`Table`: the countries around it, who proposes when, the answers to a package, and
  the clock;
* a constituency sees a :class:`Home`: the clock and the current preferences, and the country it belongs to;

each in every replication of a batch at once (arrays with a leading replication axis).

``agents.CountryAgent`` and ``model.NegotiationModel`` implement them; tests drive strategies and protocols with
small stand-ins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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

    def groups_of(self, rows: np.ndarray) -> Iterator[tuple[int, Preferences, np.ndarray]]:
        """The replications ``rows`` (R,) by the preferences they hold: (group, Preferences, (R,) mask)."""

    def per_group(self, function: Callable[[Preferences, np.ndarray], np.ndarray], packages: np.ndarray) -> np.ndarray:
        """``function(preferences, packages)`` of each replication's package under the preferences it holds."""


class Negotiator(Home, Protocol):
    """A country at the table, as its strategy sees it, in every replication of a batch (R of them; a single run
    is a batch of one): its state is arrays with a leading replication axis.

    Attributes:
        code: Its country code.
        row: Its row in the preference arrays.
        countries: Every country's code, in row order.
        size: Replications R.
        preferences: Every country's preferences (positions and red lines are public; weights are the engine's
            assumption of complete information, which ``opponent_model`` drops), while the replications share
            them; ``groups_of`` gives them per replication.
        space: The issue space.
        clock: Rounds and deadlines (read only).
        walk_away: (R,) its walk-away value this round.
        walk_aways: (R, N) every country's walk-away value this round (complete information, as the weights).
        rule: The table's decision rule (coalition-aware offers under a quota: ``offers.coalition_offers``).
        aspiration: (R,) its aspiration this round (after noise and floors).
        offer: (R, K) the package it tabled this round, where ``offered`` (R,).
        seeds: (R,) the replications' seeds (for a strategy's own random numbers: ``streams``).
    """

    code: str
    row: int
    countries: tuple[str, ...]
    size: int
    walk_away: np.ndarray
    walk_aways: np.ndarray
    rule: Rule
    aspiration: np.ndarray
    offer: np.ndarray
    offered: np.ndarray
    seeds: np.ndarray

    def preferences_of(self, rows: np.ndarray) -> Preferences:
        """The preferences of the first replication in ``rows``."""

    def utility(self, packages: np.ndarray) -> np.ndarray:
        """(R,) its utility of one package per replication (R, K)."""

    def package_at(self, aspiration: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(R, K) the package the others like best among those worth ``aspiration`` (R,) to it (its concession
        path), in the replications ``rows``."""

    def concession_path(self, preferences: Preferences) -> ConcessionPath:
        """Its concession path under other (e.g. estimated) preferences, from the scenario's shared cache."""

    def concession_paths(self, preferences: Preferences | list[Preferences], weights: np.ndarray
                         ) -> list[ConcessionPath]:
        """Its concession paths under ``preferences`` (or ``preferences[e]``, one per set of weights) with each of E
        weights (E, N, K) in place of their own (e.g. estimates), from the scenario's shared cache:
        ``concession_path`` of each, the missing ones built at once."""

    def strategy_of(self, code: str) -> Any:
        """Another country's strategy object: for strategies whose classifier says ``inspects_opponents``."""


class Table(Home, Protocol):
    """The negotiating table, as a protocol sees it, in every replication of a batch: its countries, the threatener
    (a row or None), the decision rule, and which replications still negotiate (``live``). Packages, proposers
    and answers are arrays with a leading replication axis.
    """

    countries: list
    threatener: int | None
    rule: Rule
    size: int
    live: np.ndarray

    def proposer_order(self) -> np.ndarray:
        """(R, N) who proposes this round, in order, per replication."""

    def propose(self, proposer: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(R, K) the package each replication's proposer (R,) tables, in the replications ``rows``."""

    def table(self, proposer: np.ndarray, packages: np.ndarray, rows: np.ndarray) -> np.ndarray | None:
        """Put each replication's package on the table (in ``rows``): the others observe it. Returns the (R, N)
        utilities (None if not computed)."""

    def record(self, who: str, package: np.ndarray) -> None:
        """Record a package nobody at the table proposed (a mediator's text)."""

    def answers(self, packages: np.ndarray, asked: np.ndarray, utility: np.ndarray | None = None) -> np.ndarray:
        """(R, N) the answers to each replication's package of the countries ``asked`` (R, N) (``utility``: the
        packages' (R, N) utilities, if known)."""

    def passes(self, yes: np.ndarray) -> np.ndarray:
        """(R,) whether the supporters (R, N) pass a package under the decision rule."""

    def last_round(self) -> np.ndarray:
        """(R,) the round at whose end the talks end unless a deal comes first."""
