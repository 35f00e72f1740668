"""Country agents: a negotiating government at the table. Strategy decides; the agent keeps the state.

Each round a ``CountryAgent`` sets its aspiration (its strategy's, plus noise, kept within its walk-away
value and 1), tables packages and answers the others' packages. What it tables comes from its concession
path (``offers.py``): at aspiration a it offers the package the others like best among those worth a to it.
"""

from __future__ import annotations

import mesa
import numpy as np

from . import offers
from .constituencies import ratifiable, ratifiable_offer
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
        self.aspiration_floor = 0.0  # raised by domestic politics (e.g. no concessions in campaign season)
        self.anticipates = False  # rejects what its own constituencies would not ratify (constituencies.py)
        self._path: offers.ConcessionPath | None = None

    @property
    def preferences(self):
        return self.model.preferences

    def utility(self, package: np.ndarray) -> float:
        return float(self.model.preferences.utility(package)[self.row])

    def within_red_lines(self, package: np.ndarray) -> bool:
        return bool(self.model.preferences.within_red_lines(package)[self.row])

    def begin_round(self) -> None:
        """Set this round's aspiration: the strategy's, plus noise, within [walk-away, 1]."""
        self.offer = None
        aspiration = self.strategy.aspiration(self)
        noise = self.model.case.spec.noise.aspiration
        if noise > 0:
            aspiration += noise * self.model.rng.standard_normal()
        self.aspiration = min(max(aspiration, self.walk_away, self.aspiration_floor), 1.0)

    def package_at(self, aspiration: float, others: np.ndarray | None = None) -> np.ndarray:
        """The package the others like best among those worth ``aspiration`` to this country.

        Args:
            aspiration: Utility to keep.
            others: How much to weigh each other country's acceptance (default: equally); the path
                for the default is built once and reused.
        """
        if others is not None:
            path = offers.concession_path(self.model.preferences, self.model.space, self.row, others)
        else:
            if self._path is None:
                self._path = self.model.concession_path(self.row)
            path = self._path
        return offers.offer(path, 1.0 - aspiration)

    def forget_path(self) -> None:
        """Drop the cached concession path (call when preferences change)."""
        self._path = None

    def propose(self) -> np.ndarray:
        """Table this round's package (one its constituencies would ratify, when it anticipates them)."""
        self.offer = self.strategy.propose(self)
        if self.anticipates and not ratifiable(self, self.offer):
            self.offer = ratifiable_offer(self, self.offer)
        return self.offer

    def accepts(self, package: np.ndarray, utility: float, within_red_lines: bool) -> bool:
        """Accept a package worth ``utility`` to this country: never across a red line, never below the
        walk-away value, otherwise as the strategy decides."""
        if not within_red_lines or utility < self.walk_away - 1e-12:
            return False
        if self.anticipates and not ratifiable(self, package):
            return False
        return self.strategy.accepts(self, package, utility)

    def observe(self, proposer: str, package: np.ndarray) -> None:
        self.strategy.observe(self, proposer, package)
