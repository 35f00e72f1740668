"""Country agents: a negotiating government at the table. Strategy decides; the agent keeps the state.

Each round a ``CountryAgent`` sets its aspiration (its strategy's, plus noise, kept within its walk-away
value and 1), tables packages and answers the others' packages. What it tables comes from its concession
path (``offers.py``): at aspiration a it offers the package the others like best among those worth a to it.
It implements the :class:`~bargaining.views.Negotiator` view its strategy sees.
"""

from __future__ import annotations

import mesa
import numpy as np

from . import offers
from .domestic import Constituency
from .strategies import Strategy


class CountryAgent(mesa.Agent):
    """A country at the table.

    Attributes:
        code: Country code (``"US"``).
        row: Its row in the preference arrays.
        strategy: The concession strategy it delegates decisions to.
        belief: Belief that the threatener would really withdraw (partners only; NaN otherwise).
        walk_away: Current walk-away value (recomputed each round from the threat and the belief).
        aspiration: This round's target utility.
        offer: The package it tabled this round (normalised), or None.
        aspiration_floor: Floor under the aspiration set by domestic politics (e.g. a campaign).
        anticipates: Whether it rejects, and does not table, what its own constituencies would not ratify.
        constituencies: Its domestic constituencies.
    """

    def __init__(self, model, code: str, row: int, strategy: Strategy, belief: float = float("nan")):
        super().__init__(model)
        self.code = code
        self.row = row
        self.strategy = strategy
        self.belief = belief
        self.walk_away = 0.0
        self.aspiration = 1.0
        self.offer: np.ndarray | None = None
        self.aspiration_floor = 0.0
        self.anticipates = False
        self.constituencies: list[Constituency] = []
        self._path: offers.ConcessionPath | None = None

    # ------------------------------------------------------------------------- what its strategy sees
    @property
    def preferences(self):
        return self.model.preferences

    @property
    def space(self):
        return self.model.space

    @property
    def clock(self):
        return self.model.clock

    def utility(self, package: np.ndarray) -> float:
        return float(self.model.preferences.utility(package)[self.row])

    def within_red_lines(self, package: np.ndarray) -> bool:
        return bool(self.model.preferences.within_red_lines(package)[self.row])

    def package_at(self, aspiration: float) -> np.ndarray:
        """The package the others like best among those worth ``aspiration`` to this country."""
        if self._path is None:
            self._path = self.concession_path(self.model.preferences)
        return offers.offer(self._path, 1.0 - aspiration)

    def concession_path(self, preferences) -> offers.ConcessionPath:
        """Its concession path under ``preferences``, from the scenario's shared cache."""
        return self.model.case.concession_path(self.row, preferences)

    def strategy_of(self, code: str) -> Strategy:
        """Another country's strategy (for strategies that inspect their opponents)."""
        return self.model.countries[self.model.preferences.index(code)].strategy

    # ------------------------------------------------------------------------- what it does
    def forget_path(self) -> None:
        """Drop the cached concession path (call when preferences change)."""
        self._path = None

    def begin_round(self) -> None:
        """Set this round's aspiration: the strategy's, plus noise, within [walk-away, 1]."""
        self.offer = None
        aspiration = self.strategy.aspiration(self)
        noise = self.model.case.spec.noise.aspiration
        if noise > 0:
            aspiration += noise * self.model.rng.standard_normal()
        self.aspiration = min(max(aspiration, self.walk_away, self.aspiration_floor), 1.0)

    def propose(self) -> np.ndarray:
        """Table this round's package (one its constituencies would ratify, when it anticipates them)."""
        self.offer = self.strategy.propose(self)
        if self.anticipates and not self.ratifiable(self.offer):
            self.offer = self.ratifiable_offer()
        return self.offer

    def accepts(self, package: np.ndarray, utility: float, within_red_lines: bool) -> bool:
        """Accept a package worth ``utility`` to this country: never across a red line, never below the
        walk-away value, otherwise as the strategy decides."""
        if not within_red_lines or utility < self.walk_away - 1e-12:
            return False
        if self.anticipates and not self.ratifiable(package):
            return False
        return self.strategy.accepts(self, package, utility)

    def observe(self, proposer: str, package: np.ndarray, utility: float) -> None:
        self.strategy.observe(self, proposer, package, utility)

    # ------------------------------------------------------------------------- ratification at home
    def ratifiable(self, package: np.ndarray) -> bool:
        """Whether every one of its constituencies would ratify ``package``."""
        return all(c.ratifies(package) for c in self.constituencies)

    def ratifiable_offer(self, steps: int = 20) -> np.ndarray:
        """What it tables instead of a package its constituencies would reject: the package on its concession
        path, worth at least its walk-away value, that they would ratify and that is nearest its aspiration;
        its opening package if there is none."""
        best, gap = self.package_at(1.0), np.inf
        for aspiration in np.linspace(self.walk_away, 1.0, steps + 1):
            x = self.package_at(float(aspiration))
            u = self.utility(x)
            if u >= self.walk_away - 1e-12 and abs(u - self.aspiration) < gap and self.ratifiable(x):
                best, gap = x, abs(u - self.aspiration)
        return best
