"""The strategy interface: how a country sets its aspiration, what it proposes, what it accepts.

After Axelrod's strategies: each strategy is a small class with a ``name``, a ``classifier`` (a dict of
properties a tournament can filter on) and a pydantic ``Params`` model for its scenario parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from ..agents import CountryAgent


class StrategyParams(BaseModel):
    """Parameters of a strategy, as written under ``[countries.X.strategy]``."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Strategy:
    """Base class. Subclasses set ``name``, ``classifier``, ``Params`` and implement ``aspiration``.

    The default ``propose`` tables the proposer's best package for the others at its aspiration
    (``CountryAgent.package_at``); the default ``accepts`` takes any package worth at least the
    aspiration that crosses none of its red lines.
    """

    name: ClassVar[str]
    classifier: ClassVar[dict[str, Any]] = {
        "time_dependent": False,
        "reciprocal": False,
        "stochastic": False,
        "learns_opponents": False,
        "two_party_only": False,
    }
    Params: ClassVar[type[StrategyParams]] = StrategyParams

    def __init__(self, params: StrategyParams | None = None):
        self.params = params if params is not None else self.Params()

    def aspiration(self, agent: CountryAgent) -> float:
        """Target utility this round, before noise; the agent keeps it within [walk-away, 1]."""
        raise NotImplementedError

    def propose(self, agent: CountryAgent) -> np.ndarray:
        """The package (normalised vector) the agent tables this round."""
        return agent.package_at(agent.aspiration)

    def accepts(self, agent: CountryAgent, package: np.ndarray, utility: float) -> bool:
        """Whether the agent accepts a package worth ``utility`` to it (red lines checked by the agent)."""
        return utility >= agent.aspiration - 1e-12

    def observe(self, agent: CountryAgent, proposer: str, package: np.ndarray) -> None:
        """Called with every package another country tables (for strategies that learn or reciprocate)."""

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in self.params.model_dump().items())
        return f"{type(self).__name__}({params})"
