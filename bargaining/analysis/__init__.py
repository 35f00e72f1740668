"""Outcome analysis on the package space: the ZOPA, the Pareto frontier, Nash, Kalai-Smorodinsky, maximum welfare.

Everything is relative to walk-away values r and to the decision rule (``rules.Rule``): a package *passes* when a
winning coalition accepts it (each member within its red lines and given at least r_n); under unanimity every
party must. The ZOPA exists iff some package passes; its size is the best worst-off slack

    max_x min_n (u_n(x) - walk_away_n)   over packages x within every red line (unanimity)

or, under a quota rule, the same minimum over the package's best winning coalition.

This module is the one public face (arrays in, arrays out). Three backends answer every question exactly, behind
one interface (``results.Backend``), and ``backend`` is the one place that picks one (docs/theory.md):

* ``programmes.Programmes``: one linear programme per combination of discrete levels, for today's shape
  (single-peaked values, red lines as bounds, unanimity) with at most ``LP_COMBINATIONS`` combinations;
* ``exact.Enumeration``: every package of a discrete space of at most ``exact.ENUMERATE`` packages, in chunks;
* ``exact.Milp``: mixed-integer programmes, beyond and for mixed spaces.

``highs`` is the one module that talks to HiGHS (linear, mixed-integer and quadratic programmes) and holds the
Nash polish (``max_log_surplus``) and the thread guard: no BLAS lies on the way to a result, so every result is
the same bits on every CPU and with any number of threads.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ..cache import Cache, fingerprint
from ..issues import IssueSpace
from ..preferences import Preferences
from ..rules import Rule
from . import exact
from .exact import Enumeration, Milp, Problem
from .highs import one_blas_thread
from .programmes import LP_COMBINATIONS, Programmes
from .results import Backend, Frontier, Point, Zopa, dominated

__all__ = ["LP_COMBINATIONS", "Backend", "Frontier", "Point", "Rule", "Solutions", "Zopa", "backend", "count_passing",
           "deal_metrics", "dominated", "kalai_smorodinsky", "max_min_slack", "max_welfare", "nash", "one_blas_thread",
           "pareto_distance", "pareto_distances", "pareto_frontier", "solutions", "utopia", "zopa"]


# ------------------------------------------------------------------------------------------ the one dispatch

def _today(prefs: Preferences, space: IssueSpace, rule: Rule | None) -> bool:
    """Whether the per-combination programmes serve: today's shape (unanimity, values without tables, red lines
    as bounds) with at most ``LP_COMBINATIONS`` combinations of levels inside every red line."""
    rule = rule or Rule.unanimity(prefs.weights.shape[0])
    if not rule.unanimous or prefs.tables is not None or prefs.excluded is not None:
        return False
    lo, hi = prefs.lo.max(axis=0), prefs.hi.min(axis=0)
    levels = [np.arange(0.0, 1.0 + 1e-9, step) for step in space.steps[space.discrete]]
    return math.prod(int(((v >= a - 1e-9) & (v <= b + 1e-9)).sum())
                     for v, a, b in zip(levels, lo[space.discrete], hi[space.discrete], strict=True)) <= LP_COMBINATIONS


def backend(prefs: Preferences, space: IssueSpace, rule: Rule | None, floors: np.ndarray) -> Backend:
    """The backend for a problem: the per-combination programmes for today's shape, else enumeration of a discrete
    space of at most ``ENUMERATE`` packages, else mixed-integer programming."""
    if _today(prefs, space, rule):
        return Programmes(prefs, space, floors)
    problem = Problem(prefs, space, rule or Rule.unanimity(prefs.weights.shape[0]), floors)
    if problem.discrete and problem.count() <= exact.ENUMERATE:
        return Enumeration(problem)
    return Milp(problem)


def _point(prefs: Preferences, package: np.ndarray | None) -> Point | None:
    return None if package is None else Point(package, prefs.utility(package))


def max_min_slack(prefs: Preferences, space: IssueSpace, floors: np.ndarray, direction: np.ndarray | None = None,
                  rule: Rule | None = None) -> Zopa:
    """Maximise the smallest surplus over the floors (walk-away values) of a winning coalition of ``rule``
    (default unanimity: every country, within every red line).

    With a ``direction`` d (>= 0, not all 0) it finds the largest s with u_n(x) >= floor_n + s d_n for
    every n: the point where the ray from the floors along d leaves the set of feasible utilities.
    """
    floors = np.asarray(floors, dtype=float)
    solver = backend(prefs, space, rule, floors)
    if solver.empty:
        return Zopa(False, -np.inf, None)
    if direction is None:
        package, slack = solver.zone()
    else:
        package, slack = solver.ray(floors, np.asarray(direction, dtype=float))
    return Zopa(package is not None and slack >= -1e-9, slack, package)


def zopa(prefs: Preferences, space: IssueSpace, walk_away: np.ndarray, rule: Rule | None = None) -> Zopa:
    """The zone of possible agreement for given walk-away values."""
    return max_min_slack(prefs, space, np.asarray(walk_away, dtype=float), rule=rule)


def utopia(prefs: Preferences, space: IssueSpace, floors: np.ndarray, rule: Rule | None = None) -> np.ndarray | None:
    """Each country's best utility among passing packages it accepts, at walk-away values ``floors`` (the ideal
    point of Kalai & Smorodinsky 1975); None when no package passes."""
    solver = backend(prefs, space, rule, np.asarray(floors, dtype=float))
    return None if solver.empty else solver.utopia()


def nash(prefs: Preferences, space: IssueSpace, floors: np.ndarray, rule: Rule | None = None) -> Point | None:
    """The Nash bargaining solution (Nash 1950): the passing package that maximises the product of the surpluses
    over the walk-away values (``floors``) of a winning coalition of exactly ``rule.at_least`` countries (every
    country under unanimity). When no package gives a positive surplus to each, the zone's package if there is
    one; None when no package passes."""
    floors = np.asarray(floors, dtype=float)
    solver = backend(prefs, space, rule, floors)
    if solver.empty:
        return None
    package = solver.nash()
    if package is None:
        zone = max_min_slack(prefs, space, floors, rule=rule)
        return _point(prefs, zone.package) if zone.exists else None
    return _point(prefs, package)


def kalai_smorodinsky(prefs: Preferences, space: IssueSpace, floors: np.ndarray, rule: Rule | None = None
                      ) -> Point | None:
    """The Kalai-Smorodinsky point (Kalai & Smorodinsky 1975): the passing package furthest along the line from
    the walk-away values (``floors``) to the utopia point, every country getting the same share of its largest
    possible gain. With three or more countries the line may stop where some could still gain; they then go on,
    so the point is Pareto-efficient: by Imai's (1983) lexicographic extension (the leximin of the shares) in the
    per-combination programmes, by the largest sum of shares in the exact backends (one more programme instead
    of one per country and step). Under a quota rule, shares are those of the package's best winning coalition.
    None when no package passes."""
    floors = np.asarray(floors, dtype=float)
    solver = backend(prefs, space, rule, floors)
    if solver.empty:
        return None
    ideal = solver.utopia()
    if ideal is None:
        return None
    gains = np.maximum(ideal - floors, 0.0)
    if gains.max() <= 1e-12:
        zone = max_min_slack(prefs, space, floors, rule=rule)
        return _point(prefs, zone.package)
    return _point(prefs, solver.kalai_smorodinsky(ideal))


def max_welfare(prefs: Preferences, space: IssueSpace, floors: np.ndarray, rule: Rule | None = None) -> Point | None:
    """The passing package with the largest sum of utilities (the utilitarian solution; Raiffa 1982's "joint
    gains"), at walk-away values ``floors``; None when no package passes."""
    solver = backend(prefs, space, rule, np.asarray(floors, dtype=float))
    return None if solver.empty else _point(prefs, solver.welfare())


def count_passing(prefs: Preferences, space: IssueSpace, walk_away: np.ndarray, rule: Rule | None = None
                  ) -> int | None:
    """How many packages pass ``rule`` (default unanimity) at the walk-away values: the parties that accept them
    (within their red lines, at or above their walk-away values) make up a winning coalition; the packages of the
    zone of agreement. None when an issue is continuous or the space has more than ``exact.ENUMERATE``
    packages."""
    problem = Problem(prefs, space, rule or Rule.unanimity(prefs.weights.shape[0]), walk_away)
    if not problem.discrete or problem.count() > exact.ENUMERATE:
        return None
    if problem.empty:
        return 0
    return sum(int((problem.coalition_min(problem.effective(utility, within)) >= -exact.ACCEPT).sum())
               for _, utility, within in Enumeration(problem).chunks())


def pareto_frontier(prefs: Preferences, space: IssueSpace, reference: np.ndarray | None = None,
                    resolution: int = 12, rule: Rule | None = None, walk_away: np.ndarray | None = None) -> Frontier:
    """Trace the Pareto frontier of the packages within every red line (under a quota rule: of the packages
    that pass at ``walk_away``).

    Each frontier point is where a ray from ``reference`` (default: utility 0 for everyone, below every
    package) leaves the set of feasible utilities; the rays' directions form a grid on the simplex with
    ``resolution`` steps per side. Because every choice of discrete levels is searched, the non-convex parts
    of the frontier that discrete issues create are found too. Points dominated by another are dropped.
    """
    n = prefs.weights.shape[0]
    reference = np.zeros(n) if reference is None else np.asarray(reference, dtype=float)
    floors = reference if walk_away is None else np.asarray(walk_away, dtype=float)
    solver = backend(prefs, space, rule, floors)
    directions = [np.array(c) / resolution for c in itertools.product(range(resolution + 1), repeat=n)
                  if sum(c) == resolution]
    points = []
    for d in directions if not solver.empty else ():
        package, slack = solver.ray(reference, d)
        if package is not None and np.isfinite(slack):
            points.append(package)
    if not points:
        return Frontier(np.zeros((0, n)), np.zeros((0, len(space))))
    packages = np.unique(np.round(np.array(points), 12), axis=0)
    utilities = prefs.utility(packages)
    keep = ~dominated(utilities)
    return Frontier(utilities[keep], packages[keep])


def pareto_distance(prefs: Preferences, space: IssueSpace, package: np.ndarray, rule: Rule | None = None,
                    walk_away: np.ndarray | None = None) -> float:
    """How far a package lies inside the Pareto frontier: the largest utility gain every country could get
    at once from another package within every red line (under a quota rule: another package that passes at
    ``walk_away``); 0 for a weakly Pareto-efficient package."""
    return float(pareto_distances(prefs, space, np.asarray(package, dtype=float)[None, :], rule, walk_away)[0])


def pareto_distances(prefs: Preferences, space: IssueSpace, packages: np.ndarray, rule: Rule | None = None,
                     walk_away: np.ndarray | None = None) -> np.ndarray:
    """``pareto_distance`` of (M, K) packages -> (M,). With linear value functions in today's shape, all at once
    from the facets of the utility set (``programmes._Facets``: about a microsecond a package); else one ray
    from each package's utilities."""
    packages = np.asarray(packages, dtype=float)
    utilities = prefs.utility(packages)
    out = np.zeros(len(packages))
    for m, u in enumerate(utilities):
        solver = backend(prefs, space, rule, u if walk_away is None else walk_away)
        if isinstance(solver, Programmes):  # the backend depends on the rule and the space, not on the floors
            return solver.distances(utilities)
        if not solver.empty:
            out[m] = max(float(solver.ray(u, np.ones(prefs.weights.shape[0]))[1]), 0.0)
    return out


# ------------------------------------------------------------------------------------------ shared solutions

@dataclass(frozen=True)
class Solutions:
    """Solution concepts at given walk-away values."""

    walk_away: np.ndarray
    zopa: Zopa
    nash: Point | None
    kalai_smorodinsky: Point | None
    max_welfare: Point | None


_SOLUTIONS: Cache[Solutions] = Cache(64)


def solutions(prefs: Preferences, space: IssueSpace, walk_away: np.ndarray, rule: Rule | None = None) -> Solutions:
    """ZOPA, Nash, Kalai-Smorodinsky and maximum-welfare points at the walk-away values under the decision rule;
    computed once per distinct preferences, issue space, walk-away values and rule in a process, whatever
    scenario object holds them."""
    floors = np.asarray(walk_away, dtype=float)
    rule = rule or Rule.unanimity(prefs.weights.shape[0])
    key = fingerprint(prefs.fingerprint, space.steps, floors, repr(rule))
    return _SOLUTIONS.get(key, lambda: Solutions(
        floors, max_min_slack(prefs, space, floors, rule=rule), nash(prefs, space, floors, rule),
        kalai_smorodinsky(prefs, space, floors, rule), max_welfare(prefs, space, floors, rule)))


def deal_metrics(prefs: Preferences, space: IssueSpace, walk_away: np.ndarray, package: np.ndarray,
                 rule: Rule | None = None) -> dict[str, float | np.ndarray | None]:
    """Efficiency of an agreed package (Raiffa 1982): distance to the Pareto frontier, Euclidean distance
    in utility space to the Nash point and the Kalai-Smorodinsky point (at the walk-away values), and
    the joint gain, the sum of the surpluses over those walk-away values.

    A (K,) package gives floats; (M, K) packages give (M,) arrays, row for row the same. A distance to a point
    that does not exist is None. No BLAS: the same bits on every CPU."""
    found = solutions(prefs, space, walk_away, rule)
    packages = np.asarray(package, dtype=float).reshape(-1, len(space))
    u = prefs.utility(packages)
    far = lambda p: None if p is None else np.sqrt(((u - p.utilities) ** 2).sum(axis=-1))  # noqa: E731
    metrics = {
        "pareto_distance": pareto_distances(prefs, space, packages, rule, walk_away),
        "nash_distance": far(found.nash),
        "kalai_smorodinsky_distance": far(found.kalai_smorodinsky),
        "joint_gain": (u - found.walk_away).sum(axis=-1),
    }
    if np.ndim(package) == 2:
        return metrics
    return {name: None if v is None else float(v[0]) for name, v in metrics.items()}
