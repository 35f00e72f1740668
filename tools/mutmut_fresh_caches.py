"""pytest plugin for ``make mutate``: empty bargaining's process-wide caches at the start of every test session.

mutmut forks each mutant's test run from its main process, which has already run the tests once; the
worker would inherit caches filled by the unmutated code (the solution concepts of a scenario, the opponent
model's concession paths, ...) and a mutant in the code behind a cache would never run. Loaded with
``-p tools.mutmut_fresh_caches`` from ``[tool.mutmut] pytest_add_cli_args`` (mutmut copies tools/ next to the
mutated package). When modules move, update ``CACHES``; a name that is no longer there is reported, not fatal.
"""

from __future__ import annotations

import importlib
import warnings

#: (module, attribute path) of every process-wide cache: dicts are cleared, lru_caches emptied, memos reset.
CACHES = [
    ("bargaining.analysis", "_SOLUTIONS"),  # a cache.Cache; concession paths live on each Scenario object
    ("bargaining.analysis.programmes", "_COMBINATIONS"),  # the per-combination LPs, built once per preferences
]


def clear_caches() -> list[str]:
    """Empty every cache in ``CACHES``; return those not found."""
    missing = []
    for module_name, path in CACHES:
        try:
            owner = importlib.import_module(module_name)
            *parents, name = path.split(".")
            for parent in parents:
                owner = getattr(owner, parent)
            cache = getattr(owner, name)
        except (ImportError, AttributeError):
            missing.append(f"{module_name}.{path}")
            continue
        if hasattr(cache, "cache_clear"):
            cache.cache_clear()
        elif hasattr(cache, "clear"):
            cache.clear()
        else:
            setattr(owner, name, None)
    return missing


def pytest_sessionstart(session) -> None:
    missing = clear_caches()
    if missing:
        warnings.warn(f"mutmut_fresh_caches: not found (moved?): {', '.join(missing)}", stacklevel=1)
