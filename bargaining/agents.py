"""Country agents: a negotiating government at the table. Strategy decides; the agent keeps the state.

The model runs a batch of R replications at once (a single run is a batch of one), so every piece of state here
is an array with one entry per replication. Each round a ``CountryAgent`` sets its aspiration (its strategy's,
plus noise, kept within its walk-away value and 1), tables packages and answers the others' packages. What it
tables comes from its concession path (``offers.py``): at aspiration a it offers the package the others like best
among those worth a to it. It implements the :class:`~bargaining.views.Negotiator` view its strategy sees.
"""

from __future__ import annotations

import mesa
import numpy as np

from . import offers
from .domestic import Constituency
from .masks import distinct, every, some
from .per_replication import PerReplication
from .preferences import ONE, TOLERANCE
from .scalars import maximum, minimum
from .strategies import Strategy


class CountryAgent(mesa.Agent, PerReplication):
    """A country at the table, in every replication of the batch.

    Attributes:
        code: Country code (``"US"``).
        row: Its row in the preference arrays.
        size: Replications R.
        strategy: The concession strategy it delegates decisions to (one object acting on the whole batch).
        belief: (R,) belief that the threatener would really withdraw (partners only; NaN otherwise).
        walk_away: (R,) current walk-away value (recomputed each round from the threat and the belief).
        aspiration: (R,) this round's target utility.
        offer: (R, K) the package it tabled this round (normalised), where ``offered``.
        offered: (R,) whether it tabled a package this round.
        aspiration_floor: (R,) floor under the aspiration set by domestic politics (e.g. a campaign).
        anticipates: (R,) whether it rejects, and does not table, what its own constituencies would not ratify.
        constituencies: Its domestic constituencies.
    """

    per_replication = ("size", "belief", "_walk_away", "_floor", "_aspiration", "_least", "offer", "offered",
                       "aspiration_floor", "anticipates", "strategy")

    def __init__(self, model, code: str, row: int, strategy: Strategy, belief: np.ndarray):
        super().__init__(model)
        self.code = code
        self.row = row
        self.size = len(belief)
        self.strategy = strategy
        self.belief = belief
        self._aspiration = np.ones(self.size)
        self.walk_away = np.zeros(self.size)
        self.offer = np.zeros((self.size, len(model.space)))
        self.offered = np.zeros(self.size, dtype=bool)
        self.aspiration_floor = np.zeros(self.size)
        self.anticipates = np.zeros(self.size, dtype=bool)
        self.constituencies: list[Constituency] = []
        self._paths: dict[int, offers.ConcessionPath] = {}  # preference group -> its concession path

    @property
    def walk_away(self) -> np.ndarray:
        return self._walk_away

    @walk_away.setter
    def walk_away(self, value: np.ndarray) -> None:
        self._walk_away = value
        self._floor = value - TOLERANCE  # the least utility it accepts: computed once a round, not per package
        self._least = np.maximum(self._aspiration, value) - TOLERANCE

    @property
    def aspiration(self) -> np.ndarray:
        return self._aspiration

    @aspiration.setter
    def aspiration(self, value: np.ndarray) -> None:
        self._aspiration = value
        # the least utility a strategy that accepts at its aspiration (``Strategy.accepts``) accepts, above the
        # walk-away value too: u >= a - 1e-12 and u >= w - 1e-12 is u >= max(a, w) - 1e-12 (rounding is monotone)
        self._least = np.maximum(value, self._walk_away) - TOLERANCE

    # ------------------------------------------------------------------------- what its strategy sees
    @property
    def preferences(self):
        return self.model.preferences

    @property
    def space(self):
        return self.model.space

    @property
    def countries(self) -> tuple[str, ...]:
        return self.model.case.countries

    @property
    def clock(self):
        return self.model.clock

    @property
    def rule(self):
        return self.model.rule

    @property
    def walk_aways(self) -> np.ndarray:
        """(R, N) every country's walk-away value this round (public, as the weights are: the engine's complete
        information)."""
        return np.array([a.walk_away for a in self.model.countries]).T

    @property
    def seeds(self):
        return self.model.seeds

    def groups_of(self, rows: np.ndarray):
        """The replications ``rows`` by preferences: pairs (group, Preferences, (R,) mask)."""
        return self.model.groups_of(rows)

    def per_group(self, function, packages: np.ndarray) -> np.ndarray:
        """``function(preferences, packages)`` under each replication's preferences (``NegotiationModel.per_group``)."""
        return self.model.per_group(function, packages)

    def preferences_of(self, rows: np.ndarray):
        """The preferences of the first replication in ``rows`` (every replication's, while they share them)."""
        return self.model.groups[int(self.model.group[np.flatnonzero(rows)[0]])]

    def utility(self, packages: np.ndarray) -> np.ndarray:
        """(R,) its utility of one package per replication (R, K)."""
        return self.model.utilities(packages)[:, self.row]

    def package_at(self, aspiration: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(R, K) in the replications ``rows``, the package the others like best among those worth ``aspiration``
        (R,) to this country (zeros elsewhere). Replications in several preference groups: the paths missing are
        built at once (``Scenario.concession_paths_of``) and every row is cut at once (``offers.offers``)."""
        model = self.model
        if len(model.groups) > 1:
            index = np.flatnonzero(rows)
            groups, which = distinct(model.group[index], len(model.groups))
            if len(groups) > 1:
                return self._packages_at(aspiration, index, groups.tolist(), which)
        for group, prefs, members in self.groups_of(rows):  # one group
            if group not in self._paths:
                self._paths[group] = self.concession_path(prefs)
            if self.size == 1:  # a single run's one cut, its budget a Python number (the same subtraction)
                return offers.offer(self._paths[group], 1.0 - aspiration.item())[None]
            if every(members):  # one cut for the whole batch
                return offers.offer(self._paths[group], ONE - aspiration)
            packages = np.zeros((self.size, len(self.space)))
            packages[members] = offers.offer(self._paths[group], 1.0 - aspiration[members])
            return packages
        return np.zeros((self.size, len(self.space)))

    def _packages_at(self, aspiration: np.ndarray, index: np.ndarray, groups: list[int], which: np.ndarray
                     ) -> np.ndarray:
        """``package_at`` of the replications ``index``, in the preference groups ``groups`` (``which``: each row's)."""
        missing = [g for g in groups if g not in self._paths]
        if missing:
            paths = self.model.case.concession_paths_of(self.row, [self.model.groups[g] for g in missing])
            self._paths.update(zip(missing, paths, strict=True))
        packages = np.zeros((self.size, len(self.space)))
        packages[index] = offers.offers([self._paths[g] for g in groups], which, 1.0 - aspiration[index])
        return packages

    def concession_path(self, preferences) -> offers.ConcessionPath:
        """Its concession path under ``preferences``, from the scenario's shared cache."""
        return self.model.case.concession_path(self.row, preferences)

    def concession_paths(self, preferences, weights: np.ndarray) -> list[offers.ConcessionPath]:
        """Its concession paths under ``preferences`` (or ``preferences[e]``, one per set) with each of E weights
        (E, N, K), from the scenario's shared cache (the missing ones built at once)."""
        return self.model.case.concession_paths(self.row, preferences, weights)

    def strategy_of(self, code: str) -> Strategy:
        """Another country's strategy (for strategies that inspect their opponents)."""
        return self.model.countries[self.model.case.countries.index(code)].strategy

    # ------------------------------------------------------------------------- what it does
    def forget_paths(self, group: int) -> None:
        """Drop the cached concession path of a preference group (call when its preferences change)."""
        self._paths.pop(group, None)

    def begin_round(self, noise: np.ndarray | float | None = None) -> None:
        """Set this round's aspiration: the strategy's, plus ``noise`` (R,) if any (a single run's: a number), within
        [walk-away, 1]."""
        self.offered.fill(False)
        aspiration = self.strategy.aspiration(self)  # a number or (R,): broadcast against the (R,) walk-away value
        if self.size == 1 and type(aspiration) is float:  # a single run's strategy gave a Python number: stay on them
            self._begin_one(aspiration, noise if noise is None or type(noise) is float else noise.item())
            return
        if noise is not None:
            aspiration = aspiration + noise
        self.aspiration = np.minimum(np.maximum(np.maximum(aspiration, self.walk_away), self.aspiration_floor), ONE)

    def _begin_one(self, aspiration: float, noise: float | None) -> None:
        """``begin_round`` of a single run on Python numbers: the same operations in the same order as on arrays of
        one (``maximum``/``minimum`` as numpy's), without numpy's cost per call (tests hold them equal)."""
        walk_away = self._walk_away.item()
        if noise is not None:
            aspiration = aspiration + noise
        aspiration = minimum(maximum(maximum(aspiration, walk_away), self.aspiration_floor.item()), 1.0)
        self._aspiration = np.array([aspiration])
        self._least = np.array([maximum(aspiration, walk_away) - 1e-12])

    def propose(self, rows: np.ndarray) -> np.ndarray:
        """Table this round's package in the replications ``rows`` (one its constituencies would ratify, where it
        anticipates them): (R, K), valid in ``rows``."""
        offer = self.strategy.propose(self, rows)
        check = rows & self.anticipates if some(self.anticipates) else None
        if check is not None and some(check):
            redo = check & ~self.ratifiable(offer)
            if some(redo):
                offer = np.where(redo[:, None], self.ratifiable_offer(redo), offer)
        if every(rows):  # its own copy, which it returns: the caller's package (a single run's)
            self.offer = offer = np.array(offer, dtype=float)
        else:
            self.offer = np.where(rows[:, None], offer, self.offer)
        self.offered |= rows
        return offer

    def accepts(self, packages: np.ndarray, utility: np.ndarray, within_red_lines: np.ndarray) -> np.ndarray:
        """(R,) whether it accepts each replication's package worth ``utility`` to it: never across a red line,
        never below the walk-away value, otherwise as the strategy decides."""
        anticipates = some(self.anticipates)
        if not anticipates and type(self.strategy).accepts is Strategy.accepts:  # at its aspiration: one comparison
            return within_red_lines & (utility >= self._least)
        ok = within_red_lines & (utility >= self._floor)
        if anticipates:
            ok &= ~self.anticipates | self.ratifiable(packages)
        return ok & np.asarray(self.strategy.accepts(self, packages, utility), dtype=bool)

    @property
    def observes(self) -> bool:
        """Whether its strategy looks at what the others table (overrides ``Strategy.observe``)."""
        return type(self.strategy).observe is not Strategy.observe

    def observe(self, proposer: np.ndarray, packages: np.ndarray, utility: np.ndarray, rows: np.ndarray) -> None:
        """See, in the replications ``rows``, the package (R, K) a country (R,) tabled and its utility (R,)."""
        self.strategy.observe(self, proposer, packages, utility, rows)

    # ------------------------------------------------------------------------- ratification at home
    def ratifiable(self, packages: np.ndarray) -> np.ndarray:
        """(R,) whether every one of its constituencies would ratify each replication's package."""
        ok = np.ones(self.size, dtype=bool)
        for c in self.constituencies:
            ok &= c.ratifies(packages)
        return ok

    def ratifiable_offer(self, rows: np.ndarray, steps: int = 20) -> np.ndarray:
        """What it tables instead of a package its constituencies would reject: the package on its concession
        path, worth at least its walk-away value, that they would ratify and that is nearest its aspiration;
        its opening package if there is none. (R, K), valid in ``rows``."""
        best, gap = self.package_at(np.ones(self.size), rows), np.full(self.size, np.inf)
        levels = np.linspace(self.walk_away, 1.0, steps + 1)  # (steps + 1, R)
        for aspiration in levels:
            x = self.package_at(aspiration, rows)
            u = self.utility(x)
            better = rows & (u >= self.walk_away - 1e-12) & (np.abs(u - self.aspiration) < gap) & self.ratifiable(x)
            best = np.where(better[:, None], x, best)
            gap = np.where(better, np.abs(u - self.aspiration), gap)
        return best
