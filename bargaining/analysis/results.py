"""What the analysis answers with, and the interface every backend of ``analysis`` implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Zopa:
    """Result of the ZOPA search.

    Attributes:
        exists: Whether some package gives everyone at least its walk-away value within all red lines.
        slack: max over packages of the smallest surplus u_n(x) - walk_away_n (negative: no zone).
        package: The package attaining it (normalised), None if the red lines leave no package at all.
    """

    exists: bool
    slack: float
    package: np.ndarray | None


@dataclass(frozen=True)
class Point:
    """A package and every country's utility of it."""

    package: np.ndarray
    utilities: np.ndarray


@dataclass(frozen=True)
class Frontier:
    """Points on the (weak) Pareto frontier of the packages within every red line.

    Attributes:
        utilities: (M, N) utilities of the frontier points.
        packages: (M, K) the packages.
    """

    utilities: np.ndarray
    packages: np.ndarray


def dominated(utilities: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """(M, N) utilities -> (M,) whether another point is at least as good for all and better for one."""
    u = utilities[:, None, :]
    v = utilities[None, :, :]
    return ((v >= u - tol).all(axis=-1) & (v > u + tol).any(axis=-1)).any(axis=1)


class Backend(Protocol):
    """One way to answer every question about a problem (preferences, issue space, rule, walk-away values r),
    exactly: ``programmes.Programmes``, ``exact.Enumeration``, ``exact.Milp`` (chosen by ``analysis.backend``).
    Packages are normalised (K,) arrays; None when no package passes."""

    @property
    def empty(self) -> bool:
        """Whether the red lines every winning coalition must respect leave no package at all."""

    def zone(self) -> tuple[np.ndarray | None, float]:
        """The package with the largest smallest surplus over r in its best winning coalition, and that surplus."""

    def ray(self, origin: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray | None, float]:
        """The package with the largest s such that u_n >= origin_n + s direction_n for every n, and s."""

    def utopia(self) -> np.ndarray | None:
        """Each party's best utility among passing packages it accepts."""

    def nash(self) -> np.ndarray | None:
        """The passing package with the largest product of surpluses (None: no positive product)."""

    def welfare(self) -> np.ndarray | None:
        """The passing package with the largest sum of utilities."""

    def kalai_smorodinsky(self, utopia: np.ndarray) -> np.ndarray | None:
        """The passing package furthest toward ``utopia`` in shares of every party's gain, Pareto-efficient."""
