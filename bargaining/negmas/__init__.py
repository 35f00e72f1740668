"""The bridge to NegMAS (docs/negmas.md), with the optional extra ``pip install 'bargaining[negmas]'``.

NegMAS (Mohammad, Nakadai & Greenwald 2019-) and negmas-genius-agents are AGPL-3.0; bargaining is MIT and never
needs them: they are imported only when used.

* a NegMAS SAO negotiator sits at a bargaining seat: ``strategy = { name = "negmas:Atlas3" }`` (``seat.py``;
  ``bargaining strategies --negmas`` lists the names);
* a bargaining strategy is a NegMAS negotiator: ``negotiator("boulware")`` (``negotiator.py``);
* ``bargaining tournament SCENARIO --negmas-agents Atlas3,HardHeaded``: a mixed tournament.
"""

from __future__ import annotations

from typing import Any

from .common import INSTALL, PREFIX, agent_class, agent_names, require

__all__ = ["INSTALL", "PREFIX", "agent_class", "agent_names", "negotiator", "negotiator_class", "require"]


def negotiator_class() -> type:
    """``BargainingNegotiator``: the NegMAS SAO negotiator class that plays a bargaining strategy (for NegMAS
    tournaments, which take classes and their parameters: ``{"strategy": "boulware", "params": {...}}``).

    Raises:
        UsageError: NegMAS is not installed.
    """
    require("bargaining.negmas.negotiator")
    from .strategy_negotiator import BargainingNegotiator

    return BargainingNegotiator


def negotiator(strategy: str = "boulware", params: dict | None = None, **kwargs: Any):
    """A NegMAS SAO negotiator playing the bargaining strategy ``strategy`` with ``params``.

    Args:
        strategy: A bargaining strategy name (``bargaining strategies``).
        params: Its parameters (as under ``[countries.X.strategy]``).
        **kwargs: For the negotiator (``points``) and NegMAS's ``SAONegotiator`` (``name``, ``id``, ``ufun``).

    Raises:
        UsageError: NegMAS is not installed, or a strategy a NegMAS negotiator cannot play.
    """
    return negotiator_class()(strategy=strategy, params=params, **kwargs)
