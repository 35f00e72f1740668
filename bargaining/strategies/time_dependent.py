"""Time-dependent concession (Faratin, Sierra & Jennings 1998, "Negotiation decision functions")."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..preferences import ONE
from .base import Strategy, StrategyParams


def per_value(function, beta):
    """``function(beta)`` of a number, or of each replication's beta (R,), computed once per distinct value with
    Python floats: the numbers a single run computes."""
    if not isinstance(beta, np.ndarray) or beta.ndim == 0:
        return function(beta)
    values, which = np.unique(beta, return_inverse=True)
    return np.array([function(b) for b in values.tolist()])[which.reshape(-1)]


def _root(elapsed: float, beta):
    """``elapsed ** (1 / beta)`` of a number, or of each replication's beta (R,): the power in Python (libm's pow,
    as a single run computes it: numpy's power may differ in the last bit, e.g. with SVML on AVX-512), the
    division in numpy (correctly rounded, as Python's: the same bits)."""
    if not isinstance(beta, np.ndarray) or beta.ndim == 0:
        return elapsed ** (1.0 / beta)
    if elapsed in (0.0, 1.0):  # the first round and from the deadline on: 0 ** e = 0 (e > 0), 1 ** e = 1
        return np.full(len(beta), float(elapsed))
    return np.array([elapsed ** e for e in (1.0 / beta).tolist()])


def _conceded(reserve, alpha):
    """a = r + (1 - r) * (1 - alpha), with 1 and 1 - alpha as 0-d arrays: numpy converts a Python float operand on
    every call, which a batch of one pays each round (the same numbers); on Python numbers, a Python number."""
    if type(reserve) is float and type(alpha) is float:
        return reserve + (1.0 - reserve) * (1.0 - alpha)
    return reserve + (ONE - reserve) * np.asarray(1.0 - alpha)


def polynomial_aspiration(t: float, deadline: float, beta, reserve, kappa: float = 0.0):
    """Faratin et al. (1998), polynomial family.

    alpha(t) = kappa + (1 - kappa) * (min(t, T) / T) ** (1 / beta);  a(t) = r + (1 - r) * (1 - alpha(t)).

    beta < 1 is Boulware (holds out, concedes at the deadline), beta = 1 Linear, beta > 1 Conceder.

    Args:
        t: Rounds elapsed (0 in the first round).
        deadline: Rounds elapsed at the country's deadline, T; at t >= T the aspiration is the reserve.
        beta: Concession exponent, > 0: a number, or an array (one per replication).
        reserve: Reserve (walk-away) utility r: a number, or an array (one per replication).
        kappa: Share of the range conceded at once in the opening offer.
    """
    if deadline <= 0:
        return reserve
    elapsed = min(t, deadline) / deadline
    alpha = kappa + (1.0 - kappa) * _root(elapsed, beta)  # (1 - kappa) * x + kappa: numpy's are Python's bits
    return _conceded(reserve, alpha)


def exponential_aspiration(t: float, deadline: float, beta: float, reserve, kappa: float):
    """Faratin et al. (1998), exponential family (needs kappa > 0).

    alpha(t) = exp((1 - min(t, T) / T) ** beta * ln(kappa));  a(t) = r + (1 - r) * (1 - alpha(t)).
    """
    if deadline <= 0:
        return reserve
    alpha = per_value(lambda b: float(np.exp((1.0 - min(t, deadline) / deadline) ** b * np.log(kappa))), beta)
    return _conceded(reserve, alpha)


class TimeDependent(Strategy):
    """Concede toward the walk-away value as the country's deadline nears (Faratin et al. 1998).

    The aspiration falls from 1 in round 1 to the walk-away value at the country's deadline round and
    stays there. ``beta`` sets the shape: < 1 Boulware, 1 Linear, > 1 Conceder.
    """

    name = "time_dependent"
    classifier = {**Strategy.classifier, "time_dependent": True}
    batched = frozenset({"beta"})

    class Params(StrategyParams):
        beta: float = Field(1.0, gt=0, description="concession exponent: <1 Boulware, 1 Linear, >1 Conceder")
        deadline: int | None = Field(None, ge=1, description="round it reaches its walk-away value; "
                                     "default protocol.deadline_round")
        form: Literal["polynomial", "exponential"] = "polynomial"
        kappa: float = Field(0.0, ge=0, lt=1, description="share conceded in the opening offer; "
                             "the exponential form needs kappa > 0")

        #: The fields each model validator reads: a table's column of another (a batched ``beta``) is validated
        #: once, not once per value (``parameter_sets._valid``). A validator not named here is run per value.
        validator_reads: ClassVar[dict[str, frozenset[str]]] = {"_kappa": frozenset({"form", "kappa"})}

        @model_validator(mode="after")
        def _kappa(self):
            if self.form == "exponential" and self.kappa <= 0:
                raise ValueError(f"the exponential form needs kappa > 0, found {self.kappa}")
            return self

    def aspiration(self, agent):
        deadline = (self.params.deadline or agent.clock.deadline_round) - 1
        curve = polynomial_aspiration if self.params.form == "polynomial" else exponential_aspiration
        reserve = agent.walk_away
        if len(reserve) == 1:  # a single run: its aspiration on Python numbers (the same arithmetic, no numpy calls)
            reserve = reserve.item()
        return curve(agent.clock.round - 1, deadline, self.params.beta, reserve, self.params.kappa)


class Boulware(TimeDependent):
    """Time-dependent preset that holds out and concedes near its deadline (Faratin et al. 1998: beta < 1).

    The default beta = 0.2 is an assumption; any beta in (0, 1) may be set.
    """

    name = "boulware"

    class Params(TimeDependent.Params):
        beta: float = Field(0.2, gt=0, lt=1, description="concession exponent, < 1")


class Linear(TimeDependent):
    """Time-dependent preset that concedes at a constant rate (Faratin et al. 1998: beta = 1)."""

    name = "linear"

    class Params(TimeDependent.Params):
        beta: float = Field(1.0, ge=1, le=1, description="concession exponent, fixed at 1")


class Conceder(TimeDependent):
    """Time-dependent preset that concedes early (Faratin et al. 1998: beta > 1).

    The default beta = 5 is an assumption; any beta > 1 may be set.
    """

    name = "conceder"

    class Params(TimeDependent.Params):
        beta: float = Field(5.0, gt=1, description="concession exponent, > 1")
