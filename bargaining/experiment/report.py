"""Reports: outcome shares per parameter cell, outcome maps, Sobol indices, PRIM boxes, a markdown summary.

``write_report(DIR)`` reads a results folder (``experiment.json`` and ``runs/``) and writes next to them:

* ``cells.csv``: one row per parameter cell: runs, errors, each outcome's share with a 95 % Wilson
  interval, and the means (with 95 % intervals) of the report's metrics;
* figures (PNG): ``lines.png`` (metrics over one parameter, one line per level of a second, with
  intervals from the replications), ``heatmap.png`` (two parameters), ``marginals.png`` (each parameter,
  averaged over the others), ``sobol.png`` and ``prim.png`` where they apply, ``deadline.png`` when the
  report names a deadline parameter;
* ``sobol.csv``, ``prim.csv``; ``summary.md``: the question, the numbers, and the findings in words.

Metric names (``[report] metrics``): any numeric column of the run table (``agreed.us_content``,
``utility.US``, ``round``) means its mean over the runs where it is defined; ``deal_round`` the mean round
of the deals; any other name is an outcome (``deal``, ``withdrawal``, ``ratification_failed``, ...) and
means its share of the runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .discovery import prim_boxes  # noqa: E402
from .runs import ERROR  # noqa: E402
from .sensitivity import sensitivity_table  # noqa: E402
from .spec import ExperimentError, ExperimentSpec  # noqa: E402
from .store import MANIFEST, read_runs  # noqa: E402

BASE_OUTCOMES = ("deal", "withdrawal", "stalemate")
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


def _metric_values(runs: pd.DataFrame, metric: str) -> pd.Series:
    if metric == "deal_round":
        return runs["round"].where(runs["outcome"] == "deal").astype(float)
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
            values = _metric_values(ok, metric)
            stats = values.groupby([ok[b] for b in by], sort=True).agg(["mean", "std", "count"])
            stats = stats.reindex(table.index)
            half = Z * stats["std"].fillna(0) / np.sqrt(stats["count"].where(stats["count"] > 0))
            table[column] = stats["mean"]
            table[f"{column}_lo"], table[f"{column}_hi"] = stats["mean"] - half, stats["mean"] + half
    return table.reset_index()


def cell_table(runs: pd.DataFrame, spec: ExperimentSpec, countries: list[str]) -> pd.DataFrame:
    """One row per parameter cell (in cell order): parameters, runs, errors, every outcome's share, the mean
    deal round, and the means of the report's metrics and of each country's utility."""
    outcomes = outcomes_of(runs, spec.report.metrics)
    metrics = [*outcomes, "deal_round"]
    metrics += [m for m in spec.report.metrics if m not in metrics]
    metrics += [f"utility.{c}" for c in countries if f"utility.{c}" in runs and f"utility.{c}" not in metrics]
    return aggregate(runs, ["cell", *spec.parameters], metrics, outcomes)


# ------------------------------------------------------------------------------------------------ figures

def _label(metric: str, outcomes: list[str]) -> str:
    return metric_column(metric, outcomes)


def _panels(n: int, width: float, height: float):
    """A figure with ``n`` panels, at most three a row; unused panels hidden."""
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    axes = axes.ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, list(axes[:n])


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
        ax.set_title(_label(metric, outcomes))
        if metric in outcomes:
            ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    if hue is not None:
        axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_heatmaps(runs: pd.DataFrame, x: str, y: str, metrics: list[str], outcomes: list[str], path: Path) -> None:
    """One heatmap per metric over two parameters (means over the replications of each cell)."""
    table = aggregate(runs, [y, x], metrics, outcomes)
    fig, axes = _panels(len(metrics), 4.4, 3.8)
    for ax, metric in zip(axes, metrics, strict=False):
        column = metric_column(metric, outcomes)
        grid = table.pivot(index=y, columns=x, values=column)
        bounds = dict(vmin=0, vmax=1) if metric in outcomes else {}
        image = ax.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis", **bounds)
        ax.set_xticks(range(len(grid.columns)), [f"{v:.3g}" if isinstance(v, float) else str(v)
                                                 for v in grid.columns], rotation=45, fontsize=7)
        ax.set_yticks(range(len(grid.index)), [f"{v:.3g}" if isinstance(v, float) else str(v)
                                               for v in grid.index], fontsize=7)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(_label(metric, outcomes))
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _binned(runs: pd.DataFrame, name: str, bins: int | None = 8) -> pd.Series:
    """A sampled parameter cut into ``bins`` quantile bins (each labelled by its midpoint); grid levels
    (``bins=None``) and parameters with few values are left as they are."""
    values = runs[name]
    if bins is None or values.nunique() <= max(bins, 12) or not pd.api.types.is_numeric_dtype(values):
        return values
    edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)))
    codes = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    return pd.Series((edges[codes] + edges[codes + 1]) / 2, index=runs.index)


def plot_marginals(runs: pd.DataFrame, names: list[str], metrics: list[str], outcomes: list[str],
                   path: Path, bins: int | None = 8) -> None:
    """Each metric against each parameter (binned for sampled designs), averaged over the others."""
    fig, axes = plt.subplots(len(metrics), len(names), figsize=(3.2 * len(names), 2.6 * len(metrics)),
                             squeeze=False)
    for j, name in enumerate(names):
        binned = runs.assign(**{name: _binned(runs, name, bins)})
        table = aggregate(binned, [name], metrics, outcomes)
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
                ax.set_ylabel(_label(metric, outcomes), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_sobol(table: pd.DataFrame, path: Path) -> None:
    """First-order and total Sobol indices per output, with 95 % bootstrap intervals."""
    outputs = list(dict.fromkeys(table["output"]))
    fig, axes = plt.subplots(1, len(outputs), figsize=(3.6 * len(outputs), 3.8), squeeze=False, sharey=True)
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
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_prim(boxes, target: str, path: Path) -> None:
    """PRIM peeling trajectories (coverage against density), the chosen boxes marked."""
    fig, ax = plt.subplots(figsize=(5, 4))
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
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_deadline(runs: pd.DataFrame, deadline: str, hue: str | None, path: Path) -> None:
    """The deadline effect: how many deals come how many rounds before or after the deadline."""
    deals = runs[runs["outcome"] == "deal"]
    gap = deals["round"] - deals[deadline]
    fig, ax = plt.subplots(figsize=(6, 3.8))
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
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ------------------------------------------------------------------------------------------------ summary

def _fmt(value) -> str:
    if isinstance(value, float | np.floating):
        return "-" if np.isnan(value) else f"{value:.3g}"
    return str(value)


def md_table(table: pd.DataFrame) -> str:
    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    rows = ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def _trend(table: pd.DataFrame, name: str, column: str) -> str:
    first, last = table.iloc[0], table.iloc[-1]
    if table[column].nunique(dropna=False) == 1:
        return f"{column} is {_fmt(first[column])} at every level of {name}"
    top = table.loc[table[column].idxmax()] if table[column].notna().any() else first
    low = table.loc[table[column].idxmin()] if table[column].notna().any() else first
    text = (f"{column} is {_fmt(first[column])} at {name} = {_fmt(first[name])} and {_fmt(last[column])} at "
            f"{name} = {_fmt(last[name])}")
    if top[name] not in (first[name], last[name]) or low[name] not in (first[name], last[name]):
        text += f" (highest {_fmt(top[column])} at {_fmt(top[name])}, lowest {_fmt(low[column])} at {_fmt(low[name])})"
    return text


def write_report(root: str | Path) -> Path:
    """Write tables, figures and ``summary.md`` for a results folder; return the summary's path.

    Raises:
        ExperimentError: The folder holds no results.
    """
    root = Path(root)
    if not (root / MANIFEST).exists():
        raise ExperimentError(f"{root}: not a results folder (expected {root / MANIFEST}; run `bargaining sweep` "
                              f"first)")
    manifest = json.loads((root / MANIFEST).read_text())
    spec = ExperimentSpec.model_validate(manifest["spec"])
    runs = read_runs(root)
    names = list(spec.parameters)
    countries = [c.removeprefix("utility.") for c in runs.columns if c.startswith("utility.")]
    metrics = list(spec.report.metrics)
    outcomes = outcomes_of(runs, metrics)
    for metric in metrics:
        if metric not in outcomes:
            _metric_values(runs.head(1), metric)  # a text column is a clear error
    ok = runs[runs["outcome"] != ERROR]

    cells = cell_table(runs, spec, countries)
    cells.to_csv(root / "cells.csv", index=False)
    figures = []
    x = spec.report.x or names[0]
    others = [n for n in names if n != x]
    if spec.design == "grid" and len(names) <= 2 and len(ok):
        hue = others[0] if others else None
        plot_lines(ok, x, hue, metrics, outcomes, root / "lines.png")
        figures.append("lines.png")
        if hue is not None:
            plot_heatmaps(ok, x, hue, metrics, outcomes, root / "heatmap.png")
            figures.append("heatmap.png")
    if (spec.design != "grid" or len(names) > 2) and len(ok):
        plot_marginals(ok, names, metrics, outcomes, root / "marginals.png",
                       bins=None if spec.design == "grid" else 8)
        figures.append("marginals.png")
    if spec.report.deadline and len(ok):
        hue = next((n for n in names if n != spec.report.deadline), None)
        plot_deadline(ok, spec.report.deadline, hue, root / "deadline.png")
        figures.append("deadline.png")

    sobol = None
    if spec.design == "sobol" and cells["errors"].eq(0).all() and len(cells) == manifest["n_cells"]:
        sobol = sensitivity_table(spec.parameters, cells, tuple(countries), seed=spec.seed)
        sobol.to_csv(root / "sobol.csv", index=False)
        if len(sobol):
            plot_sobol(sobol, root / "sobol.png")
            figures.append("sobol.png")

    boxes = []
    target = spec.report.prim
    if target:
        boxes = prim_boxes(cells, spec.parameters, f"P({target})", spec.report.prim_threshold)
        pd.DataFrame([{"box": n, "parameter": p, "low": lo, "high": hi, "coverage": b.coverage,
                       "density": b.density, "mass": b.mass}
                      for n, b in enumerate(boxes, 1) for p, (lo, hi) in (b.limits.items() or [("-", (np.nan,) * 2)])],
                     columns=["box", "parameter", "low", "high", "coverage", "density", "mass"]
                     ).to_csv(root / "prim.csv", index=False)
        if boxes:
            plot_prim(boxes, target, root / "prim.png")
            figures.append("prim.png")

    summary = _summary(spec, manifest, runs, ok, cells, outcomes, metrics, names, x, sobol, boxes, figures)
    (root / "summary.md").write_text(summary)
    return root / "summary.md"


def _summary(spec, manifest, runs, ok, cells, outcomes, metrics, names, x, sobol, boxes, figures) -> str:
    reps = manifest["replications"]
    lines = [f"# {spec.name}" + (" (quick)" if manifest["quick"] else ""), ""]
    if spec.description.strip():
        lines += [spec.description.strip(), ""]
    complete = len(runs) == manifest["n_runs"]
    lines += [f"Scenario `{manifest['scenario']}`, design `{spec.design}`, {len(cells):,} parameter cells x "
              f"{reps} replications = {len(runs):,} runs"
              + ("" if complete else f" (**incomplete**: {manifest['n_runs']:,} planned; `--resume` to finish)")
              + f", master seed {spec.seed}.", ""]
    counts = runs["outcome"].value_counts()
    lines += ["## Outcomes", "", md_table(pd.DataFrame({
        "outcome": [*outcomes, *([ERROR] if ERROR in counts else [])],
        "runs": [int(counts.get(o, 0)) for o in [*outcomes, *([ERROR] if ERROR in counts else [])]],
        "share": [counts.get(o, 0) / len(runs) for o in [*outcomes, *([ERROR] if ERROR in counts else [])]]})), ""]
    if ERROR in counts:
        first = runs.loc[runs["outcome"] == ERROR, "error"].iloc[0]
        lines += [f"{counts[ERROR]:,} runs raised an error, e.g. `{first}`.", ""]

    lines += ["## Findings", ""]
    trend_names, left_out = names, []
    if sobol is not None and len(sobol):
        top = sobol.groupby("parameter")["ST"].max()
        trend_names = [n for n in names if top.get(n, 0) >= 0.05]
        left_out = [n for n in names if n not in trend_names]
    if len(ok):
        for name in trend_names:
            bins = None if spec.design == "grid" else 8
            table = aggregate(ok.assign(**{name: _binned(ok, name, bins)}), [name], metrics, outcomes)
            for metric in metrics:
                lines.append(f"- {_trend(table, name, metric_column(metric, outcomes))}.")
        if left_out:
            lines.append(f"- Not listed: {', '.join(left_out)} (total Sobol index below 0.05 for every output).")
        if len(names) == 2 and spec.design == "grid":
            for metric in metrics:
                column = metric_column(metric, outcomes)
                if cells[column].nunique() > 1:
                    top = cells.loc[cells[column].idxmax()]
                    low = cells.loc[cells[column].idxmin()]
                    where = lambda row: ", ".join(f"{n} = {_fmt(row[n])}" for n in names)  # noqa: E731
                    lines.append(f"- {column} is highest ({_fmt(top[column])}) at {where(top)} and lowest "
                                 f"({_fmt(low[column])}) at {where(low)}.")
        if spec.report.deadline:
            deals = ok[ok["outcome"] == "deal"]
            gap = deals["round"] - deals[spec.report.deadline]
            if len(gap):
                lines.append(f"- Deadline effect: {np.mean(gap.between(-1, 0)):.0%} of deals come in the deadline "
                             f"round or the one before; {np.mean(gap > 0):.0%} come after the deadline "
                             f"(median {float(gap.median()):+.0f} rounds from it).")
    if spec.design == "sobol" and sobol is None:
        lines += ["", "Sobol indices need every cell, without errors: not computed for these results."]
    if sobol is not None and len(sobol):
        lines += ["", "## Sensitivity (Sobol indices)", "",
                  "Total-order index ST: share of the output's variance due to the parameter, alone or with "
                  "others; first-order S1: alone. 95 % bootstrap half-widths in `sobol.csv`.", ""]
        for output, part in sobol.groupby("output", sort=False):
            part = part.sort_values("ST", ascending=False)
            top = ", ".join(f"{r.parameter} (ST {r.ST:.2f}, S1 {r.S1:.2f})" for r in part.head(3).itertuples())
            lines.append(f"- {output}: {top}.")
        wide = sobol.pivot(index="parameter", columns="output", values="ST").reset_index()
        lines += ["", "Total-order indices:", "", md_table(wide)]
    if spec.report.prim:
        lines += ["", f"## Scenario discovery (PRIM): where {spec.report.prim} is likely", ""]
        if boxes:
            lines += [f"- Box {n}: {b.describe()}." for n, b in enumerate(boxes, 1)]
            lines += ["", "Density: share of the box's runs that end in "
                      f"{spec.report.prim}; coverage: share of all {spec.report.prim} runs inside the box."]
        else:
            lines.append(f"- No box with a density of at least {spec.report.prim_threshold} "
                         f"(P({spec.report.prim}) is {_fmt(ok['outcome'].eq(spec.report.prim).mean())} overall).")
    lines += ["", "## Files", "", "- `cells.csv`: outcome shares and metrics per parameter cell, with 95 % intervals",
              "- `runs/`: the run table (Parquet; `pandas.read_parquet`)",
              *[f"- `{f}`" for f in figures]]
    lines += ["", "Figures:", "", *[f"![{f}]({f})" for f in figures], ""]
    return "\n".join(lines)
