"""Concession strategies, one small class each, and the registry that picks them by name.

Every module of this package is imported here, and every ``Strategy`` subclass that sets a ``name`` registers
itself in ``STRATEGIES`` (``Strategy.__init_subclass__``): a new strategy is one new file (docs/architecture.md).
"""

import importlib
import pkgutil

from ..negmas import seat as _negmas_seat  # noqa: F401  resolves "negmas:NAME" (NegMAS is optional, imported on use)
from .base import STRATEGIES, Strategy, StrategyParams

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

# Aliases: other names for a registered class (``bargaining strategies`` marks them; tournaments skip them).
STRATEGIES["tit_for_tat"] = STRATEGIES["tit_for_tat_relative"]  # Faratin's relative form: reciprocates in proportion

__all__ = ["STRATEGIES", "Strategy", "StrategyParams"]
