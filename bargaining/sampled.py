"""Analysis on samples of packages: quasi-random samples, feasibility, Pareto masks, reference deals.

* ``sample_packages``: a deterministic quasi-random (Sobol) sample of packages, with the countries' ideal
  packages and the status quo.
* ``feasible`` / ``acceptable``: packages that give every country (each country) at least its walk-away
  value without crossing a red line (docs/model.md: "a zone of agreement exists iff some package gives every
  country at least its walk-away value without crossing anyone's red line").
* ``pareto_mask``: the packages no other beats for every country; ``exact_frontier``: the Pareto frontier
  traced by ``bargaining.analysis``.
* ``reference_points``: the Nash bargaining solution (Nash 1950: max of the product of surpluses) and the
  Kalai-Smorodinsky point (Kalai & Smorodinsky 1975: equal shares of each country's best feasible
  surplus), exact from ``bargaining.analysis``; ``sampled_reference_points`` finds them approximately on a
  quasi-random sample of packages (deterministic), as a check.
* ``slice_grid``: the packages on a 2-D slice of the package space; ``ternary_coordinates``: three
  countries' surpluses as points in a triangle.

Pure numpy and scipy: the pictures of these are in ``bargaining.figures.teaching``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from . import analysis

SAMPLE_LOG2 = 14  # 2**14 packages in the default sample
CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])  # of the triangle of ternary_coordinates


def sample_packages(scenario, log2_n: int = SAMPLE_LOG2, include: list[np.ndarray] | None = None,
                    within_red_lines: bool = True) -> np.ndarray:
    """Deterministic quasi-random packages (unscrambled Sobol, snapped to levels).

    With ``within_red_lines`` they cover the box that every country's red lines leave open (where any
    deal must lie under unanimity; a quota deal may cross the red lines of those it outvotes, so under a quota
    rule, and without ``within_red_lines``, they cover all of [0, 1]^K). The countries' ideal packages, the
    status quo and any ``include`` packages are added, so that the corners of the bargaining set are always present.

    Returns:
        (M, K) packages.
    """
    space, prefs = scenario.space, scenario.preferences
    x = qmc.Sobol(d=len(space), scramble=False).random_base2(log2_n)
    lo, hi = prefs.lo.max(axis=0), prefs.hi.min(axis=0)
    if within_red_lines and scenario.rule.unanimous and np.all(lo <= hi):
        x = lo + (hi - lo) * x
    status_quo = [] if space.status_quo is None else [space.status_quo[None, :]]
    extra = [prefs.ideal, *status_quo] + [np.atleast_2d(p) for p in include or []]
    return space.snap(np.vstack([x, *extra]))


def acceptable(scenario, packages: np.ndarray, walk_away: np.ndarray) -> np.ndarray:
    """Each country's acceptable region: (..., K) -> (..., N) bool (utility >= walk-away, red lines held)."""
    prefs = scenario.preferences
    return prefs.within_red_lines(packages) & (prefs.utility(packages) >= np.asarray(walk_away) - 1e-9)


def feasible(scenario, x: np.ndarray, walk_away: np.ndarray) -> np.ndarray:
    """Packages that pass the scenario's decision rule: under unanimity, inside everyone's red lines and giving
    everyone at least its walk-away value; under a quota, so for a winning coalition: (..., K) -> (...)."""
    return scenario.rule.passes(acceptable(scenario, x, walk_away))


def pareto_mask(utilities: np.ndarray) -> np.ndarray:
    """Rows of (M, N) utilities that no other row weakly dominates (strictly better somewhere)."""
    order = np.argsort(-utilities.sum(axis=1), kind="stable")
    u = utilities[order]
    keep = np.ones(len(u), dtype=bool)
    for i in range(len(u)):
        if not keep[i]:
            continue
        dominated = (u >= u[i]).all(axis=1) & (u > u[i]).any(axis=1)
        if dominated.any():
            keep[i] = False
            continue
        worse = (u[i] >= u).all(axis=1) & (u[i] > u).any(axis=1)
        keep &= ~worse
    mask = np.zeros(len(u), dtype=bool)
    mask[order[keep]] = True
    return mask


@dataclass(frozen=True)
class ReferencePoints:
    """Benchmark deals of the bargaining problem (packages as normalised vectors, None if no zone).

    Attributes:
        walk_away: (N,) disagreement point used.
        nash: Nash bargaining solution package.
        kalai_smorodinsky: Kalai-Smorodinsky package.
        source: ``"analysis"`` (exact, from bargaining.analysis) or ``"sampled"`` (approximate).
    """

    walk_away: np.ndarray
    nash: np.ndarray | None
    kalai_smorodinsky: np.ndarray | None
    source: str


