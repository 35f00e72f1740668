"""Concession strategies, one small class each, and the registry that picks them by name."""

from .base import Strategy, StrategyParams
from .hard_liner import HardLiner
from .opponent_model import OpponentModel
from .rubinstein import Rubinstein
from .time_dependent import Boulware, Conceder, Linear, TimeDependent
from .tit_for_tat import AbsoluteTitForTat, RelativeTitForTat

STRATEGIES: dict[str, type[Strategy]] = {cls.name: cls for cls in (
    TimeDependent, Boulware, Linear, Conceder, HardLiner, RelativeTitForTat, AbsoluteTitForTat, OpponentModel,
    Rubinstein,
)}
# Aliases: other names for a registered class (``bargaining strategies`` marks them; tournaments skip them).
STRATEGIES["tit_for_tat"] = RelativeTitForTat  # Faratin's relative form: reciprocates in proportion

__all__ = [
    "STRATEGIES", "AbsoluteTitForTat", "Boulware", "Conceder", "HardLiner", "Linear", "OpponentModel",
    "RelativeTitForTat", "Rubinstein", "Strategy", "StrategyParams", "TimeDependent",
]
