"""Concession strategies, one small class each, and the registry that picks them by name."""

from .base import Strategy, StrategyParams
from .time_dependent import TimeDependent

STRATEGIES: dict[str, type[Strategy]] = {cls.name: cls for cls in (TimeDependent,)}

__all__ = ["STRATEGIES", "Strategy", "StrategyParams", "TimeDependent"]
