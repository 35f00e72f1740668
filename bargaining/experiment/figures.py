"""Figures of a results folder: the dominant outcome per cell, metrics over parameters (lines, heatmaps,
marginals), Sobol indices, PRIM peeling trajectories, the deadline effect.

Each writes one file through ``bargaining.figures.run.save_figure`` and draws on a ``matplotlib.figure.Figure``
(no pyplot, so no matplotlib backend is chosen).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..figures.run import save_figure
from ..outcomes import Outcome
from .tables import aggregate, binned, metric_column

#: A colour per outcome in the dominant-outcome map (others get matplotlib's cycle colours).
OUTCOME_COLOURS = {Outcome.DEAL: "#27864a", Outcome.BILATERAL: "#5dade2", Outcome.WITHDRAWAL: "#c0392b",
                   Outcome.STALEMATE: "#95a5a6", Outcome.RATIFICATION_FAILED: "#d68910"}


def _panels(n: int, width: float, height: float):
    """A figure with ``n`` panels, at most three a row; unused panels hidden."""
    cols = min(n, 3)
    rows = -(-n // cols)
    fig = Figure(figsize=(width * cols, height * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    axes = axes.ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, list(axes[:n])


def _ticks(values) -> list[str]:
    return [f"{v:.3g}" if isinstance(v, float) else str(v) for v in values]


def plot_dominant(runs: pd.DataFrame, x: str, y: str | None, outcomes: list[str], path: Path,
                  few: int | None = None) -> None:
    """One map: each cell coloured by its most frequent outcome, with that outcome's share written in it.

    Args:
        few: The fewest runs in a cell, when so few that shares are uncertain: the title says so.
    """
    table = aggregate(runs, [x] if y is None else [y, x], outcomes, outcomes)
    values = table[[metric_column(o, outcomes) for o in outcomes]].to_numpy(dtype=float)
    top = np.argmax(np.nan_to_num(values, nan=-1.0), axis=1)
    table["dominant"] = np.asarray(outcomes)[top]
    table["share"] = values[np.arange(len(table)), top]
    present = [o for o in outcomes if (table["dominant"] == o).any()]
    table["code"] = table["dominant"].map(present.index)
    row = y if y is not None else "_all"
    table["_all"] = ""
    code = table.pivot(index=row, columns=x, values="code")
    share = table.pivot(index=row, columns=x, values="share").to_numpy(dtype=float)
    fig = Figure(figsize=(max(5.0, 0.45 * code.shape[1] + 3.0), max(2.2, 0.4 * code.shape[0] + 1.8)))
    ax = fig.subplots()
    colours = [OUTCOME_COLOURS.get(o, f"C{n + 4}") for n, o in enumerate(present)]
    ax.imshow(code.to_numpy(dtype=float), origin="lower", aspect="auto", cmap=ListedColormap(colours),
              vmin=-0.5, vmax=len(present) - 0.5)
    if share.size <= 400:
        for (i, j), value in np.ndenumerate(share):
            if not np.isnan(value):
                ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=6, color="white")
    ax.set_xticks(range(code.shape[1]), _ticks(code.columns), rotation=45, fontsize=7)
    ax.set_xlabel(x)
    if y is None:
        ax.set_yticks([])
    else:
        ax.set_yticks(range(code.shape[0]), _ticks(code.index), fontsize=7)
        ax.set_ylabel(y)
    ax.legend(handles=[Patch(color=c, label=o) for o, c in zip(present, colours, strict=True)],
              loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    title = "Most frequent outcome per cell (its share in the cell)"
    if few is not None:
        title += f"\nonly {few} runs in some cells: shares there are uncertain"
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)


def plot_lines(runs: pd.DataFrame, x: str, hue: str | None, metrics: list[str], outcomes: list[str],
               path: Path) -> None:
    """Each metric over parameter ``x`` (one line per level of ``hue``), with 95 % intervals."""
    fig, axes = _panels(len(metrics), 4.2, 3.6)
    table = aggregate(runs, [x] if hue is None else [hue, x], metrics, outcomes)
    for ax, metric in zip(axes, metrics, strict=False):
        column = metric_column(metric, outcomes)
        for level, part in ([(None, table)] if hue is None else table.groupby(hue, sort=True)):
            line = ax.plot(part[x], part[column], marker="o", ms=3,
                           label=None if hue is None else f"{hue} = {level}")[0]
            ax.fill_between(part[x], part[f"{column}_lo"], part[f"{column}_hi"], alpha=0.2,
                            color=line.get_color(), lw=0)
        ax.set_xlabel(x)
        ax.set_title(metric_column(metric, outcomes))
        if metric in outcomes:
            ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    if hue is not None:
        axes[0].legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)


def plot_heatmaps(runs: pd.DataFrame, x: str, y: str, metrics: list[str], outcomes: list[str], path: Path) -> None:
    """One heatmap per metric over two parameters (means over the replications of each cell)."""
    table = aggregate(runs, [y, x], metrics, outcomes)
    fig, axes = _panels(len(metrics), 4.4, 3.8)
    for ax, metric in zip(axes, metrics, strict=False):
        column = metric_column(metric, outcomes)
        grid = table.pivot(index=y, columns=x, values=column)
        bounds = dict(vmin=0, vmax=1) if metric in outcomes else {}
        image = ax.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis", **bounds)
        ax.set_xticks(range(len(grid.columns)), _ticks(grid.columns), rotation=45, fontsize=7)
        ax.set_yticks(range(len(grid.index)), _ticks(grid.index), fontsize=7)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(metric_column(metric, outcomes))
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)


def plot_marginals(runs: pd.DataFrame, names: list[str], metrics: list[str], outcomes: list[str],
                   path: Path, bins: int | None = 8) -> None:
    """Each metric against each parameter (binned for sampled designs), averaged over the others."""
    fig = Figure(figsize=(3.2 * len(names), 2.6 * len(metrics)))
    axes = fig.subplots(len(metrics), len(names), squeeze=False)
    for j, name in enumerate(names):
        table = aggregate(runs.assign(**{name: binned(runs, name, bins)}), [name], metrics, outcomes)
        numeric = pd.api.types.is_numeric_dtype(table[name])
        xs = table[name] if numeric else np.arange(len(table))
        for i, metric in enumerate(metrics):
            ax, column = axes[i][j], metric_column(metric, outcomes)
            ax.plot(xs, table[column], marker="o", ms=3)
            ax.fill_between(xs, table[f"{column}_lo"], table[f"{column}_hi"], alpha=0.25, lw=0)
            if not numeric:
                ax.set_xticks(xs, table[name].astype(str), fontsize=7)
            if metric in outcomes:
                ax.set_ylim(-0.02, 1.02)
            ax.grid(alpha=0.3)
            if i == len(metrics) - 1:
                ax.set_xlabel(name, fontsize=8)
            if j == 0:
                ax.set_ylabel(metric_column(metric, outcomes), fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, dpi=110)


def plot_sobol(table: pd.DataFrame, path: Path) -> None:
    """First-order and total Sobol indices per output, with 95 % bootstrap intervals."""
    outputs = list(dict.fromkeys(table["output"]))
    fig = Figure(figsize=(3.6 * len(outputs), 3.8))
    axes = fig.subplots(1, len(outputs), squeeze=False, sharey=True)
    for ax, output in zip(axes[0], outputs, strict=True):
        part = table[table["output"] == output]
        ys = np.arange(len(part))
        ax.barh(ys - 0.2, part["S1"], 0.4, xerr=part["S1_conf"], label="first order S1")
        ax.barh(ys + 0.2, part["ST"], 0.4, xerr=part["ST_conf"], label="total ST")
        ax.set_yticks(ys, part["parameter"], fontsize=7)
        ax.set_title(output)
        ax.set_xlim(left=min(0, float(part["S1"].min()) - 0.05))
        ax.grid(alpha=0.3, axis="x")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)


def plot_prim(boxes, target: str, path: Path) -> None:
    """PRIM peeling trajectories (coverage against density), the chosen boxes marked."""
    fig = Figure(figsize=(5, 4))
    ax = fig.subplots()
    for n, box in enumerate(boxes, 1):
        t = box.trajectory
        ax.plot(t["coverage"], t["density"], marker=".", ms=3, label=f"box {n} trajectory")
        ax.scatter([box.coverage], [box.density], s=60, zorder=3, edgecolor="k")
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.set_title(f"PRIM: where {target} is likely")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)


def plot_deadline(runs: pd.DataFrame, deadline: str, hue: str | None, path: Path) -> None:
    """The deadline effect: how many deals come how many rounds before or after the deadline."""
    deals = runs[runs["outcome"] == Outcome.DEAL]
    gap = deals["round"] - deals[deadline]
    fig = Figure(figsize=(6, 3.8))
    ax = fig.subplots()
    lo, hi = (int(gap.min()), int(gap.max())) if len(gap) else (-1, 1)
    edges = np.arange(lo - 0.5, hi + 1.5)
    groups = [(None, deals)] if hue is None else deals.groupby(hue, sort=True)
    for level, part in groups:
        ax.hist(part["round"] - part[deadline], bins=edges, histtype="step", lw=1.5, density=True,
                label="all" if level is None else f"{hue} = {level}")
    ax.axvline(0, color="k", ls="--", lw=1)
    ax.set_xlabel("round of the deal minus the deadline round")
    ax.set_ylabel("share of deals")
    ax.set_title("Deadline effect")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)


