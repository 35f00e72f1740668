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
polynomial time-dependent tactic.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from pydantic import Field

from .. import offers
from .base import Strategy, StrategyParams
from .time_dependent import polynomial_aspiration


class OpponentModel(Strategy):
    """Estimate the others' weights from what they hold; concede where the estimate says it is cheap.

    Attributes:
        estimate: (N, K) estimated weights (own row: the true weights), None before the first round.
    """

    name = "opponent_model"
    classifier = {**Strategy.classifier, "time_dependent": True, "learns_opponents": True}

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
        self.estimate: np.ndarray | None = None
        self.opening: dict[int, np.ndarray] = {}  # row -> its first offer

    def _start(self, agent) -> None:
        n, k = agent.preferences.weights.shape
        self.estimate = np.full((n, k), 1.0 / k)
        self.estimate[agent.row] = agent.preferences.weights[agent.row]

    def observe(self, agent, proposer: str, package: np.ndarray, utility: float) -> None:
        if self.estimate is None:
            self._start(agent)
        row = agent.preferences.index(proposer)
        if row not in self.opening:
            self.opening[row] = np.array(package, dtype=float)
            return
        held = np.abs(package - self.opening[row]) < 1e-9
        w = self.estimate[row] + self.params.learning_rate / len(package) * held
        self.estimate[row] = w / w.sum()

    def aspiration(self, agent) -> float:
        deadline = (self.params.deadline or agent.clock.deadline_round) - 1
        return polynomial_aspiration(agent.clock.round - 1, deadline, self.params.beta, agent.walk_away)

    def estimated_preferences(self, agent):
        """The model's Preferences with the others' weights replaced by the estimate."""
        if self.estimate is None:
            self._start(agent)
        weights = self.estimate.copy()
        weights[agent.row] = agent.preferences.weights[agent.row]
        return replace(agent.preferences, weights=weights)

    def propose(self, agent) -> np.ndarray:
        return offers.offer(self.path(agent), 1.0 - agent.aspiration)

    def path(self, agent) -> offers.ConcessionPath:
        """The concession path on the estimated preferences, the others' weights rounded to ``resolution`` (so
        that runs share paths through the scenario's cache)."""
        if self.estimate is None:
            self._start(agent)
        prefs, step = agent.preferences, self.params.resolution
        rounded = np.round(self.estimate / step).astype(np.int64) * step
        rounded[agent.row] = prefs.weights[agent.row]
        return agent.concession_path(replace(prefs, weights=rounded))
