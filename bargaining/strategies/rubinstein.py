"""Rubinstein's (1982) subgame-perfect strategy for two parties splitting a pie by alternating offers.

With discount factors d1 (the proposer) and d2, the unique subgame-perfect equilibrium has the proposer
demand (1 - d2) / (1 - d1 d2) of the pie and the responder accept at once. Each party, as proposer, demands
its equilibrium share; as responder it accepts any offer worth at least what it would get by waiting one
round and proposing, d_self (1 - d_other) / (1 - d_self d_other). Meant for the ``pie-split`` scenario,
where a country's utility is its share of the pie.
"""

from __future__ import annotations

from pydantic import Field

from .base import Strategy, StrategyParams


def proposer_share(d_proposer: float, d_responder: float) -> float:
    """Rubinstein's equilibrium share of the first proposer: (1 - d2) / (1 - d1 d2)."""
    return (1.0 - d_responder) / (1.0 - d_proposer * d_responder)


class Rubinstein(Strategy):
    """Play the subgame-perfect equilibrium of Rubinstein's alternating-offers game (two parties)."""

    name = "rubinstein"
    classifier = {**Strategy.classifier, "two_party_only": True, "inspects_opponents": True}

    class Params(StrategyParams):
        discount: float = Field(0.9, gt=0, lt=1, description="own discount factor per round")
        opponent_discount: float | None = Field(
            None, gt=0, lt=1, description="the other party's discount factor; default: its own `discount` "
            "if it plays rubinstein, else this party's")

    def _discounts(self, agent) -> tuple[float, float]:
        """Own and opponent discount factors; without ``opponent_discount`` it inspects the opponent's
        strategy (classifier ``inspects_opponents``)."""
        own = self.params.discount
        if self.params.opponent_discount is not None:
            return own, self.params.opponent_discount
        other = agent.strategy_of(next(c for c in agent.countries if c != agent.code))
        if isinstance(other, Rubinstein):
            return own, other.params.discount
        return own, own

    def aspiration(self, agent):
        own, other = self._discounts(agent)
        return proposer_share(own, other)

    def accepts(self, agent, packages, utility):
        own, other = self._discounts(agent)
        return utility >= own * proposer_share(own, other) - 1e-9
