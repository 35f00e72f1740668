"""Behaviour-dependent tactics: reciprocate the others' concessions (Faratin, Sierra & Jennings 1998, s. 4.3).

Faratin et al. copy the opponent's concession on each issue value. Here a concession is measured where a
country can measure it, in its own utility: every package another country tables is valued by the
reciprocating country (``observe``), and the change in that value between the other's successive offers
is the concession it reciprocates, with its aspiration. With several others the concessions are averaged
over those who tabled something new since the last round.

* relative tit-for-tat: the others cut what they ask of this country, 1 - u(their offer), by some share;
  it cuts its own demand above its walk-away value, aspiration - walk-away, by the same share;
* absolute tit-for-tat: it lowers its aspiration by the utility the others' last offers gained it.

``delta`` is Faratin's window: reciprocate the concession made ``delta`` offers back. Like Axelrod's
TIT FOR TAT it opens nicely: in round 2, before any concession can be seen, it concedes ``first_move``.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from .base import Strategy, StrategyParams


class _Reciprocal(Strategy):
    classifier = {**Strategy.classifier, "reciprocal": True, "time_dependent": True}  # opens in round 2

    class Params(StrategyParams):
        delta: int = Field(1, ge=1, description="reciprocate the concession made this many offers back")
        first_move: float = Field(0.05, ge=0, le=1, description="utility conceded in round 2, before any "
                                  "concession of the others can be seen")

    def __init__(self, params=None):
        super().__init__(params)
        self.target = 1.0  # aspiration before noise
        self.seen: dict[str, list[float]] = {}  # other country -> own utility of each of its offers
        self.used: dict[str, int] = {}  # other country -> offers already reciprocated

    def observe(self, agent, proposer: str, package: np.ndarray, utility: float) -> None:
        self.seen.setdefault(proposer, []).append(utility)

    def aspiration(self, agent) -> float:
        delta = self.params.delta
        pairs = []
        for who, history in self.seen.items():
            if len(history) > self.used.get(who, 0) and len(history) > delta:
                pairs.append((history[-delta - 1], history[-delta]))
                self.used[who] = len(history)
        if pairs:
            self.target = self.reciprocate(pairs, agent.walk_away)
        elif agent.clock.round == 2:
            self.target -= self.params.first_move
        self.target = min(max(self.target, agent.walk_away), 1.0)
        return self.target

    def reciprocate(self, pairs: list[tuple[float, float]], walk_away: float) -> float:
        """New aspiration from (earlier, later) own utilities of the others' offers, one pair per other."""
        raise NotImplementedError


class RelativeTitForTat(_Reciprocal):
    """Concede, in proportion, what the others conceded (Faratin et al. 1998, relative tit-for-tat)."""

    name = "tit_for_tat_relative"

    def reciprocate(self, pairs, walk_away):
        shares = [(1.0 - after) / (1.0 - before) if 1.0 - before > 1e-12 else 1.0 for before, after in pairs]
        return walk_away + (self.target - walk_away) * (sum(shares) / len(shares))


class AbsoluteTitForTat(_Reciprocal):
    """Concede as much utility as the others conceded (Faratin et al. 1998, absolute tit-for-tat)."""

    name = "tit_for_tat_absolute"

    def reciprocate(self, pairs, walk_away):
        return self.target - sum(after - before for before, after in pairs) / len(pairs)
