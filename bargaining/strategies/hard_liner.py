"""The hard-liner: holds its opening position until its deadline."""

from __future__ import annotations

from pydantic import Field

from .base import Strategy, StrategyParams


class HardLiner(Strategy):
    """Table the ideal package and accept nothing short of it until the deadline, then fall to the
    walk-away value: the beta -> 0 limit of Faratin et al.'s (1998) Boulware tactic.

    Seed 000_f21dcda8b1f05b61.txt: "we're not in a position to offer anything in return".
    """

    name = "hard_liner"
    classifier = {**Strategy.classifier, "time_dependent": True}

    class Params(StrategyParams):
        deadline: int | None = Field(None, ge=1, description="round from which it accepts its walk-away "
                                     "value; default protocol.deadline_round")

    def aspiration(self, agent):
        deadline = self.params.deadline or agent.clock.deadline_round
        return 1.0 if agent.clock.round < deadline else agent.walk_away