def reference_points(scenario, walk_away: np.ndarray | None = None, log2_n: int = SAMPLE_LOG2) -> ReferencePoints:
    """Nash and Kalai-Smorodinsky packages for the walk-away values (default: at the start of talks), exact
    (``analysis.solutions``)."""
    d = scenario.initial_walk_away if walk_away is None else np.asarray(walk_away, dtype=float)
    found = analysis.solutions(scenario.preferences, scenario.space, d, scenario.rule)
    return ReferencePoints(found.walk_away, None if found.nash is None else found.nash.package,
                           None if found.kalai_smorodinsky is None else found.kalai_smorodinsky.package, "analysis")


def sampled_reference_points(scenario, walk_away: np.ndarray, log2_n: int = SAMPLE_LOG2) -> ReferencePoints:
    """Nash and Kalai-Smorodinsky packages found among ``sample_packages`` (approximate, deterministic)."""
    d = np.asarray(walk_away, dtype=float)
    zone = analysis.zopa(scenario.preferences, scenario.space, d, scenario.rule)
    x = sample_packages(scenario, log2_n, include=[zone.package] if zone.package is not None else None)
    ok = feasible(scenario, x, d)
    if not ok.any():
        return ReferencePoints(d, None, None, "sampled")
    x = x[ok]
    surplus = np.maximum(scenario.preferences.utility(x) - d, 0.0)
    nash = x[np.argmax(np.log(surplus + 1e-12).sum(axis=1))]
    best = surplus.max(axis=0)
    ks = x[np.argmax((surplus / np.where(best > 0, best, 1.0)).min(axis=1) + 1e-9 * surplus.sum(axis=1))]
    return ReferencePoints(d, nash, ks, "sampled")


def exact_frontier(scenario, walk_away: np.ndarray, resolution: int = 8) -> np.ndarray | None:
    """(M, K) packages on the Pareto frontier that give everyone its walk-away value, traced by
    ``bargaining.analysis.pareto_frontier`` from the walk-away point."""
    reference = np.asarray(walk_away, dtype=float)
    frontier = analysis.pareto_frontier(scenario.preferences, scenario.space, reference, resolution, scenario.rule,
                                        reference)
    if len(frontier.packages) == 0:
        return frontier.packages
    return frontier.packages[feasible(scenario, frontier.packages, walk_away)]


def slice_grid(scenario, x_issue: str, y_issue: str, at: np.ndarray | None = None, n: int = 121):
    """Packages on a 2-D slice: ``x_issue`` and ``y_issue`` varied, the others held at ``at``.

    Args:
        scenario: The Scenario.
        x_issue, y_issue: The two issues varied.
        at: Package (normalised) the other issues are held at; default the status quo (else the middle of every
            issue, when the scenario has none).
        n: Grid points along a continuous issue (an ordinal issue has one per level).

    Returns:
        (xs, ys, packages): positions in [0, 1] along each axis and the (len(ys), len(xs), K) packages.
    """
    space = scenario.space
    if at is None:
        at = space.snap(np.full(len(space), 0.5)) if space.status_quo is None else space.status_quo
    at = np.asarray(at, dtype=float)
    i, j = space.index(x_issue), space.index(y_issue)
    xs, ys = (np.linspace(0.0, 1.0, len(issue.levels) if issue.discrete else n)
              for issue in (space.issues[i], space.issues[j]))
    grid = np.broadcast_to(at, (len(ys), len(xs), len(space))).copy()
    grid[..., i] = xs[None, :]
    grid[..., j] = ys[:, None]
    return xs, ys, grid


def ternary_coordinates(surplus: np.ndarray) -> np.ndarray:
    """(M, 3) non-negative surpluses -> (M, 2) points in the triangle with corners at each country.

    A package's point is the barycentre of the corners weighted by each country's share of the total
    surplus; the centre is an equal split, a corner everything to one country.
    """
    s = np.maximum(surplus, 0.0)
    total = s.sum(axis=1, keepdims=True)
    shares = np.divide(s, total, out=np.full_like(s, 1 / 3), where=total > 0)
    return (shares[:, :, None] * CORNERS).sum(axis=1)  # shares @ CORNERS, without BLAS: the same bits anywhere
