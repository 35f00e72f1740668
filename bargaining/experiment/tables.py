"""Aggregation of a run table: outcome shares with Wilson intervals, metric means, the cell table.

Metric names (``[report] metrics``): any numeric column of the run table (``agreed.us_content``,
``utility.US``, ``round``) means its mean over the runs where it is defined; ``deal_round`` the mean round
of the deals; any other name is an outcome (``deal``, ``withdrawal``, ``ratification_failed``, ...) and
means its share of the runs. Under a quota rule, ``supported.C`` (``with_supporters``) is the share of the deals
that country C voted for (the others bound it all the same).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..outcomes import Outcome
from .runs import ERROR
from .spec import ExperimentError, ExperimentSpec

BASE_OUTCOMES = (Outcome.DEAL, Outcome.WITHDRAWAL, Outcome.STALEMATE)
Z = 1.959964  # 95 % normal quantile


def wilson(k: np.ndarray, n: np.ndarray, z: float = Z) -> tuple[np.ndarray, np.ndarray]:
    """95 % Wilson score interval of a share k/n (Wilson 1927), vectorised; (nan, nan) where n = 0."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def outcomes_of(runs: pd.DataFrame, metrics: list[str] = ()) -> list[str]:
    """The outcomes to report: deal, withdrawal, stalemate, any other outcome the runs produced, and any
    metric that names no column (an outcome that may not have happened, e.g. ``ratification_failed``)."""
    seen = set(runs["outcome"].unique()) - {ERROR}
    seen |= {m for m in metrics if m not in runs.columns and m != "deal_round"}
    return [*BASE_OUTCOMES, *sorted(seen - set(BASE_OUTCOMES))]


def metric_values(runs: pd.DataFrame, metric: str) -> pd.Series:
    """Each run's value of a metric that is no outcome: its column, or the round for ``deal_round`` (NaN
    where the run ended otherwise).

    Raises:
        ExperimentError: The metric names a column that is not numeric.
    """
    if metric == "deal_round":
        return runs["round"].where(runs["outcome"] == Outcome.DEAL).astype(float)
    if not pd.api.types.is_numeric_dtype(runs[metric]):
        raise ExperimentError(f"report.metrics: expected a numeric column, found {metric!r} "
                              f"({runs[metric].dtype})")
    return runs[metric].astype(float)


def metric_column(metric: str, outcomes: list[str]) -> str:
    """Column of a metric in aggregated tables: ``P(deal)`` for an outcome, else the metric's name."""
    return f"P({metric})" if metric in outcomes else metric


def aggregate(runs: pd.DataFrame, by: list[str], metrics: list[str], outcomes: list[str]) -> pd.DataFrame:
    """Per group of ``by``: runs ``n`` (without errors), ``errors``, and for each metric its value with a 95 %
    interval (``_lo``, ``_hi``): Wilson for outcome shares, mean +- 1.96 standard errors for means."""
    errors = runs.groupby(by, sort=True)["outcome"].agg(lambda s: int((s == ERROR).sum())).rename("errors")
    ok = runs[runs["outcome"] != ERROR]
    groups = ok.groupby(by, sort=True)
    table = pd.concat([groups.size().rename("n"), errors], axis=1).sort_index()
    table["n"] = table["n"].fillna(0).astype(int)
    for metric in metrics:
        column = metric_column(metric, outcomes)
        if metric in outcomes:
            k = (ok["outcome"] == metric).groupby([ok[b] for b in by], sort=True).sum()
            k = k.reindex(table.index, fill_value=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                table[column] = k / table["n"]
            table[f"{column}_lo"], table[f"{column}_hi"] = wilson(k, table["n"])
        else:
            values = metric_values(ok, metric)
            stats = values.groupby([ok[b] for b in by], sort=True).agg(["mean", "std", "count"])
            stats = stats.reindex(table.index)
            half = Z * stats["std"].fillna(0) / np.sqrt(stats["count"].where(stats["count"] > 0))
            table[column] = stats["mean"]
            table[f"{column}_lo"], table[f"{column}_hi"] = stats["mean"] - half, stats["mean"] + half
    return table.reset_index()


def with_supporters(runs: pd.DataFrame, countries: list[str]) -> pd.DataFrame:
    """The runs with a column ``supported.C`` per country when some deal passed a quota rule (``supporters``
    recorded): 1 where C voted for the deal, 0 where it was outvoted, NaN without such a deal."""
    if "supporters" not in runs or runs["supporters"].isna().all():
        return runs
    voters = runs["supporters"].str.split(",")
    return runs.assign(**{f"supported.{c}": voters.map(lambda v, c=c: np.nan if not isinstance(v, list)
                                                       else float(c in v)) for c in countries})


def cell_table(runs: pd.DataFrame, spec: ExperimentSpec, countries: list[str]) -> pd.DataFrame:
    """One row per parameter cell (in cell order): parameters, runs, errors, every outcome's share, the mean
    deal round, and the means of the report's metrics, of each country's utility and, under a quota rule, of
    each country's support for the deals (``with_supporters``)."""
    outcomes = outcomes_of(runs, spec.report.metrics)
    metrics = [*outcomes, "deal_round"]
    metrics += [m for m in spec.report.metrics if m not in metrics]
    metrics += [f"utility.{c}" for c in countries if f"utility.{c}" in runs and f"utility.{c}" not in metrics]
    metrics += [c for c in runs.columns if c.startswith("supported.") and c not in metrics]
    return aggregate(runs, ["cell", *spec.parameters], metrics, outcomes)


def binned(runs: pd.DataFrame, name: str, bins: int | None = 8) -> pd.Series:
    """A sampled parameter cut into ``bins`` quantile bins (each labelled by its midpoint); grid levels
    (``bins=None``) and parameters with few values are left as they are."""
    values = runs[name]
    if bins is None or values.nunique() <= max(bins, 12) or not pd.api.types.is_numeric_dtype(values):
        return values
    edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)))
    codes = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    return pd.Series((edges[codes] + edges[codes + 1]) / 2, index=runs.index)


def prim_table(boxes) -> pd.DataFrame:
    """One row per PRIM box and limited parameter (a box that limits none: one row, parameter ``-``)."""
    return pd.DataFrame([{"box": n, "parameter": p, "low": lo, "high": hi, "coverage": b.coverage,
                          "density": b.density, "mass": b.mass}
                         for n, b in enumerate(boxes, 1)
                         for p, (lo, hi) in (b.limits.items() or [("-", (np.nan,) * 2)])],
                        columns=["box", "parameter", "low", "high", "coverage", "density", "mass"])
