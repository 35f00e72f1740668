"""Global sensitivity: Sobol indices (Saltelli 2002; Jansen 1999 estimators, via SALib) of outcome
shares and utilities over a ``design = "sobol"`` experiment."""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze

from ..outcomes import Outcome
from .designs import problem
from .spec import ParameterSpec


def sobol_indices(parameters: dict[str, ParameterSpec], y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices of one output, with 95 % bootstrap half-widths.

    Args:
        parameters: The experiment's parameters (their order is the sample's column order).
        y: One output value per sampled point, in SALib's sample order (cell order).
        seed: Seed of the bootstrap.
    """
    si = sobol_analyze.analyze(problem(parameters), np.asarray(y, dtype=float), calc_second_order=False,
                               print_to_console=False, seed=seed)
    return pd.DataFrame({"parameter": list(parameters), "S1": si["S1"], "S1_conf": si["S1_conf"],
                         "ST": si["ST"], "ST_conf": si["ST_conf"]})


def sobol_outputs(cells: pd.DataFrame, countries: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Per-cell outputs for the analysis: P(deal), P(withdrawal) and each country's mean utility.

    Args:
        cells: The cell table (``tables.cell_table``), one row per cell in cell order.
        countries: Country codes.
    """
    outputs = {}
    for outcome in (Outcome.DEAL, Outcome.WITHDRAWAL):
        column = f"P({outcome})"
        outputs[column] = cells[column].to_numpy() if column in cells else np.zeros(len(cells))
    for c in countries:
        if f"utility.{c}" in cells:
            outputs[f"utility.{c}"] = cells[f"utility.{c}"].to_numpy()
    return outputs


def sensitivity_table(parameters: dict[str, ParameterSpec], cells: pd.DataFrame, countries: tuple[str, ...],
                      seed: int = 0) -> pd.DataFrame:
    """Sobol indices of every output (long table: output, parameter, S1, S1_conf, ST, ST_conf). Outputs that
    do not vary, or are missing in some cell, are left out."""
    frames = []
    for name, y in sobol_outputs(cells, countries).items():
        if np.isnan(y).any() or np.ptp(y) == 0:
            continue
        frames.append(sobol_indices(parameters, y, seed).assign(output=name))
    if not frames:
        return pd.DataFrame(columns=["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"])
    table = pd.concat(frames, ignore_index=True)
    return table[["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]]
