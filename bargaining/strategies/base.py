"""The strategy interface: how a country sets its aspiration, what it proposes, what it accepts.

After Axelrod's strategies: each strategy is a small class with a ``name``, a ``classifier`` (what it is and
what it looks at, for tournaments to filter on and for tests to hold it to) and a pydantic ``Params`` model for
its scenario parameters. A strategy sees only a :class:`~bargaining.views.Negotiator`: its own country, in every
replication of a batch (its state is arrays with one entry per replication, ``agent.size`` of them; a strategy
keeps any state of its own the same way).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from ..views import Negotiator


class StrategyParams(BaseModel):
    """Parameters of a strategy, as written under ``[countries.X.strategy]``: finite numbers, no booleans or
    strings for numbers (strict mode)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


#: Classifier keys, each false unless a strategy says otherwise. ``tests/test_strategy_contract.py`` holds every
#: registered strategy to them.
CLASSIFIER: dict[str, bool] = {
    "time_dependent": False,  # reads the clock (round, deadline)
    "reciprocal": False,  # its aspiration follows the others' concessions
    "learns_opponents": False,  # estimates the others' preferences from their offers
    "inspects_opponents": False,  # reads another country's strategy parameters
    "stochastic": False,  # draws random numbers of its own (aspiration noise is the agent's, not the strategy's)
    "two_party_only": False,  # defined for two countries only
}


class Registry(dict):
    """Strategy name -> class. Names with a registered prefix (``negmas:Atlas3``: ``bargaining.negmas``) are
    resolved on demand by ``resolvers[prefix](name)`` and never listed: iterating gives the package's own. A
    resolver raises ``ScenarioError`` for a name it does not know and ``UsageError`` when its optional package is
    missing; both pass through ``in`` and ``get`` (one clear line instead of "unknown strategy")."""

    resolvers: dict[str, Callable[[str], type[Strategy]]] = {}

    def __missing__(self, name):
        for prefix, resolve in self.resolvers.items():
            if isinstance(name, str) and name.startswith(prefix):
                return resolve(name)
        raise KeyError(name)

    def __contains__(self, name) -> bool:
        try:
            self[name]
        except (KeyError, TypeError):
            return False
        return True

    def get(self, name, default=None):
        return self[name] if name in self else default


#: Strategy name -> class, filled by ``Strategy.__init_subclass__`` (aliases are added in ``__init__.py``).
STRATEGIES: Registry = Registry()


class Strategy:
    """Base class. Subclasses set ``name``, ``classifier``, ``Params`` and implement ``aspiration``; a subclass
    with a ``name`` registers itself in ``STRATEGIES`` unless declared with ``register=False``.

    The default ``propose`` tables the proposer's best package for the others at its aspiration
    (``Negotiator.package_at``); the default ``accepts`` takes any package worth at least the aspiration
    (red lines and the walk-away value are checked by the agent first). Every method acts on all R replications
    at once: arrays with a leading replication axis in, out.
    """

    name: ClassVar[str]
    classifier: ClassVar[dict[str, Any]] = CLASSIFIER
    Params: ClassVar[type[StrategyParams]] = StrategyParams

    def __init_subclass__(cls, register: bool = True, **kwargs):
        super().__init_subclass__(**kwargs)
        if register and "name" in cls.__dict__:
            STRATEGIES[cls.name] = cls

    def __init__(self, params: StrategyParams | None = None):
        self.params = params if params is not None else self.Params()

    def reset(self) -> None:
        """Forget everything learned in play: the strategy plays again exactly as a fresh one would."""
        self.__init__(self.params)

    def aspiration(self, agent: Negotiator) -> float | np.ndarray:
        """(R,) target utility this round, before noise (a number: the same in every replication); the agent keeps
        it within [walk-away, 1]."""
        raise NotImplementedError

    def propose(self, agent: Negotiator, rows: np.ndarray) -> np.ndarray:
        """(R, K) the package (normalised) the agent tables this round in the replications ``rows`` (R,) bool."""
        return agent.package_at(agent.aspiration, rows)

    def accepts(self, agent: Negotiator, packages: np.ndarray, utility: np.ndarray) -> np.ndarray:
        """(R,) whether the agent accepts each replication's package (R, K) worth ``utility`` (R,) to it (red lines
        checked by the agent)."""
        return utility >= agent.aspiration - 1e-12

    def observe(self, agent: Negotiator, proposer: np.ndarray, packages: np.ndarray, utility: np.ndarray,
                rows: np.ndarray) -> None:
        """Called with every package (R, K) another country (row, (R,)) tables and its ``utility`` (R,) to this
        agent, in the replications ``rows`` (for strategies that learn or reciprocate)."""

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in self.params.model_dump().items())
        return f"{type(self).__name__}({params})"
