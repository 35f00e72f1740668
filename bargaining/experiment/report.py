"""Reports: outcome shares per parameter cell, outcome maps, Sobol indices, PRIM boxes, a markdown summary.

``write_report(DIR)`` reads a results folder (``experiment.json`` and ``runs/``) and writes next to them:

* ``cells.csv``: one row per parameter cell: runs, errors, each outcome's share with a 95 % Wilson
  interval, and the means (with 95 % intervals) of the report's metrics;
* figures (PNG): ``dominant.png`` (grids of one or two parameters: the most frequent outcome of each
  cell and its share), ``lines.png`` (metrics over one parameter, one line per level of a second, with
  intervals from the replications), ``heatmap.png`` (two parameters), ``marginals.png`` (each parameter,
  averaged over the others), ``sobol.png`` and ``prim.png`` where they apply, ``deadline.png`` when the
  report names a deadline parameter; an outcome that never happens gets no panel (the summary says so);
* ``sobol.csv``, ``prim.csv``; ``summary.md``: the question, the numbers, and the findings in words, with a
  warning when cells hold too few runs for their shares to be read (fewer than ``FEW_RUNS``).

The tables come from ``experiment.tables`` (which also says what a metric name means), the figures from
``experiment.figures``; this module writes them and the summary.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..files import write_text
from ..outcomes import Outcome
from .discovery import prim_boxes
from .figures import plot_deadline, plot_dominant, plot_heatmaps, plot_lines, plot_marginals, plot_prim, plot_sobol
from .runs import ERROR
from .sensitivity import sensitivity_table
from .spec import ExperimentError, ExperimentSpec
from .store import MANIFEST, read_manifest, read_runs
from .tables import (
    aggregate,
    binned,
    cell_table,
    metric_column,
    metric_values,
    outcomes_of,
    prim_table,
    wilson,
    with_supporters,
)

FEW_RUNS = 20  # fewer runs in a cell: an outcome share's 95 % interval is wider than about +-0.2


def _fmt(value) -> str:
    if isinstance(value, float | np.floating):
        return "-" if np.isnan(value) else f"{value:.3g}"
    return str(value)


def md_table(table: pd.DataFrame) -> str:
    """A markdown table of ``table``'s rows (numbers to 3 significant digits, NaN as ``-``)."""
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
        ExperimentError: The folder holds no results, a file of them cannot be read (named, with how to
            recover), or the report cannot be written.
    """
    root = Path(root)
    manifest = read_manifest(root) if root.is_dir() else None
    if manifest is None:
        raise ExperimentError(f"{root}: not a results folder (expected {root / MANIFEST}; run `bargaining sweep` "
                              f"first)")
    spec = ExperimentSpec.model_validate(manifest["spec"])  # read_manifest checked it
    runs = read_runs(root)
    try:
        return _write(root, manifest, spec, runs)
    except OSError as exc:
        raise ExperimentError(f"{root}: cannot write the report: {exc.strerror or exc}") from None


def _write(root: Path, manifest: dict, spec: ExperimentSpec, runs: pd.DataFrame) -> Path:
    names = list(spec.parameters)
    countries = [c.removeprefix("utility.") for c in runs.columns if c.startswith("utility.")]
    runs = with_supporters(runs, [c.removeprefix("ratified.") for c in runs.columns if c.startswith("ratified.")])
    metrics = list(spec.report.metrics)
    outcomes = outcomes_of(runs, metrics)
    for metric in metrics:
        if metric not in outcomes:
            metric_values(runs.head(1), metric)  # a text column is a clear error
    ok = runs[runs["outcome"] != ERROR]

    cells = cell_table(runs, spec, countries)
    write_text(root / "cells.csv", cells.to_csv(index=False))
    figures = []
    x = spec.report.x or names[0]
    others = [n for n in names if n != x]
    few = int(cells["n"].min()) if len(cells) and cells["n"].min() < FEW_RUNS else None
    never = [m for m in metrics if m in outcomes and cells[metric_column(m, outcomes)].fillna(0).eq(0).all()]
    drawn = [m for m in metrics if m not in never] or metrics
    if spec.design == "grid" and len(names) <= 2 and len(ok):
        hue = others[0] if others else None
        plot_dominant(ok, x, hue, outcomes, root / "dominant.png", few)
        plot_lines(ok, x, hue, drawn, outcomes, root / "lines.png")
        figures += ["dominant.png", "lines.png"]
        if hue is not None:
            plot_heatmaps(ok, x, hue, drawn, outcomes, root / "heatmap.png")
            figures.append("heatmap.png")
    if (spec.design != "grid" or len(names) > 2) and len(ok):
        plot_marginals(ok, names, drawn, outcomes, root / "marginals.png",
                       bins=None if spec.design == "grid" else 8)
        figures.append("marginals.png")
    if spec.report.deadline and len(ok):
        hue = next((n for n in names if n != spec.report.deadline), None)
        plot_deadline(ok, spec.report.deadline, hue, root / "deadline.png")
        figures.append("deadline.png")

    sobol = None
    if spec.design == "sobol" and cells["errors"].eq(0).all() and len(cells) == manifest["n_cells"]:
        sobol = sensitivity_table(spec.parameters, cells, tuple(countries), seed=spec.seed)
        write_text(root / "sobol.csv", sobol.to_csv(index=False))
        if len(sobol):
            plot_sobol(sobol, root / "sobol.png")
            figures.append("sobol.png")

    boxes = []
    target = spec.report.prim
    if target:
        boxes = prim_boxes(cells, spec.parameters, f"P({target})", spec.report.prim_threshold)
        write_text(root / "prim.csv", prim_table(boxes).to_csv(index=False))
        if boxes:
            plot_prim(boxes, target, root / "prim.png")
            figures.append("prim.png")

    summary = _summary(spec, manifest, runs, ok, cells, outcomes, metrics, names, x, sobol, boxes, figures, few,
                       never)
    write_text(root / "summary.md", summary)
    return root / "summary.md"


def _summary(spec, manifest, runs, ok, cells, outcomes, metrics, names, x, sobol, boxes, figures, few,
             never) -> str:
    reps = manifest["replications"]
    lines = [f"# {spec.name}" + (" (quick)" if manifest["quick"] else ""), ""]
    if spec.description.strip():
        lines += [spec.description.strip(), ""]
    complete = len(runs) == manifest["n_runs"]
    lines += [f"Scenario `{manifest['scenario']}`, design `{spec.design}`, {len(cells):,} parameter cells x "
              f"{reps} replications = {len(runs):,} runs"
              + ("" if complete else f" (**incomplete**: {manifest['n_runs']:,} planned; `--resume` to finish)")
              + f", master seed {spec.seed}.", ""]
    if few is not None:
        lo, hi = wilson(few // 2, few)
        lines += [f"**Few runs per cell**: as few as {few} (fewer than {FEW_RUNS}). An outcome share from {few} "
                  f"runs has a 95 % interval up to {float(hi - lo):.2f} wide: read each cell's share as indicative "
                  "and the trends across many cells rather than any one cell (more `replications` narrow it).", ""]
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
            table = aggregate(ok.assign(**{name: binned(ok, name, bins)}), [name], metrics, outcomes)
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
            deals = ok[ok["outcome"] == Outcome.DEAL]
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
    if never:
        lines += ["", f"Left out of the figures: {', '.join(metric_column(m, outcomes) for m in never)} (0 in every "
                  "cell)."]
    lines += ["", "## Files", "", "- `cells.csv`: outcome shares and metrics per parameter cell, with 95 % intervals",
              "- `runs/`: the run table (Parquet; `pandas.read_parquet`)",
              *[f"- `{f}`" for f in figures]]
    lines += ["", "Figures:", "", *[f"![{f}]({f})" for f in figures], ""]
    return "\n".join(lines)
