"""Matplotlib figures written to files: the trajectory of one run, and ``save_figure``, which every figure
written to a file goes through.

Figures written to files are ``matplotlib.figure.Figure`` objects, without pyplot: ``savefig`` picks the
canvas from the file's format, so writing them needs no matplotlib backend and switches none.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.ticker
import numpy as np
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.figure import Figure

from ..errors import UsageError
from ..files import write_whole

COLOURS = ["#1f4e9c", "#c0392b", "#27864a", "#8e44ad", "#d68910", "#566573"]


def figure_format(path: str | Path) -> str:
    """The format a figure file's suffix names (``png`` without one).

    Raises:
        UsageError: ``path`` is a folder or a special file (``/dev/null``, which a figure must not replace), or
            its suffix names no format matplotlib writes.
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        found = "a folder" if path.is_dir() else "a special file"
        raise UsageError(f"{path}: expected a figure file name, found {found}")
    fmt = path.suffix[1:].lower() or "png"
    if fmt not in FigureCanvasBase.get_supported_filetypes():
        raise UsageError(f"{path}: expected a figure file ending in one of "
                         f"{', '.join('.' + f for f in sorted(FigureCanvasBase.get_supported_filetypes()))}, "
                         f"found {path.suffix!r}")
    return fmt


def save_figure(fig: Figure, path: str | Path, dpi: float) -> Path:
    """Write ``fig`` to ``path`` (in the format its suffix names; without one, PNG), creating the folder.

    The figure goes to a temporary file in the same folder first, renamed into place when complete, so a
    failed write (full disk, unwritable folder) leaves no empty or partial file at ``path`` (and leaves
    a file already there as it was).

    Returns:
        ``path`` as a Path.

    Raises:
        UsageError: An unknown format or a folder (``figure_format``).
        OSError: The file cannot be written.
    """
    path = Path(path)
    fmt = figure_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_whole(path, lambda file: fig.savefig(file, format=fmt, dpi=dpi))


def country_colours(countries) -> dict[str, str]:
    """A colour per country code, in the order given."""
    return {c: COLOURS[i % len(COLOURS)] for i, c in enumerate(countries)}


def mark_clock(ax, scenario, result) -> None:
    """Deadline, notice of withdrawal and outcome as vertical lines."""
    ax.axvline(scenario.spec.protocol.deadline_round, color="black", ls=":", lw=1)
    if result.notice_round is not None:
        ax.axvline(result.notice_round, color="#c0392b", ls="--", lw=1)
    ax.axvline(result.round, color="grey", lw=3, alpha=0.25)


STYLES = {"congress": "-", "lobby": (0, (5, 1)), "auto_workers": "-.", "election": (0, (1, 1)),
          "audience_costs": (0, (3, 1, 1, 1))}


