"""Scenario discovery: boxes of parameter space where an outcome is likely, found with PRIM
(Friedman & Fisher 1999; Bryant & Lempert 2010), using the ``prim`` package."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .spec import ParameterSpec


@dataclass
class Box:
    """A PRIM box: ``limits`` parameter -> (low, high) for the restricted parameters only.

    Attributes:
        coverage: Share of all cases of the outcome that fall in the box.
        density: Share of the box's cases that have the outcome.
        mass: Share of all cells in the box.
    """

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float
    trajectory: pd.DataFrame

    def describe(self) -> str:
        limits = " and ".join(f"{lo:.3g} <= {name} <= {hi:.3g}" for name, (lo, hi) in self.limits.items())
        return (f"{limits or 'anywhere'} (density {self.density:.2f}, coverage {self.coverage:.2f}, "
                f"mass {self.mass:.2f})")


def prim_boxes(cells: pd.DataFrame, parameters: dict[str, ParameterSpec], share: str, threshold: float = 0.5,
               max_boxes: int = 3, max_qp: float = 0.05) -> list[Box]:
    """Boxes where the share of an outcome is high, from the cell table.

    Each cell contributes its share of the outcome (cells have equal numbers of replications, so this
    gives the run-level coverage and density). Parameters given as text levels are left out. Boxes are
    peeled off one after another (the covering approach) while their density reaches ``threshold``; a
    box's restrictions whose quasi-p-value exceeds ``max_qp`` are dropped (they add little density).

    Args:
        cells: Cell table with one column per parameter and the share column.
        parameters: The experiment's parameters.
        share: Column to explain, e.g. ``"P(withdrawal)"``.
        threshold: Minimum density of a box.
        max_boxes: At most this many boxes.
        max_qp: Largest quasi-p-value of a restriction that is kept.
    """
    import prim

    names = [n for n, p in parameters.items() if p.kind in ("int", "float", "bool")]
    if not names or share not in cells:
        return []
    x = cells[names].astype(float).reset_index(drop=True)
    y = cells[share].to_numpy(dtype=float)
    if np.nansum(y) == 0 or np.isnan(y).any():
        return []
    boxes = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(x, y, threshold=threshold, threshold_type=">")
        for _ in range(max_boxes):
            remaining = finder.yi_remaining
            if len(remaining) == 0 or y[remaining].sum() == 0:
                break
            box = finder.find_box()
            if box is None or box.density < threshold:
                break
            for name, row in box.limits.iterrows():  # keep only restrictions that matter (Bryant & Lempert 2010)
                if np.nanmin(np.atleast_1d(row["qp values"])) > max_qp:
                    box.drop_restriction(name)
            limits = {str(name): (float(row["min"]), float(row["max"])) for name, row in box.limits.iterrows()}
            boxes.append(Box(limits, float(box.coverage), float(box.density), float(box.mass),
                             box.peeling_trajectory.copy()))
    return boxes
