"""Teaching pictures: zone-of-agreement slices and three-party utility views.

* ``zone_slice``: a 2-D slice of the package space (two issues varied, the others held at a package)
  shaded with each country's acceptable region: utility >= walk-away value and within its red lines
  (``bargaining.sampled.acceptable``). Where all regions overlap (under a quota rule: where enough of them
  do, every veto party's among them) is the zone of agreement on that slice.
* ``utility_triangle``: the utilities of three countries in one view, as barycentric (ternary)
  coordinates of their surpluses over their walk-away values, and ``utility_cloud``: the same packages
  as a 3-D scatter with the Pareto frontier highlighted.

The packages, the zone and the reference deals (Nash, Kalai-Smorodinsky) come from ``bargaining.sampled``.

``zone_slice``, ``utility_triangle`` and ``utility_cloud`` return pyplot figures, which a notebook shows
inline; pyplot is imported when the first is drawn, so importing this module chooses no matplotlib
backend. Pass ``path`` to also write the figure to a file.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from ..sampled import (
    CORNERS,
    acceptable,
    exact_frontier,
    feasible,
    pareto_mask,
    sample_packages,
    slice_grid,
    ternary_coordinates,
)
from .run import country_colours, save_figure

# ------------------------------------------------------------------------------------------ pictures

def _pyplot_figure(figsize: tuple[float, float]) -> Figure:
    """A new pyplot figure (a notebook shows it inline); pyplot is imported only now."""
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize)


def _save(fig: Figure, path) -> Figure:
    """Write ``fig`` to ``path`` unless it is None; return ``fig``."""
    if path is not None:
        save_figure(fig, path, dpi=110)
    return fig


def zone_slice(scenario, x_issue: str, y_issue: str, at: np.ndarray | None = None,
               walk_away: np.ndarray | None = None, ax=None, path=None, n: int = 121, marks=None):
    """A 2-D slice of the package space with each country's acceptable region and their overlap.

    Args:
        scenario: The Scenario.
        x_issue, y_issue: The two issues varied.
        at: Package (normalised) the other issues are held at; default the status quo.
        walk_away: (N,) walk-away values; default the values at the start of talks.
        ax: Axes to draw on (a new figure if None).
        path: File to write the figure to.
        n: Grid points along a continuous issue.
        marks: Optional {label: package} points to mark (e.g. the deal, the Nash point).

    Returns:
        The matplotlib Figure.
    """
    space = scenario.space
    d = scenario.initial_walk_away if walk_away is None else np.asarray(walk_away, dtype=float)
    xs, ys, grid = slice_grid(scenario, x_issue, y_issue, at, n)
    ok = acceptable(scenario, grid, d)  # (Y, X, N)
    ix, iy = space.issues[space.index(x_issue)], space.issues[space.index(y_issue)]
    if ax is None:
        fig = _pyplot_figure((6.2, 4.8))
        ax = fig.subplots()
    else:
        fig = ax.figure
    colours = country_colours(scenario.countries)
    extent_x = [ix.numeric(v) for v in xs]
    extent_y = [iy.numeric(v) for v in ys]
    for n_, code in enumerate(scenario.countries):
        rgba = np.zeros((*ok.shape[:2], 4))
        rgba[ok[..., n_]] = to_rgba(colours[code], 0.22)
        ax.imshow(rgba, origin="lower", aspect="auto", interpolation="nearest",
                  extent=_extent(extent_x, extent_y))
        if ok[..., n_].any() and not ok[..., n_].all():
            _outline(ax, ix, iy, extent_x, extent_y, ok[..., n_], colors=colours[code], linewidths=1.2,
                     linestyles="--")
        ax.plot([], [], color=colours[code], lw=8, alpha=0.4, label=f"{code} accepts (u >= {d[n_]:.2f})")
    zone = scenario.rule.passes(ok)  # under a quota rule: enough countries, every veto among them
    if zone.any():
        _outline(ax, ix, iy, extent_x, extent_y, zone, colors="black", linewidths=1.5)
        ax.plot([], [], color="black", lw=1.5, label="zone of agreement")
    for label, package in (marks or {}).items():
        p = np.asarray(package, dtype=float)
        ax.plot(ix.numeric(p[space.index(x_issue)]), iy.numeric(p[space.index(y_issue)]), "k*", ms=12)
        ax.annotate(label, (ix.numeric(p[space.index(x_issue)]), iy.numeric(p[space.index(y_issue)])),
                    xytext=(5, 5), textcoords="offset points", fontsize=8)
    for setter, ticks, issue in ((ax.set_xticks, ax.set_xticklabels, ix), (ax.set_yticks, ax.set_yticklabels, iy)):
        if issue.discrete:
            setter(range(len(issue.levels)))
            ticks([lvl if len(lvl) <= 16 else lvl[:14] + "…" for lvl in issue.levels], fontsize=7)
    ax.set_xlabel(f"{ix.label or ix.name}" + (f" ({ix.unit})" if ix.unit else ""), fontsize=9)
    ax.set_ylabel(f"{iy.label or iy.name}" + (f" ({iy.unit})" if iy.unit else ""), fontsize=9)
    share = f"zone of agreement: {zone.mean():.0%} of this slice" if zone.any() else "no zone on this slice"
    ax.set_title(f"{scenario.name}: {share}", fontsize=10)
    ax.legend(fontsize=7, loc="best")
    return _save(fig, path)


def _outline(ax, ix, iy, xs, ys, mask, **style):
    """The boundary of a region of the slice grid. Along a categorical issue it follows the cells' edges (an
    unordered option has no neighbour to interpolate towards): each option's cell is sampled 16 times across, so
    that the contour steps between cells instead of cutting across them."""
    axes = []
    for issue, v in ((ix, xs), (iy, ys)):
        v = np.asarray(v, dtype=float)
        if issue.kind == "categorical":
            index = np.repeat(np.arange(len(v)), 16)
            axes.append((index, v[index] + np.tile(np.linspace(-0.499, 0.499, 16), len(v))))
        else:
            axes.append((np.arange(len(v)), v))
    (fx, cx), (fy, cy) = axes
    ax.contour(cx, cy, mask[np.ix_(fy, fx)].astype(float), levels=[0.5], **style)


def _extent(xs, ys):
    """imshow extent with cells centred on the grid points."""
    dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1) / 2
    dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1) / 2
    return (xs[0] - dx, xs[-1] + dx, ys[0] - dy, ys[-1] + dy)


def _three(scenario, countries):
    codes = tuple(countries or scenario.countries[:3])
    if len(codes) != 3:
        raise ValueError(f"a three-party picture needs three countries, found {list(codes)}")
    return codes, [scenario.countries.index(c) for c in codes]


def utility_triangle(scenario, walk_away: np.ndarray | None = None, countries=None, marks=None,
                     ax=None, path=None, log2_n: int = 12):
    """Three countries' shares of the surplus over their walk-away values, in one triangle.

    Each feasible package (everyone at least its walk-away value, within all red lines) is a point;
    colour is the total surplus. Pareto-efficient packages are outlined.

    Args:
        scenario: A Scenario with at least three countries.
        walk_away: (N,) walk-away values; default the values at the start of talks.
        countries: The three country codes (default the first three).
        marks: Optional {label: package} points to mark.
        ax, path, log2_n: Axes to draw on, file to write, log2 of the number of sampled packages.
    """
    codes, rows = _three(scenario, countries)
    prefs = scenario.preferences
    d = scenario.initial_walk_away if walk_away is None else np.asarray(walk_away, dtype=float)
    x = sample_packages(scenario, log2_n, include=[np.asarray(p) for p in (marks or {}).values()])
    x = x[feasible(scenario, x, d)]
    if ax is None:
        fig = _pyplot_figure((5.6, 5.2))
        ax = fig.subplots()
    else:
        fig = ax.figure
    corners = np.vstack([CORNERS, CORNERS[:1]])
    ax.plot(corners[:, 0], corners[:, 1], color="black", lw=1)
    for (cx, cy), code, (ha, va) in zip(corners[:3], codes, [("right", "top"), ("left", "top"),
                                                              ("center", "bottom")], strict=True):
        ax.annotate(f"all surplus to {code}", (cx, cy), ha=ha, va=va, fontsize=9, fontweight="bold")
    if len(x):
        surplus = prefs.utility(x)[:, rows] - d[rows]
        pts = ternary_coordinates(surplus)
        sc = ax.scatter(pts[:, 0], pts[:, 1], c=surplus.sum(axis=1), cmap="viridis", s=6)
        front = pareto_mask(surplus)
        ax.scatter(pts[front, 0], pts[front, 1], facecolors="none", edgecolors="black", s=22, lw=0.6,
                   label="Pareto-efficient (sampled)")
        exact = exact_frontier(scenario, d)
        if exact is not None and len(exact):
            fp = ternary_coordinates(prefs.utility(exact)[:, rows] - d[rows])
            ax.scatter(fp[:, 0], fp[:, 1], marker="D", color="black", s=18, label="Pareto frontier (exact)")
        fig.colorbar(sc, ax=ax, shrink=0.7, location="bottom", pad=0.02, label="total surplus over walk-away values")
    else:
        ax.text(0.5, 0.3, "no package gives everyone\nits walk-away value", ha="center", fontsize=10)
    for label, package in (marks or {}).items():
        s = prefs.utility(np.asarray(package, dtype=float))[rows] - d[rows]
        (px, py), = ternary_coordinates(s[None, :])
        ax.plot(px, py, "r*", ms=13)
        ax.annotate(label, (px, py), xytext=(6, 4), textcoords="offset points", fontsize=8, color="#a00")
    ax.set_aspect("equal")
    ax.set_xlim(-0.2, 1.2)
    ax.set_ylim(-0.1, 0.95)
    ax.axis("off")
    ax.set_title(f"{scenario.name}: who gets the surplus ({len(x)} feasible packages)", fontsize=10)
    if len(x):
        ax.legend(fontsize=7, loc="upper right")
    return _save(fig, path)


def utility_cloud(scenario, walk_away: np.ndarray | None = None, countries=None, marks=None, path=None,
                  log2_n: int = 12):
    """Three countries' utilities of sampled packages as a 3-D scatter, the Pareto frontier in black.

    Grey points cross a red line or leave someone below its walk-away value; coloured points are in the
    zone of agreement; the walk-away point is marked.
    """
    codes, rows = _three(scenario, countries)
    prefs = scenario.preferences
    d = scenario.initial_walk_away if walk_away is None else np.asarray(walk_away, dtype=float)
    # Grey: packages anywhere; green: packages inside every red line that clear every walk-away value
    # (sampled inside the red lines, where the zone lies; a thin slice of the whole space).
    x = np.vstack([sample_packages(scenario, log2_n, within_red_lines=False), sample_packages(scenario, log2_n)])
    u = prefs.utility(x)[:, rows]
    ok = feasible(scenario, x, d)
    fig = _pyplot_figure((6.4, 5.6))
    ax = fig.add_subplot(projection="3d")
    ax.scatter(*u[~ok].T, s=2, color="#bbbbbb", alpha=0.25, label="outside the zone")
    if ok.any():
        ax.scatter(*u[ok].T, s=4, color="#27864a", alpha=0.6, label="zone of agreement")
        exact = exact_frontier(scenario, d)
        if exact is not None and len(exact):
            ax.scatter(*prefs.utility(exact)[:, rows].T, s=18, color="black", marker="D",
                       label="Pareto frontier (exact)")
        else:
            front = pareto_mask(u[ok])
            ax.scatter(*u[ok][front].T, s=14, color="black", label="Pareto frontier (sampled)")
    ax.scatter(*d[rows], s=60, color="#c0392b", marker="X", label="walk-away values")
    for label, package in (marks or {}).items():
        p = prefs.utility(np.asarray(package, dtype=float))[rows]
        ax.scatter(*p, s=90, color="#d68910", marker="*")
        ax.text(*p, f" {label}", fontsize=8)
    ax.set_xlabel(f"u {codes[0]}")
    ax.set_ylabel(f"u {codes[1]}")
    ax.set_zlabel(f"u {codes[2]}")
    ax.set_title(f"{scenario.name}: utilities of {len(x)} sampled packages", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    return _save(fig, path)

