"""Issues and the issue space: natural units and labels <-> the normalised vector the engine works on.

A package is one value per issue. Users see natural units (``auto_rvc = 75.0`` %) and level or option labels
(``sunset = "periodic review"``); the engine works on x in [0, 1]^K. Continuous issues map linearly from
their bounds; the levels of an ordinal issue and the options of a categorical one map to evenly spaced points
``i / (n - 1)`` and offers snap to them. Ordinal levels are ordered; categorical options are not (their
positions are only labels: what they are worth comes from each country's value table).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Issue:
    """One dimension of the agreement text.

    Attributes:
        name: Short identifier used in scenario files and overrides (``auto_rvc``).
        kind: ``"continuous"``, ``"ordinal"`` or ``"categorical"``.
        status_quo: What holds without a new agreement (NAFTA's 1994 value), natural units or label; None when
            the scenario has none.
        label: Human description.
        unit: Natural unit of a continuous issue (``"%"``, ``"US$"``).
        bounds: (lower, upper) of a continuous issue.
        levels: Level labels of an ordinal issue (in order), option labels of a categorical one.
    """

    name: str
    kind: str
    status_quo: float | str | None = None
    label: str = ""
    unit: str = ""
    bounds: tuple[float, float] | None = None
    levels: tuple[str, ...] | None = None

    @property
    def is_ordinal(self) -> bool:
        return self.kind == "ordinal"

    @property
    def discrete(self) -> bool:
        """Whether its values are labels (ordinal levels or categorical options)."""
        return self.levels is not None

    def normalise(self, value: float | str) -> float:
        """Natural value or label -> position in [0, 1]. Raises ValueError when out of range."""
        if self.discrete:
            if value not in self.levels:
                raise ValueError(f"expected one of {list(self.levels)}, found {value!r}")
            return self.levels.index(value) / (len(self.levels) - 1)
        lower, upper = self.bounds
        if isinstance(value, str) or not lower <= value <= upper:
            raise ValueError(f"expected a number in [{lower:g}, {upper:g}], found {value!r}")
        return (value - lower) / (upper - lower)

    def natural(self, x: float) -> float | str:
        """Position in [0, 1] -> natural value (continuous) or label (snapped): ``naturals`` of one position, on
        Python numbers (the same operations: ``round`` rounds half to even as ``np.rint`` does)."""
        x = float(x)
        if self.discrete:
            return self.levels[round(x * (len(self.levels) - 1))]
        lower, upper = self.bounds
        return float(lower + x * (upper - lower))

    def naturals(self, x: np.ndarray) -> np.ndarray:
        """``natural`` of many positions at once: natural values (float) or labels (object)."""
        if self.discrete:
            return np.asarray(self.levels, dtype=object)[np.rint(x * (len(self.levels) - 1)).astype(np.intp)]
        lower, upper = self.bounds
        return lower + x * (upper - lower)

    def numeric(self, x: float) -> float:
        """Position in [0, 1] -> a number for plotting: natural value, or the level index."""
        if self.discrete:
            return float(round(float(x) * (len(self.levels) - 1)))
        return self.natural(x)

    def describe(self) -> str:
        """Range in words: ``62.5–85 %``, ``none < periodic review < ...`` or ``{a, b, c}``."""
        if self.is_ordinal:
            return " < ".join(self.levels)
        if self.discrete:
            return "{" + ", ".join(self.levels) + "}"
        return f"{self.bounds[0]:g}–{self.bounds[1]:g} {self.unit}".strip()


@dataclass(frozen=True)
class IssueSpace:
    """The ordered issues of a scenario, with vectorised conversion and snapping."""

    issues: tuple[Issue, ...]
    steps: np.ndarray = field(init=False, repr=False)  # per issue: 1/(n-1) for n levels or options, 0 continuous
    sizes: np.ndarray = field(init=False, repr=False)  # per issue: n - 1 for n levels or options, 0 continuous

    def __post_init__(self):
        sizes = np.array([len(i.levels) - 1 if i.discrete else 0 for i in self.issues])
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "steps", np.where(sizes > 0, 1.0 / np.maximum(sizes, 1), 0.0))

    def __len__(self) -> int:
        return len(self.issues)

    def __iter__(self):
        return iter(self.issues)

    @property
    def names(self) -> list[str]:
        return [i.name for i in self.issues]

    @property
    def discrete(self) -> np.ndarray:
        """Boolean mask of discrete issues (ordinal and categorical)."""
        return self.sizes > 0

    @property
    def categorical(self) -> np.ndarray:
        """Boolean mask of categorical issues."""
        return np.array([i.kind == "categorical" for i in self.issues], dtype=bool)

    def index(self, name: str) -> int:
        return self.names.index(name)

    def positions(self, k: int) -> np.ndarray:
        """Positions of the levels or options of discrete issue k: i / (n - 1)."""
        return np.arange(self.sizes[k] + 1) / self.sizes[k]

    @functools.cached_property
    def status_quo(self) -> np.ndarray | None:
        """The status-quo package, None when the scenario has none (read-only, built once)."""
        if any(i.status_quo is None for i in self.issues):
            return None
        status_quo = self.normalise({i.name: i.status_quo for i in self.issues})
        status_quo.flags.writeable = False
        return status_quo

    def normalise(self, package: Mapping[str, float | str]) -> np.ndarray:
        """Natural package {issue: value} -> vector in [0, 1]^K (every issue required)."""
        return np.array([i.normalise(package[i.name]) for i in self.issues])

    def natural(self, x: np.ndarray) -> dict[str, float | str]:
        """Vector -> natural package {issue: value or label}."""
        return {i.name: i.natural(v) for i, v in zip(self.issues, np.asarray(x).tolist(), strict=True)}

    @functools.cached_property
    def _grids(self) -> dict[int, np.ndarray]:
        return {}

    def grid(self, points: int) -> np.ndarray:
        """(K, points) evenly spaced positions per issue, snapped to the levels of ordinal issues (read-only,
        built once per number of points)."""
        if points not in self._grids:
            grid = self.snap(np.broadcast_to(np.linspace(0.0, 1.0, points)[:, None], (points, len(self)))).T
            grid.flags.writeable = False
            self._grids[points] = grid
        return self._grids[points]

    def snap(self, x: np.ndarray) -> np.ndarray:
        """Round discrete coordinates to their nearest level or option; clip everything to [0, 1]. Vectorised."""
        x = np.clip(x, 0.0, 1.0)
        steps = np.where(self.steps > 0, self.steps, 1.0)
        return np.where(self.steps > 0, np.round(x / steps) * steps, x)

    def option_index(self, x: np.ndarray) -> np.ndarray:
        """Index of the nearest level or option on each discrete issue (0 on continuous ones): (..., K) int."""
        return np.rint(np.clip(x, 0.0, 1.0) * self.sizes).astype(np.intp)
