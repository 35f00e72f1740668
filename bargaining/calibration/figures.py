"""Figures of a calibration and a forecast (matplotlib ``Figure`` objects, written through ``plots.save_figure``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..figures.run import save_figure

PRIOR, POSTERIOR = "#9aa5b1", "#1f4e9c"


def _short(path: str) -> str:
    return path.removeprefix("countries.").replace(".strategy.", ".").replace("audience_costs", "audience")


def marginals_figure(prior: pd.DataFrame, last: pd.DataFrame, problem, path: Path,
                     truth: dict[str, float] | None = None) -> Path:
    """One panel per parameter: prior (grey) and posterior (blue) weighted histograms, the scenario's value
    (dotted) and, for a synthetic check, the true value (red)."""
    columns = problem.priors.columns
    bounds = problem.priors.bounds()
    cols = 6
    rows = int(np.ceil(len(columns) / cols))
    fig = Figure(figsize=(2.6 * cols, 1.9 * rows))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, name in zip(axes, columns, strict=False):
        lo, hi = bounds[name]
        bins = np.linspace(lo, hi, 21)
        ax.hist(prior[name], bins=bins, weights=prior["weight"], density=True, color=PRIOR, alpha=0.6)
        ax.hist(last[name], bins=bins, weights=last["weight"], density=True, color=POSTERIOR, alpha=0.7)
        value = _scenario_value(problem.scenario.raw, name)
        ax.axvline(value, color="black", ls=":", lw=1)
        if truth is not None and name in truth:
            ax.axvline(truth[name], color="#c0392b", lw=1.5)
        ax.set_title(_short(name), fontsize=7)
        ax.tick_params(labelsize=6)
        ax.set_yticks([])
    for ax in axes[len(columns):]:
        ax.axis("off")
    fig.suptitle("Prior (grey) and posterior (blue) of each parameter; dotted: the scenario's value", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return save_figure(fig, path, dpi=90)


def pairs_figure(last: pd.DataFrame, table: pd.DataFrame, path: Path, k: int = 5) -> Path:
    """Pairs of the ``k`` parameters the facts narrowed most: the posterior sample, dot size by weight."""
    names = table.sort_values("sd_ratio")["parameter"].head(k).tolist()
    fig = Figure(figsize=(2.2 * len(names), 2.2 * len(names)))
    axes = fig.subplots(len(names), len(names), squeeze=False)
    size = 6 + 200 * last["weight"].to_numpy()
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i, j]
            if i == j:
                ax.hist(last[a], bins=15, weights=last["weight"], color=POSTERIOR)
            elif i > j:
                ax.scatter(last[b], last[a], s=size, color=POSTERIOR, alpha=0.4, lw=0)
            else:
                ax.axis("off")
            ax.tick_params(labelsize=6)
            if i == len(names) - 1:
                ax.set_xlabel(_short(b), fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(_short(a), fontsize=7)
    fig.suptitle("Posterior pairs of the parameters the facts narrowed most", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return save_figure(fig, path, dpi=90)


def reproduction_figure(fit: pd.DataFrame, path: Path) -> Path:
    """Share of runs reproducing each fact, prior and posterior."""
    y = np.arange(len(fit))
    fig = Figure(figsize=(8, 0.28 * len(fit) + 1.2))
    ax = fig.subplots()
    ax.barh(y + 0.2, fit["reproduced_prior"], height=0.4, color=PRIOR, label="prior")
    ax.barh(y - 0.2, fit["reproduced_posterior"], height=0.4, color=POSTERIOR, label="posterior")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{d} {i}" for d, i in zip(fit["date"], fit["id"], strict=True)], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of runs that reproduce the fact")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return save_figure(fig, path, dpi=100)


def forecast_figure(forecast: dict, runs: pd.DataFrame, scenario, path: Path) -> Path:
    """Outcome shares, round of the outcome and the agreed value of each issue, prior beside posterior
    (``runs`` as ``forecast.parquet``: side, weight, outcome, round, agreed.ISSUE)."""
    space = list(scenario.space)
    panels = 2 + len(space)
    cols = 3
    rows = int(np.ceil(panels / cols))
    fig = Figure(figsize=(4.4 * cols, 2.8 * rows))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    sides = (("prior", PRIOR, 0.2), ("posterior", POSTERIOR, -0.2))
    outcomes = list(forecast["outcomes"])
    x = np.arange(len(outcomes))
    for side, colour, shift in sides:
        shares = forecast["outcomes"] if side == "posterior" else forecast["prior"]["outcomes"]
        axes[0].bar(x - shift, [shares[o] for o in outcomes], width=0.4, color=colour, label=side)
    axes[0].set_xticks(x)
    axes[0].set_xticklabels([o.replace("_", "\n") for o in outcomes], fontsize=7)
    axes[0].set_title("Outcome", fontsize=9)
    axes[0].legend(fontsize=7)
    bins = np.arange(0.5, runs["round"].max() + 1.5)
    for side, colour, _ in sides:
        frame = runs[(runs["side"] == side) & (runs["weight"] > 0)]
        axes[1].hist(frame["round"], bins=bins, weights=frame["weight"], color=colour, alpha=0.6)
    axes[1].axvline(scenario.spec.protocol.deadline_round, color="black", ls=":", lw=1)
    axes[1].set_title(f"Round of the outcome (round 1 = {scenario.month(1)})", fontsize=9)
    for ax, issue in zip(axes[2:], space, strict=False):
        column = f"agreed.{issue.name}"
        for side, colour, shift in sides:
            frame = runs[(runs["side"] == side) & (runs["weight"] > 0) & runs[column].notna()]
            if frame.empty:
                continue
            w = frame["weight"] / frame["weight"].sum()
            if issue.discrete:
                shares = [w[frame[column] == level].sum() for level in issue.levels]
                ax.bar(np.arange(len(issue.levels)) - shift, shares, width=0.4, color=colour)
                ax.set_xticks(range(len(issue.levels)))
                ax.set_xticklabels([level[:16] for level in issue.levels], fontsize=6)
            else:
                ax.hist(frame[column].astype(float), bins=np.linspace(*issue.bounds, 21), weights=w, color=colour,
                        alpha=0.6)
        if issue.status_quo is not None:
            ax.axvline(issue.numeric(issue.normalise(issue.status_quo)), color="black", ls="-.", lw=0.8)
        ax.set_title(f"Agreed {issue.name}" + (f" ({issue.unit})" if issue.unit else ""), fontsize=9)
        ax.set_yticks([])
    for ax in axes[panels:]:
        ax.axis("off")
    fig.suptitle(f"{scenario.name}: forecast from the facts to {forecast['observations']['last_date']} "
                 "(posterior, blue) beside the prior (grey); dotted: deadline, dash-dot: status quo", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return save_figure(fig, path, dpi=90)


def _scenario_value(raw: dict, path: str):
    for key in path.split("."):
        raw = raw[key]
    return raw