def domestic_panel(ax, scenario, result, colours) -> None:
    """Two-level game panel: each constituency's pressure (``domestic/``) and each partner's
    belief in the threat (thin dashed, with markers); left blank in a scenario with neither."""
    if scenario.threatener is None and (result.domestic is None or result.domestic.empty):
        ax.axis("off")
        return
    for country, frame in result.rounds.groupby("country", sort=False):
        if scenario.threatener is not None and frame["belief"].notna().any():
            ax.plot(frame["round"], frame["belief"], color=colours[country], ls="--", lw=1, marker=".",
                    label=f"{country} belief")
    if result.domestic is not None:
        for (country, kind), frame in result.domestic.groupby(["country", "kind"], sort=False):
            ax.plot(frame["round"], frame["pressure"], color=colours[country], ls=STYLES.get(kind, "-"),
                    lw=1.6, label=f"{country} {kind.replace('_', ' ')}")
    ax.set_ylim(-0.02, 1.05)
    ax.set_title("Domestic pressure and beliefs in the threat", fontsize=9)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6, loc="upper left", frameon=False, ncol=2)
    mark_clock(ax, scenario, result)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def offers_panel(ax, issue, rounds, colours: dict[str, str], fontsize: float = 9) -> None:
    """One issue's panel: each country's offers over the rounds (``rounds`` as ``Result.rounds``; None
    draws none yet), the status quo (dash-dot), level or option labels on a discrete axis, and a short title.
    On a categorical issue the options are unordered: offers are dots, not joined, each country's a little
    apart from the others' so that all show."""
    if rounds is not None:
        categorical = issue.kind == "categorical"
        for n, (country, frame) in enumerate(rounds.groupby("country", sort=False)):
            offset = 0.3 * (n / max(len(colours) - 1, 1) - 0.5) if categorical else 0.0
            ax.plot(frame["round"], frame[issue.name] + offset, marker="o", ms=3, color=colours[country],
                    label=country, ls="none" if categorical else "-")
    if issue.status_quo is not None:
        ax.axhline(issue.numeric(issue.normalise(issue.status_quo)), color="grey", lw=0.8, ls="-.")
    if issue.discrete:
        ax.set_yticks(range(len(issue.levels)))
        ax.set_yticklabels([_shorten(level, 17) for level in issue.levels], fontsize=7)
        ax.set_ylim(-0.3, len(issue.levels) - 0.7)
    ax.set_title(_shorten(issue.label or issue.name, 34) + (f" ({issue.unit})" if issue.unit else ""),
                 fontsize=fontsize)


def trajectory(scenario, result, path: str | Path) -> Path:
    """One figure: each country's offers per issue over rounds, aspirations and walk-away values, and
    domestic pressure with the partners' beliefs in the threat.

    The dotted line is the deadline, the dashed red one the notice of withdrawal, the grey band the
    round of the outcome.

    Args:
        scenario: The Scenario that ran.
        result: A Result recorded with ``record=True``.
        path: PNG (or any matplotlib format) to write.
    """
    if result.rounds is None:
        raise ValueError("the result has no per-round records; run with record=True")
    space, rounds = scenario.space, result.rounds
    colours = country_colours(scenario.countries)
    panels = len(space) + 2
    cols = 3
    rows = int(np.ceil(panels / cols))
    fig = Figure(figsize=(4.2 * cols, 2.8 * rows))
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False)
    axes = axes.ravel()
    for ax, issue in zip(axes, space, strict=False):
        offers_panel(ax, issue, rounds, colours)
        mark_clock(ax, scenario, result)
    ax = axes[len(space)]
    for country, frame in rounds.groupby("country", sort=False):
        ax.plot(frame["round"], frame["aspiration"], color=colours[country], label=f"{country} aspiration")
        ax.plot(frame["round"], frame["walk_away"], color=colours[country], ls="--", lw=1)
    ax.set_ylim(0, 1.02)
    ax.set_title("Aspiration (solid) and walk-away value (dashed)", fontsize=9)
    mark_clock(ax, scenario, result)
    domestic_panel(axes[len(space) + 1], scenario, result, colours)
    for n, extra in enumerate(axes[panels:], start=panels):
        extra.axis("off")
        axes[n - cols].tick_params(labelbottom=True)  # the panel above shows the rounds instead
        axes[n - cols].set_xlabel("round")
    for ax in axes[-cols:]:
        ax.set_xlabel("round")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncol=len(labels), fontsize=9, frameon=False)
    axes[0].xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    passed = f" (accepted by {' '.join(result.supporters)})" if result.supporters else ""
    title = (f"{scenario.name}, seed {result.seed}: {result.outcome}{passed} in round {result.round}"
             f"{scenario.dated(result.round)}\ndotted: deadline   dashed red: notice of withdrawal   grey band: outcome"
             + ("" if space.status_quo is None else "   dash-dot: status quo"))
    fig.suptitle(title, x=0.01, ha="left", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return save_figure(fig, path, dpi=110)
