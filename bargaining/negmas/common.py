"""What both directions of the NegMAS bridge share: the optional import, the NegMAS negotiators by name, the issue
space as a NegMAS outcome space, and a negotiator's own random numbers.

NegMAS (Mohammad 2019-, AGPL-3.0) and negmas-genius-agents (Python re-implementations of the ANAC Genius agents)
come with the optional extra ``bargaining[negmas]``; nothing here imports them before it is used.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import random
from functools import cache

import numpy as np

from ..errors import ScenarioError, UsageError

#: A strategy name with this prefix seats a NegMAS negotiator: ``negmas:Atlas3``.
PREFIX = "negmas:"
INSTALL = "pip install 'bargaining[negmas]'"
#: NegMAS registry tags of negotiators that cannot sit at a plain seat: ensembles of others, preference elicitation.
SKIP = {"meta", "elicitation"}


def require(what: str = "bargaining.negmas") -> None:
    """Import NegMAS, or raise the one-line ``UsageError`` that says how to install it (``what`` needs it)."""
    try:
        import negmas  # noqa: F401
        import negmas_genius_agents  # noqa: F401
    except ImportError:
        raise UsageError(f"{what}: needs NegMAS, which is not installed; install the optional extra (AGPL-3.0): "
                         f"{INSTALL}") from None


@cache
def _catalogue() -> dict[str, type]:
    """Short name -> SAO negotiator class, from NegMAS's registry: the ANAC agents of negmas-genius-agents,
    NegMAS's own SAO negotiators (not ensembles or elicitation), and those of other packages that register theirs
    (negmas-llm); not the Genius agents that need Java."""
    require()
    from negmas import negotiator_registry
    from negmas.gb import GBNegotiator  # SAO negotiators, and NegMAS's own that play SAO through GB

    def fits(info) -> bool:
        if info.source == "negmas":
            return "sao" in info.tags and not info.tags & SKIP
        return "genius" not in info.tags or "genius-translated" in info.tags

    found: dict[str, type] = {}
    for info in sorted(negotiator_registry.values(), key=lambda i: i.source != "genius-agents"):
        cls = info.cls
        if inspect.isclass(cls) and issubclass(cls, GBNegotiator) and not inspect.isabstract(cls) and fits(info):
            found.setdefault(info.short_name, cls)
    return found


def agent_names() -> list[str]:
    """Every NegMAS SAO negotiator known by name (``negmas:NAME``): the ANAC agents, NegMAS's own, LLM ones if
    ``negmas-llm`` is installed (and imported)."""
    return sorted(_catalogue(), key=str.lower)


def agent_class(name: str) -> type:
    """The NegMAS SAO negotiator class called ``name`` (a class name of ``agent_names`` or a dotted import path).

    Raises:
        UsageError: NegMAS is not installed.
        ScenarioError: No such negotiator.
    """
    name = name.removeprefix(PREFIX)
    require(PREFIX + name)
    if name in _catalogue():
        return _catalogue()[name]
    from negmas.gb import GBNegotiator

    module, _, attr = name.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), attr) if module else None
    except (ImportError, AttributeError, ValueError):
        cls = None
    if not (inspect.isclass(cls) and issubclass(cls, GBNegotiator)):
        raise ScenarioError(f"{PREFIX}{name}: expected a NegMAS negotiator of `bargaining strategies --negmas` or "
                            "the dotted path of an SAO negotiator class, found none of that name")
    return cls


def seed_of(seed: int) -> int:
    """A 32-bit seed for Python's and numpy's generators from a 52-bit one."""
    return int(seed) % 2**32


class OwnRandom:
    """A negotiator's own Python ``random`` and numpy legacy generators, swapped in around each call (the agents
    draw from the global ones), so its draws depend on its seed only, never on the other negotiators'."""

    def __init__(self, seed: int):
        python, legacy = random.getstate(), np.random.get_state()
        random.seed(seed_of(seed))
        np.random.seed(seed_of(seed))
        self.state = random.getstate(), np.random.get_state()
        random.setstate(python)
        np.random.set_state(legacy)

    @contextlib.contextmanager
    def __call__(self):
        saved = random.getstate(), np.random.get_state()
        random.setstate(self.state[0])
        np.random.set_state(self.state[1])
        try:
            yield
        finally:
            self.state = random.getstate(), np.random.get_state()
            random.setstate(saved[0])
            np.random.set_state(saved[1])
