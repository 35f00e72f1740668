"""Opponent modelling: learn the others' issue weights from their offers, then trade off with the estimate.

The others' ideal packages and red lines are public (their opening demands and "non-starters", seed
003_f02f829b3b9ade45.txt); their salience weights are not. The estimate is a frequency model after the
HardHeaded agent (van Krimpen, Looije & Hajizadeh 2013; reviewed by Baarslag et al. 2016, "Learning about
the opponent in automated bilateral negotiation"): an issue a country still holds at its opening demand
is one it cares about, so with every offer its weight grows by ``learning_rate / K`` and the weights are
renormalised. (HardHeaded counts issues unchanged since the previous offer; that also rewards issues
already conceded in full, which logrolling countries do first on the issues they care least about, so
here the count is of issues unchanged since the opening offer.) Offers are the logrolling offers of
``offers.concession_path`` built on the estimated preferences; the aspiration follows Faratin's
polynomial time-dependent tactic. Under a quota rule its offers are coalition-aware (``base.coalition_packages``)
on the estimated preferences.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from pydantic import Field

from .. import offers
from .base import Strategy, StrategyParams, coalition_packages
from .time_dependent import polynomial_aspiration


class OpponentModel(Strategy):
    """Estimate the others' weights from what they hold; concede where the estimate says it is cheap.

    Attributes:
        estimate: (N, K) estimated weights (own row: the true weights), None before the first round.
    """

    name = "opponent_model"
    classifier = {**Strategy.classifier, "time_dependent": True, "learns_opponents": True}
    batched = frozenset({"beta"})
    per_replication = ("estimate", "opening", "opened")

    class Params(StrategyParams):
        beta: float = Field(0.5, gt=0, description="Faratin concession exponent of the aspiration")
        deadline: int | None = Field(None, ge=1, description="round it reaches its walk-away value; "
                                     "default protocol.deadline_round")
        learning_rate: float = Field(0.2, gt=0, le=100, description="weight added, over K, to each issue still "
                                     "at the opening demand (HardHeaded's learnCoef)")
        resolution: float = Field(0.02, ge=1e-6, le=1, description="estimated weights are rounded to this step "
                                  "before a concession path is built on them (paths are shared between runs)")

    def __init__(self, params=None):
        super().__init__(params)
        self.estimate: np.ndarray | None = None  # (R, N, K)
        self.opening: np.ndarray | None = None  # (R, N, K) each other's first offer
        self.opened: np.ndarray | None = None  # (R, N) whether it has made one

    def _start(self, agent) -> None:
        if self.estimate is None:
            # its own weights, per replication (they never move, but may differ between replications)
            n, k = len(agent.countries), len(agent.space)
            own = agent.per_group(lambda prefs, x: np.broadcast_to(prefs.weights[agent.row], (len(x), k)),
                                  np.zeros((agent.size, 1)))
            self.estimate = np.full((agent.size, n, k), 1.0 / k)
            self.estimate[:, agent.row] = own
            self.opening = np.zeros((agent.size, n, k))
            self.opened = np.zeros((agent.size, n), dtype=bool)

    def observe(self, agent, proposer, packages, utility, rows) -> None:
        self._start(agent)
        r = rows.nonzero()[0]  # np.flatnonzero of (R,) rows, without its wrapper: every package seen
        who = proposer[r]
        first = ~self.opened[r, who]
        self.opening[r[first], who[first]] = packages[r[first]]
        self.opened[r[first], who[first]] = True
        r, who = r[~first], who[~first]
        held = np.abs(packages[r] - self.opening[r, who]) < 1e-9
        w = self.estimate[r, who] + self.params.learning_rate / packages.shape[1] * held
        self.estimate[r, who] = w / w.sum(axis=1, keepdims=True)

    def aspiration(self, agent):
        deadline = (self.params.deadline or agent.clock.deadline_round) - 1
        return polynomial_aspiration(agent.clock.round - 1, deadline, self.params.beta, agent.walk_away)

    def propose(self, agent, rows) -> np.ndarray:
        """Offers cut from the concession paths on the estimated preferences (``rounded``), one per distinct
        estimate; those not in the scenario's cache yet are built at once (``Negotiator.concession_paths``)."""
        self._start(agent)
        rounded = self.rounded(agent)
        if not agent.rule.unanimous:
            return coalition_packages(agent, agent.aspiration, rows, lambda prefs, members: self.believed(
                prefs, members, rounded), toward_nash=False)  # its estimates misplace the Nash package
        packages = np.zeros((agent.size, len(agent.space)))
        parts = []  # per preference group: its rows, preferences, distinct estimates, each row's estimate
        for _, prefs, members in agent.groups_of(rows):
            index = np.flatnonzero(members)
            estimates = np.ascontiguousarray(rounded[index].reshape(len(index), -1))
            # the distinct estimates, compared as bytes (ten times faster than np.unique(axis=0))
            _, first, which = np.unique(estimates.view(np.dtype((np.void, estimates[0].nbytes))).ravel(),
                                        return_index=True, return_inverse=True)
            parts.append((index, prefs, estimates[first].reshape(-1, *rounded.shape[1:]), which.reshape(-1)))
        if not parts:
            return packages
        if len(parts) == 1:
            index, prefs, distinct, which = parts[0]
            paths = agent.concession_paths(prefs, distinct)
        else:  # every group's paths at once, and every row cut at once
            paths = agent.concession_paths([prefs for _, prefs, distinct, _ in parts for _ in distinct],
                                           np.concatenate([distinct for _, _, distinct, _ in parts]))
            offset = np.cumsum([0] + [len(distinct) for _, _, distinct, _ in parts])
            index = np.concatenate([index for index, *_ in parts])
            which = np.concatenate([which + offset[g] for g, (*_, which) in enumerate(parts)])
        packages[index] = offers.offers(paths, which, 1.0 - agent.aspiration[index])
        return packages

    @staticmethod
    def believed(prefs, members: np.ndarray, rounded: np.ndarray):
        """The preferences of ``members`` (R,) with each distinct estimate (``rounded``) in place of the weights:
        pairs (Preferences, mask)."""
        index = np.flatnonzero(members)
        estimates = rounded[index].reshape(len(index), -1)
        distinct, which = np.unique(estimates, axis=0, return_inverse=True)
        for e, weights in enumerate(distinct):
            mask = np.zeros_like(members)
            mask[index[which.reshape(-1) == e]] = True
            yield replace(prefs, weights=weights.reshape(rounded.shape[1:])), mask

    def rounded(self, agent) -> np.ndarray:
        """(R, N, K) the estimated weights, the others' rounded to ``resolution`` (so that runs share concession
        paths through the scenario's cache), its own the true ones."""
        self._start(agent)
        step = self.params.resolution
        rounded = np.round(self.estimate / step).astype(np.int64) * step
        rounded[:, agent.row] = self.estimate[:, agent.row]
        return rounded

    def estimated_preferences(self, agent, replication: int = 0):
        """The Preferences of one replication with the others' weights replaced by the estimate."""
        self._start(agent)
        weights = self.estimate[replication].copy()
        rows = np.zeros(agent.size, dtype=bool)
        rows[replication] = True
        return replace(agent.preferences_of(rows), weights=weights)
