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

from .. import offers
from ..masks import every
from ..per_replication import PerReplication
from ..preferences import TOLERANCE
from ..views import Negotiator


class StrategyParams(BaseModel):
    """Parameters of a strategy, as written under ``[countries.X.strategy]``: finite numbers, no booleans or
    strings for numbers (strict mode)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    def for_rows(self, rows: np.ndarray) -> StrategyParams:
        """These parameters in the replications ``rows`` only: a batched parameter's (R,) array cut to them."""
        arrays = {name: value[rows] for name, value in self if isinstance(value, np.ndarray) and value.ndim}
        return self.model_copy(update=arrays) if arrays else self


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


class Strategy(PerReplication):
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
    #: Parameters that may be (R,) arrays, one value per replication (a heterogeneous batch,
    #: ``parameter_sets``); the strategy computes with each replication's value exactly what that value alone gives.
    batched: ClassVar[frozenset[str]] = frozenset()
    #: Attributes with one entry per replication (``per_replication.PerReplication``): what it learns in play.
    per_replication: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, register: bool = True, **kwargs):
        super().__init_subclass__(**kwargs)
        if register and "name" in cls.__dict__:
            STRATEGIES[cls.name] = cls

    def __init__(self, params: StrategyParams | None = None):
        self.params = params if params is not None else self.Params()

    def keep(self, rows: np.ndarray) -> None:
        """Keep the replications ``rows`` only: its state, and its batched parameters' arrays."""
        super().keep(rows)
        self.params = self.params.for_rows(rows)

    def reset(self) -> None:
        """Forget everything learned in play: the strategy plays again exactly as a fresh one would."""
        self.__init__(self.params)

    def aspiration(self, agent: Negotiator) -> float | np.ndarray:
        """(R,) target utility this round, before noise (a number: the same in every replication); the agent keeps
        it within [walk-away, 1]."""
        raise NotImplementedError

    def propose(self, agent: Negotiator, rows: np.ndarray) -> np.ndarray:
        """(R, K) the package (normalised) the agent tables this round in the replications ``rows`` (R,) bool: under
        unanimity its concession path's, under a quota its winning coalition's (``coalition_packages``)."""
        if agent.rule.unanimous:
            return agent.package_at(agent.aspiration, rows)
        return coalition_packages(agent, agent.aspiration, rows)

    def accepts(self, agent: Negotiator, packages: np.ndarray, utility: np.ndarray) -> np.ndarray:
        """(R,) whether the agent accepts each replication's package (R, K) worth ``utility`` (R,) to it (red lines
        checked by the agent)."""
        return utility >= agent.aspiration - TOLERANCE

    def observe(self, agent: Negotiator, proposer: np.ndarray, packages: np.ndarray, utility: np.ndarray,
                rows: np.ndarray) -> None:
        """Called with every package (R, K) another country (row, (R,)) tables and its ``utility`` (R,) to this
        agent, in the replications ``rows`` (for strategies that learn or reciprocate)."""

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in self.params.model_dump().items())
        return f"{type(self).__name__}({params})"


def coalition_packages(agent: Negotiator, aspiration: np.ndarray, rows: np.ndarray,
                       believed=lambda prefs, members: [(prefs, members)], toward_nash: bool = True) -> np.ndarray:
    """(R, K) in the replications ``rows``, what the agent tables under a quota rule at ``aspiration`` (R,): the
    package best for its winning coalition among those worth the aspiration to it (``offers.coalition_offers``,
    Baron & Ferejohn 1989), or its concession path's where the space is too large to weigh package by package.

    Args:
        believed: ``(prefs, members) -> [(Preferences, members)]``, the preferences it believes the others hold in
            the replications ``members`` (default: the true ones; ``opponent_model``: its estimates).
        toward_nash: concede toward the Nash package (``offers.coalitions``); ``opponent_model`` does not.
    """
    packages = np.zeros((agent.size, len(agent.space)))
    path = np.zeros(agent.size, dtype=bool)
    walk_aways = agent.walk_aways
    for _, prefs, group in agent.groups_of(rows):
        for beliefs, members in believed(prefs, group):
            index = np.flatnonzero(members)
            distinct, which = np.unique(walk_aways[index], axis=0, return_inverse=True)
            for d, walk_away in enumerate(distinct):
                these = index[which.reshape(-1) == d]
                x = offers.coalition_offers(beliefs, agent.space, agent.row, walk_away, agent.rule, aspiration[these],
                                            toward_nash)
                if x is None:
                    path[these] = True
                else:
                    packages[these] = x
    if path.any():
        packages[path] = agent.package_at(aspiration, path)[path]
    return packages


def coalition_ceilings(agent: Negotiator) -> np.ndarray:
    """(R,) the most the agent can get from a package that passes the quota rule as it believes
    (``offers.coalition_ceiling``); 1 where no package passes or the space is too large to tell."""
    ceiling = np.ones(agent.size)
    walk_aways = agent.walk_aways
    for _, prefs, members in agent.groups_of(np.ones(agent.size, dtype=bool)):
        index = np.flatnonzero(members)
        distinct, which = np.unique(walk_aways[index], axis=0, return_inverse=True)
        for d, walk_away in enumerate(distinct):
            best = offers.coalition_ceiling(prefs, agent.space, agent.row, walk_away, agent.rule)
            ceiling[index[which.reshape(-1) == d]] = 1.0 if best is None else best
    return ceiling


def surpluses(agent: Negotiator, packages: np.ndarray) -> np.ndarray:
    """(R, N) every country's surplus share of each replication's package (R, K) (``offers.surpluses``), under the
    preferences and walk-away values each replication holds."""
    walk_aways = agent.walk_aways
    out = np.empty(walk_aways.shape)
    for _, prefs, rows in agent.groups_of(np.ones(agent.size, dtype=bool)):
        if every(rows):
            return offers.surpluses(prefs, packages, walk_aways)
        out[rows] = offers.surpluses(prefs, packages[rows], walk_aways[rows])
    return out


def coalition_members(agent: Negotiator, packages: np.ndarray) -> np.ndarray:
    """(R, N) the others in the agent's winning coalition for each replication's package (R, K): every veto party
    and the others with the largest surpluses (``offers.surpluses``), as many as the rule needs."""
    surplus = surpluses(agent, packages)
    n = surplus.shape[1]
    rule, me = agent.rule, agent.row
    members = np.zeros((agent.size, n), dtype=bool)
    members[:, [v for v in rule.veto if v != me]] = True
    others = np.array([j for j in range(n) if j not in rule.veto and j != me], dtype=int)
    needed = rule.at_least - len([v for v in rule.veto if v != me]) - 1
    if needed > 0 and others.size:
        order = np.argsort(-surplus[:, others], axis=1, kind="stable")[:, :needed]
        members[np.arange(agent.size)[:, None], others[order]] = True
    return members
