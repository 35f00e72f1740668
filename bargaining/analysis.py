"""Outcome analysis on the package space: the ZOPA, the Pareto frontier, Nash, Kalai-Smorodinsky, maximum welfare.

Everything is relative to walk-away values r and to the decision rule (``rules.Rule``): a package *passes* when a
winning coalition accepts it (each member within its red lines and given at least r_n); under unanimity every
party must. The ZOPA exists iff some package passes; its size is the best worst-off slack

    max_x min_n (u_n(x) - walk_away_n)   over packages x within every red line (unanimity)

or, under a quota rule, the same minimum over the package's best winning coalition (``solvers``).

Two engines compute the solution concepts exactly (docs/theory.md):

* the per-combination LPs below, for scenarios of today's shape (single-peaked values, red lines as bounds,
  unanimity) with at most ``LP_COMBINATIONS`` combinations of discrete levels inside every red line: for each
  combination the continuous issues form a linear programme (each value function the minimum of its tangent
  lines; exact for linear value functions, an outer approximation for quadratic ones, TANGENTS per function),
  and the Nash solution maximises sum_n log(u_n - walk_away_n) over the same constraints (SLSQP). nafta-2017
  and pie-split are solved this way, bit for bit as before;
* ``solvers`` for everything else: chunked enumeration of discrete spaces up to ``solvers.ENUMERATE`` packages,
  mixed-integer programming (HiGHS) beyond and for mixed spaces. Combinations of levels are never enumerated
  one LP at a time there.

The same programmes, with the surplus measured along a direction d (u_n >= floor_n + s d_n), trace the Pareto
frontier (rays from a reference point), give the Kalai-Smorodinsky point (the ray toward the utopia point) and
the distance of a deal to the frontier (the ray from the deal's utilities; with linear values in today's shape,
the facets of the utility set answer for every deal at once, ``_Facets``).

The solvers run with one BLAS thread (``one_blas_thread``): a multithreaded BLAS adds up in an order that
depends on its thread count, which changes the last bits of SLSQP's result, so without it the same deal would
have a different Nash distance on a laptop, a server and a Dask worker.
"""

from __future__ import annotations

import functools
import itertools
import math
import threading
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.optimize._highspy import _core as highs  # the HiGHS that linprog and milp call
from scipy.spatial import ConvexHull, QhullError
from threadpoolctl import ThreadpoolController

from . import solvers
from .cache import Cache, fingerprint
from .issues import IssueSpace
from .preferences import Preferences, value
from .rules import Rule
from .solvers import tangents

LP_COMBINATIONS = 64  # today's shape with at most this many combinations of levels: one LP per combination


@functools.cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()  # the BLAS libraries numpy and scipy have loaded (both are by now)


def one_blas_thread(solver):
    """Run ``solver`` with every BLAS library limited to one thread, so that its result does not depend on the
    machine's number of cores or on ``OPENBLAS_NUM_THREADS`` (threadpoolctl; the limit costs microseconds)."""
    @functools.wraps(solver)
    def limited(*args, **kwargs):
        with _blas().limit(limits=1, user_api="blas"):
            return solver(*args, **kwargs)

    return limited


@dataclass(frozen=True)
class Zopa:
    """Result of the ZOPA search.

    Attributes:
        exists: Whether some package gives everyone at least its walk-away value within all red lines.
        slack: max over packages of the smallest surplus u_n(x) - walk_away_n (negative: no zone).
        package: The package attaining it (normalised), None if the red lines leave no package at all.
    """

    exists: bool
    slack: float
    package: np.ndarray | None


def _tangent_rows(prefs: Preferences, issues: np.ndarray, i: int, width: int) -> tuple[list[np.ndarray], list[float]]:
    """Rows z_ik - b x_k <= a, one per tangent line of country i's value function on each continuous issue,
    over variables x (one per issue) then z (row-major n, k), in ``width`` columns."""
    c = len(issues)
    rows, rhs = [], []
    for a, k in enumerate(issues):
        intercept, slope = tangents(prefs.ideal[i, k], prefs.reach[i, k], prefs.exponent[i])
        for a0, b0 in zip(intercept, slope, strict=True):
            row = np.zeros(width)
            row[c + i * c + a], row[a] = 1.0, -b0
            rows.append(row)
            rhs.append(a0)
    return rows, rhs


def _combos(prefs: Preferences, space: IssueSpace, lo: np.ndarray, hi: np.ndarray):
    """Every choice of ordinal levels inside all red lines: (ordinal issue indices, iterator of levels)."""
    ordinal = np.flatnonzero(space.discrete)
    choices = []
    for j in ordinal:
        levels = np.arange(0.0, 1.0 + 1e-9, space.steps[j])
        choices.append(levels[(levels >= lo[j] - 1e-9) & (levels <= hi[j] + 1e-9)])
    return ordinal, itertools.product(*choices)


class _Combinations:
    """The per-combination programmes of one preferences and issue space, built once (``_COMBINATIONS``).

    For each choice of ordinal levels inside every red line (a *piece*): the package with those levels
    (continuous issues 0) and each country's utility from the ordinal issues. One linear programme over the
    continuous issues serves every piece: variables x_k, z_nk (value of issue k to country n, at most each
    tangent line), s; only the right-hand side (floors less the ordinal utilities) and the column of s change
    from one solve to the next. The HiGHS that scipy bundles (``scipy.optimize._highspy``) solves it with the
    model and options ``linprog(method="highs")`` gives it, from scratch each time, so the results are linprog's
    bit for bit without its per-call overhead (about a millisecond of option checking).
    """

    def __init__(self, prefs: Preferences, space: IssueSpace):
        n, k = prefs.weights.shape
        self.prefs = prefs
        self.lo, self.hi = prefs.lo.max(axis=0), prefs.hi.min(axis=0)
        self.continuous = issues = np.flatnonzero(~space.discrete)
        packages = []
        if not np.any(self.lo > self.hi + 1e-9):
            ordinal, combos = _combos(prefs, space, self.lo, self.hi)
            for combo in combos:
                x = np.zeros(k)
                x[ordinal] = combo
                packages.append(x)
        self.packages = np.array(packages).reshape(-1, k)
        ordinal = np.flatnonzero(space.discrete)
        self.ord_utility = (prefs.weights[:, ordinal] * prefs.values(self.packages)[..., ordinal]).sum(axis=-1)
        c = len(issues)
        self.nv = nv = c + n * c + 1  # x, z (row-major n, k), s
        rows, rhs, self.floor_rows = [], [], []
        for i in range(n):
            tangent_rows, tangent_rhs = _tangent_rows(prefs, issues, i, nv)
            rows += tangent_rows
            rhs += tangent_rhs
            row = np.zeros(nv)  # d_i s - sum_k w_ik z_ik <= -floor_i
            row[c + i * c: c + (i + 1) * c] = -prefs.weights[i, issues]
            self.floor_rows.append(len(rows))
            rows.append(row)
            rhs.append(0.0)
        self.A, self.b = np.array(rows), np.array(rhs)
        self.lb = np.concatenate([self.lo[issues], np.full(n * c + 1, -np.inf)])
        self.ub = np.concatenate([self.hi[issues], np.ones(n * c), [np.inf]])
        # each country's best utility from the continuous issues alone: a bound on every piece's programme
        self.alone = np.array([_optimum(self.lp(np.full(n, -np.inf), objective=i), 0.0) for i in range(n)])

    def __len__(self) -> int:
        return len(self.packages)

    @functools.cached_property
    def facets(self) -> _Facets | None:
        """The facets of the continuous issues' utilities (``_Facets``), None unless every value is linear."""
        return _Facets.build(self.prefs, self)

    def lp(self, floors: np.ndarray, direction: np.ndarray | None = None, objective: int | np.ndarray | None = None):
        """Solve the programme at ``floors`` (less the ordinal utilities of the piece, by the caller).

        Maximises s subject to sum_k w_nk z_nk >= floor_n + s d_n for every n; or, with ``objective`` = n (an
        array of weights per country), maximises country n's utility (the weighted sum of utilities) from these
        issues subject to sum_k w_mk z_mk >= floor_m for every m.
        Returns (x, optimum, row duals), or None when infeasible or not solved (as ``linprog``'s status != 0).
        """
        n, c = self.prefs.weights.shape[0], len(self.continuous)
        w = self.prefs.weights[:, self.continuous]
        A, b = self.A.copy(), self.b.copy()
        b[self.floor_rows] = -np.asarray(floors, dtype=float)
        cost = np.zeros(self.nv)
        lb, ub = self.lb.copy(), self.ub.copy()
        if objective is None:
            A[self.floor_rows, -1] = np.ones(n) if direction is None else direction
            cost[-1] = -1.0
        else:
            lb[-1] = ub[-1] = 0.0
            if isinstance(objective, np.ndarray):  # a weighted sum of every country's utility
                for i in range(n):
                    cost[c + i * c: c + (i + 1) * c] = -objective[i] * w[i]
            else:
                cost[c + objective * c: c + (objective + 1) * c] = -w[objective]
        solved = _highs(cost, A, b, lb, ub)
        return None if solved is None else (solved[0][:c], *solved[1:])

    def bound(self, floors: np.ndarray, direction: np.ndarray, dual: np.ndarray) -> np.ndarray:
        """An upper bound on every piece's largest s at ``floors`` along ``direction``, by weak duality from the
        row duals of one solved piece: valid for any duals <= 0, with z_nk in [0, 1] and |s| at most S (neither
        cuts an optimum: values lie in [0, 1])."""
        y = np.minimum(dual, 0.0)
        A = self.A.copy()
        A[self.floor_rows, -1] = direction
        cost = np.zeros(self.nv)
        cost[-1] = -1.0
        reduced = cost - A.T @ y
        lb, ub = self.lb.copy(), self.ub.copy()
        c = len(self.continuous)
        lb[c:-1] = 0.0
        up = direction > 0
        s = (1.0 + np.abs(floors).max() + np.abs(self.ord_utility).max(initial=0.0)) / direction[up].min()
        lb[-1], ub[-1] = -s, s
        h = np.minimum(reduced * lb, reduced * ub).sum()
        rhs = self.b @ y - (floors[None, :] - self.ord_utility) @ y[self.floor_rows]  # b_piece . y, per piece
        return -(rhs + h)


def _optimum(solved, default: float) -> float:
    return default if solved is None else solved[1]


_COMBINATIONS: Cache[_Combinations] = Cache(16)


def _combinations(prefs: Preferences, space: IssueSpace) -> _Combinations:
    return _COMBINATIONS.get(fingerprint(prefs.fingerprint, space.steps, space.discrete),
                             lambda: _Combinations(prefs, space))


_THREAD = threading.local()
_OPTIONS = {"output_flag": False, "log_to_console": False, "presolve": "on", "highs_debug_level": 0,
            "simplex_strategy": 1}  # what scipy.optimize.linprog(method="highs") sets (dual simplex)
_CHECK = np.sqrt(1e-9) * 10  # how far off its constraints linprog lets a solution be (scipy's _check_result)


def _highs(cost, A, b, lb, ub):
    """min cost . v subject to A v <= b, lb <= v <= ub, as ``linprog(method="highs")`` solves it (same model, same
    options, the same check of the solution). One HiGHS object per thread, its model replaced each time."""
    h = getattr(_THREAD, "highs", None)
    if h is None:
        h = _THREAD.highs = highs._Highs()
        for key, value in _OPTIONS.items():
            h.setOptionValue(key, value)
    columns = A.T  # compressed sparse columns, zeros left out (as scipy.sparse.csc_array does)
    nonzero = columns != 0
    lp = highs.HighsLp()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lb, ub
    lp.row_lower_, lp.row_upper_ = np.full(len(b), -np.inf), b
    lp.a_matrix_.format_ = highs.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = A.shape[1], A.shape[0]
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(nonzero.sum(axis=1))]).astype(np.int32)
    lp.a_matrix_.index_ = np.nonzero(nonzero)[1].astype(np.int32)
    lp.a_matrix_.value_ = columns[nonzero]
    h.passModel(lp)
    h.clearSolver()
    h.run()
    if h.getModelStatus() != highs.HighsModelStatus.kOptimal:
        return None
    solution = h.getSolution()
    x, row = np.array(solution.col_value), np.array(solution.row_value)
    if np.isnan(x).any() or np.any(x < lb - _CHECK) or np.any(x > ub + _CHECK) or np.any(b - row < -_CHECK):
        return None
    return x, -h.getInfo().objective_function_value, np.array(solution.row_dual)


MARGIN = 1e-6  # a piece is skipped only when its bound is below the best found by more than the solver's tolerances


def _lp_max_min_slack(prefs: Preferences, space: IssueSpace, floors: np.ndarray,
                      direction: np.ndarray | None = None, at_least: float = -np.inf) -> Zopa:
    """Maximise the smallest surplus over the floors (walk-away values), within every red line.

    With a ``direction`` d (>= 0, not all 0) it finds the largest s with u_n(x) >= floor_n + s d_n for
    every n: the point where the ray from the floors along d leaves the set of feasible utilities.

    The pieces (choices of ordinal levels) are visited best bound first, and a piece is not solved when a bound
    shows it cannot beat the best found so far, nor ``at_least`` (a slack the caller has no use for below):
    each country's best utility from the continuous issues alone, then weak duality from the duals of every
    piece solved (branch and bound; Land & Doig 1960). A piece within ``MARGIN`` of the best is always solved
    and ties still go to the first piece in the order of the levels, so the result is that of solving every
    piece.
    """
    n = prefs.weights.shape[0]
    d = np.ones(n) if direction is None else np.asarray(direction, dtype=float)
    up = d > 0
    combos = _combinations(prefs, space)
    if up.any():
        bound = ((combos.ord_utility + combos.alone - floors)[:, up] / d[up]).min(axis=1) + MARGIN
    else:
        bound = np.full(len(combos), np.inf)
    best, first = Zopa(False, -np.inf, None), len(combos)
    for p in np.argsort(-bound, kind="stable"):
        if bound[p] < max(best.slack, at_least):
            continue
        solved = combos.lp(floors - combos.ord_utility[p], d)
        if solved is None:
            continue
        if up.any():
            bound = np.minimum(bound, combos.bound(floors, d, solved[2]) + MARGIN)
        x = combos.packages[p].copy()
        x[combos.continuous] = solved[0]
        surplus = prefs.utility(x) - floors
        true_slack = float(np.min(surplus[up] / d[up])) if up.any() else float(solved[1])
        if np.any(surplus[~up] < -1e-9):
            continue
        if true_slack > best.slack or (true_slack == best.slack and p < first):
            best, first = Zopa(true_slack >= -1e-9, true_slack, x), p
    return best


# ------------------------------------------------------------------------------------------ solution concepts

@dataclass(frozen=True)
class Point:
    """A package and every country's utility of it."""

    package: np.ndarray
    utilities: np.ndarray


def _lp_utopia(prefs: Preferences, space: IssueSpace, floors: np.ndarray, beyond: np.ndarray | None = None,
               prune: bool = True) -> np.ndarray | None:
    """Each country's best utility among packages that give every country at least its floor and cross
    no red line (the ideal point of Kalai & Smorodinsky 1975); None when there is no such package.

    For each country the pieces are visited best bound first (its utility from their ordinal levels plus its best
    from the continuous issues alone), and the rest are skipped once that bound falls more than ``MARGIN`` below
    the best found: the maximum is the same as over every piece (``prune=False``). With ``beyond``, a country's
    search stops as soon as it finds a utility above ``beyond`` (for a caller that only asks whether it can)."""
    n = prefs.weights.shape[0]
    combos = _combinations(prefs, space)
    best = np.full(n, -np.inf)
    for i in range(n):
        bound = combos.ord_utility[:, i] + combos.alone[i] + MARGIN
        for p in np.argsort(-bound, kind="stable"):
            if prune and bound[p] < best[i]:
                break
            solved = combos.lp(floors - combos.ord_utility[p], objective=i)
            if solved is not None:
                best[i] = max(best[i], solved[1] + combos.ord_utility[p, i])
                if prune and beyond is not None and best[i] > beyond[i]:
                    break
    return None if np.any(np.isinf(best)) else best


def _lp_kalai_smorodinsky(prefs: Preferences, space: IssueSpace, floors: np.ndarray, prune: bool = True
                          ) -> Point | None:
    """The Kalai-Smorodinsky point (Kalai & Smorodinsky 1975): the feasible point furthest along the line
    from the walk-away values (``floors``) to the utopia point; every country gets the same share of its
    largest possible gain. With three or more countries the line may stop where some could still gain;
    they then go on (Imai's 1983 lexicographic extension), so the point is Pareto-efficient. None when no
    package gives everyone its walk-away value. The utopia programmes are pruned by bounds (``_lp_utopia``;
    ``prune=False`` solves them all, with the same result)."""
    ideal = _lp_utopia(prefs, space, floors, prune=prune)
    if ideal is None:
        return None
    gains = np.maximum(ideal - floors, 0.0)
    if gains.max() <= 1e-12:
        zone = _lp_max_min_slack(prefs, space, floors)
        return Point(zone.package, prefs.utility(zone.package))
    # Lexicographic extension for more than two countries (Imai 1983): once the ray stops, the countries
    # that could still gain (others held at their level) go on along their own directions. Each stage stops at
    # least one more country, so there are at most N stages (with quadratic shapes the tangent lines overstate
    # what a country could still gain, and without the bound the stages would never end).
    level, free = floors.astype(float), gains > 1e-12
    package = None
    for _ in range(len(floors)):
        if not free.any():
            break
        hit = _lp_max_min_slack(prefs, space, level, direction=np.where(free, gains, 0.0))
        if hit.package is None or hit.slack < -1e-9:
            break
        package = hit.package
        level = level + max(hit.slack, 0.0) * np.where(free, gains, 0.0)
        best = _lp_utopia(prefs, space, level - 1e-10, beyond=np.where(free, level + 1e-7, -np.inf),
                          prune=prune)
        free &= best is not None and (best > level + 1e-7)
    return Point(package, prefs.utility(package))


def _lp_nash(prefs: Preferences, space: IssueSpace, floors: np.ndarray, prune: bool = True) -> Point | None:
    """The Nash bargaining solution (Nash 1950): the package within every red line that maximises the
    product of the surpluses over the walk-away values (``floors``). None when no package gives everyone
    its walk-away value.

    For each choice of ordinal levels the continuous issues are solved by SLSQP on the concave programme
    max sum_n log(u_n - floor_n), with each value function written as the minimum of its tangent lines
    (exact for linear value functions). The pieces are visited best bound first and a piece is not solved when
    a bound shows it cannot beat the best found (branch and bound, as ``_lp_max_min_slack``; ``prune=False``
    solves every piece, with the same result): each country's best utility from the piece,
    sum_n log(u_n^max - floor_n), then, once a best point s* is known, the arithmetic-geometric mean
    inequality prod_n s_n <= prod_n s*_n (sum_n (s_n / s*_n) / N)^N with the largest sum_n s_n / s*_n over the
    piece from one LP. Ties go to the first piece in the order of the levels, as when solving every piece.
    """
    combos = _combinations(prefs, space)
    continuous, lo, hi = combos.continuous, combos.lo, combos.hi
    n = len(floors)
    most = combos.ord_utility + combos.alone - floors + MARGIN  # no surplus in a piece is larger
    bound = np.where((most > 0).all(axis=1), np.log(np.maximum(most, 1e-300)).sum(axis=1), -np.inf)
    best, best_value, first, surplus_best = None, -np.inf, len(combos), None
    for p in np.argsort(-bound, kind="stable"):
        if prune and bound[p] < best_value - MARGIN:
            continue
        ord_utility = combos.ord_utility[p]
        if prune and surplus_best is not None:  # weights 1 / s*_n: the AM-GM bound, exact at s*
            weights = 1.0 / surplus_best
            most_weighted = combos.lp(floors - ord_utility, objective=weights)
            if most_weighted is not None:
                total = most_weighted[1] + weights @ (ord_utility - floors) + MARGIN * weights.sum()
                if n * np.log(total / n) + np.log(surplus_best).sum() < best_value - MARGIN:
                    continue
        start = combos.lp(floors - ord_utility, np.ones(n))
        if start is None or start[1] <= 1e-12:
            continue
        x = combos.packages[p].copy()
        x[continuous] = _max_log_surplus(prefs, continuous, lo, hi, floors - ord_utility, start[0])
        surplus = prefs.utility(x) - floors
        if np.all(surplus > 0):
            value = float(np.log(surplus).sum())
            if value > best_value or (value == best_value and p < first):
                best, best_value, first, surplus_best = x, value, p, surplus
    if best is None:
        zone = _lp_max_min_slack(prefs, space, floors)  # at most the walk-away point itself
        if not zone.exists:
            return None
        best = zone.package
    return Point(best, prefs.utility(best))


def _lp_welfare(prefs: Preferences, space: IssueSpace, floors: np.ndarray) -> Point | None:
    """The package within every red line, worth at least the floors to everyone, with the largest sum of
    utilities: one LP per choice of levels."""
    combos = _combinations(prefs, space)
    best, best_value = None, -np.inf
    for x0, ord_utility in zip(combos.packages, combos.ord_utility, strict=True):
        solved = combos.lp(floors - ord_utility, objective=np.ones(len(floors)))
        if solved is not None and solved[1] + ord_utility.sum() > best_value + 1e-12:
            best, best_value = x0.copy(), solved[1] + ord_utility.sum()
            best[combos.continuous] = solved[0]
    return None if best is None else Point(best, prefs.utility(best))


@one_blas_thread
def _max_log_surplus(prefs: Preferences, issues: np.ndarray, lo, hi, floors, x_start) -> np.ndarray:
    """argmax over the continuous issues of sum_n log(sum_k w_nk z_nk - floor_n), z_nk <= tangents."""
    n, c = prefs.weights.shape[0], len(issues)
    if c == 0:
        return np.zeros(0)
    blocks = [_tangent_rows(prefs, issues, i, c + n * c) for i in range(n)]
    A = np.array([row for rows, _ in blocks for row in rows])
    b = np.array([a for _, rhs in blocks for a in rhs])
    W = np.zeros((n, c + n * c))  # surplus_n = W y - floor_n
    for i in range(n):
        W[i, c + i * c: c + (i + 1) * c] = prefs.weights[i, issues]
    x_start = np.clip(x_start, lo[issues], hi[issues])
    z_start = np.clip(prefs.values(_embed(x_start, issues, prefs))[:, issues], 0.0, 1.0)
    y0 = np.concatenate([x_start, z_start.ravel()])

    def objective(y):
        return -np.log(np.maximum(W @ y - floors, 1e-300)).sum()

    def gradient(y):
        return -(W / np.maximum(W @ y - floors, 1e-300)[:, None]).sum(axis=0)

    result = minimize(
        objective, y0, jac=gradient, method="SLSQP",
        bounds=[(lo[k], hi[k]) for k in issues] + [(0.0, 1.0)] * (n * c),
        constraints=[{"type": "ineq", "fun": lambda y: b - A @ y, "jac": lambda y: -A},
                     {"type": "ineq", "fun": lambda y: W @ y - floors - 1e-12, "jac": lambda y: W}],
        options={"ftol": 1e-15, "maxiter": 500},
    )
    y = result.x if np.isfinite(result.fun) and result.fun <= objective(y0) else y0
    return np.clip(y[:c], lo[issues], hi[issues])


def _embed(x: np.ndarray, issues: np.ndarray, prefs: Preferences) -> np.ndarray:
    full = np.zeros(prefs.weights.shape[1])
    full[issues] = x
    return full


@dataclass(frozen=True)
class Frontier:
    """Points on the (weak) Pareto frontier of the packages within every red line.

    Attributes:
        utilities: (M, N) utilities of the frontier points.
        packages: (M, K) the packages.
    """

    utilities: np.ndarray
    packages: np.ndarray


def dominated(utilities: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """(M, N) utilities -> (M,) whether another point is at least as good for all and better for one."""
    u = utilities[:, None, :]
    v = utilities[None, :, :]
    return ((v >= u - tol).all(axis=-1) & (v > u + tol).any(axis=-1)).any(axis=1)


def _lp_pareto_distance(prefs: Preferences, space: IssueSpace, package: np.ndarray) -> float:
    """How far a package lies inside the Pareto frontier: the largest utility gain every country could get
    at once from another package within every red line (0 for a weakly Pareto-efficient package)."""
    zone = _lp_max_min_slack(prefs, space, prefs.utility(package), at_least=0.0)
    return max(float(zone.slack), 0.0)


FACET_PARTIES = 4  # the facets of the utility set are found for at most this many countries (qhull's dimension)
FACET_POINTS = 4096  # the sum of the issues' utility sets is cut back to its hull's vertices above this many points
FACET_VERTICES = 4096  # ... and given up on (the programmes are solved instead) with more vertices than this
EFFICIENT = 1e-12  # a common gain no larger than this is rounding: the package is weakly efficient


class _Facets:
    """The utilities the continuous issues can give, as the facets of a polytope (linear value functions).

    With linear (tent-shaped) value functions, what issue k can give the countries, less any amount, is the
    convex hull of its value at a handful of positions (its red-line bounds and every country's ideal between
    them), less the positive orthant: concave values keep every mix of two positions below a position. The
    utilities of the continuous issues together are the Minkowski sum Z of these hulls (less the orthant),
    found once per preferences (qhull; Barber, Dobkin & Huhdanpaa 1996) as its upper facets
    lambda_f . y <= b_f (lambda_f >= 0, summing to 1). The largest common gain s with y = floors - ordinal
    + s 1 in Z is then min_f (b_f - lambda_f . y): the value of the per-combination programme above (the
    facets are its dual vertices), for every package at once with no solver call.
    """

    def __init__(self, normals: np.ndarray, offsets: np.ndarray, ord_utility: np.ndarray):
        self.normals = normals
        self.ceiling = offsets[None, :] + ord_utility @ normals.T  # (P, F) the facets of each piece

    @classmethod
    def build(cls, prefs: Preferences, combos: _Combinations) -> _Facets | None:
        """The facets of ``prefs`` (linear values), or None when they would cost more than the programmes
        (more than ``FACET_PARTIES`` countries or ``FACET_VERTICES`` vertices) or qhull refuses the set."""
        n = prefs.weights.shape[0]
        if not prefs.linear or not 2 <= n <= FACET_PARTIES:
            return None
        points = np.zeros((1, n))
        try:
            for k in combos.continuous:
                lo, hi = combos.lo[k], combos.hi[k]
                x = np.unique(np.clip(np.concatenate([[lo, hi], prefs.ideal[:, k]]), lo, hi))
                given = prefs.weights[:, k] * value(x[:, None], prefs.ideal[:, k], prefs.reach[:, k], 1.0, True)
                points = (points[:, None, :] + given[None, :, :]).reshape(-1, n)
                if len(points) > FACET_POINTS:
                    points = points[np.unique(ConvexHull(points).vertices)]  # the hull's vertices carry its support
                    if len(points) > FACET_VERTICES:
                        return None
            # the orthant, cut off below every point (each subset of coordinates set to that floor): the hull's
            # upper facets are those of the sum less the orthant, and it is full-dimensional
            floor = points.min(axis=0) - 1.0
            lowered = np.array(list(itertools.product([False, True], repeat=n)))
            hull = ConvexHull(np.where(lowered[:, None, :], floor, points[None]).reshape(-1, n))
        except QhullError:
            return None
        normals = hull.equations[:, :n]
        normals = np.maximum(normals[(normals >= -1e-12).all(axis=1) & (normals > 1e-12).any(axis=1)], 0.0)
        normals = np.unique(normals / normals.sum(axis=1, keepdims=True), axis=0)
        return cls(normals, (points @ normals.T).max(axis=0), combos.ord_utility)

    def distances(self, floors: np.ndarray) -> np.ndarray:
        """(M, N) utilities -> (M,) the largest common gain over them (0 when at most ``EFFICIENT``); in chunks
        of packages, each row computed on its own (no matrix product whose rounding depends on M)."""
        best = np.full(len(floors), -np.inf)
        rows = max(1, 2**18 // len(self.normals))
        for start in range(0, len(floors), rows):
            part = floors[start:start + rows]
            level = (part[:, None, :] * self.normals[None, :, :]).sum(axis=-1)  # (M, F)
            for ceiling in self.ceiling:  # per combination of levels: its facets' slack at the floors
                best[start:start + rows] = np.maximum(best[start:start + rows], (ceiling[None, :] - level).min(axis=1))
        return np.where(best > EFFICIENT, best, 0.0)


# ------------------------------------------------------------------------------------------ any scenario

def _today(prefs: Preferences, space: IssueSpace, rule: Rule | None) -> bool:
    """Whether the per-combination LPs above serve: today's shape (unanimity, values without tables, red lines as
    bounds) with at most ``LP_COMBINATIONS`` combinations of levels inside every red line."""
    rule = rule or Rule.unanimity(prefs.weights.shape[0])
    if not rule.unanimous or prefs.tables is not None or prefs.excluded is not None:
        return False
    lo, hi = prefs.lo.max(axis=0), prefs.hi.min(axis=0)
    levels = [np.arange(0.0, 1.0 + 1e-9, step) for step in space.steps[space.discrete]]
    return math.prod(int(((v >= a - 1e-9) & (v <= b + 1e-9)).sum())
                     for v, a, b in zip(levels, lo[space.discrete], hi[space.discrete], strict=True)) <= LP_COMBINATIONS


def _engine(prefs: Preferences, space: IssueSpace, rule: Rule | None, floors: np.ndarray):
    """None for today's shape (the per-combination LPs above), else the ``solvers`` backend for the problem."""
    if _today(prefs, space, rule):
        return None
    problem = solvers.Problem(prefs, space, rule or Rule.unanimity(prefs.weights.shape[0]), floors)
    if problem.discrete and problem.count() <= solvers.ENUMERATE:
        return solvers.Enumeration(problem)
    return solvers.Milp(problem)


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
    engine = _engine(prefs, space, rule, floors)
    if engine is None:
        return _lp_max_min_slack(prefs, space, floors, direction)
    if engine.problem.empty:
        return Zopa(False, -np.inf, None)
    if direction is None:
        package, slack = engine.zone()
    else:
        package, slack = engine.ray(floors, np.asarray(direction, dtype=float))
    return Zopa(package is not None and slack >= -1e-9, slack, package)


def zopa(prefs: Preferences, space: IssueSpace, walk_away: np.ndarray, rule: Rule | None = None) -> Zopa:
    """The zone of possible agreement for given walk-away values."""
    return max_min_slack(prefs, space, np.asarray(walk_away, dtype=float), rule=rule)


def utopia(prefs: Preferences, space: IssueSpace, floors: np.ndarray, rule: Rule | None = None) -> np.ndarray | None:
    """Each country's best utility among passing packages it accepts, at walk-away values ``floors`` (the ideal
    point of Kalai & Smorodinsky 1975); None when no package passes."""
    floors = np.asarray(floors, dtype=float)
    engine = _engine(prefs, space, rule, floors)
    if engine is None:
        return _lp_utopia(prefs, space, floors)
    return None if engine.problem.empty else engine.utopia()


def nash(prefs: Preferences, space: IssueSpace, floors: np.ndarray, rule: Rule | None = None) -> Point | None:
    """The Nash bargaining solution (Nash 1950): the passing package that maximises the product of the surpluses
    over the walk-away values (``floors``) of a winning coalition of exactly ``rule.at_least`` countries (every
    country under unanimity). When no package gives a positive surplus to each, the zone's package if there is
    one; None when no package passes."""
    floors = np.asarray(floors, dtype=float)
    engine = _engine(prefs, space, rule, floors)
    if engine is None:
        return _lp_nash(prefs, space, floors)
    if engine.problem.empty:
        return None
    package = engine.nash()
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
    per-combination LPs, by the largest sum of shares in ``solvers`` (one more programme instead of one per
    country and step). Under a quota rule, shares are those of the package's best winning coalition. None when
    no package passes."""
    floors = np.asarray(floors, dtype=float)
    engine = _engine(prefs, space, rule, floors)
    if engine is None:
        return _lp_kalai_smorodinsky(prefs, space, floors)
    if engine.problem.empty:
        return None
    ideal = engine.utopia()
    if ideal is None:
        return None
    gains = np.maximum(ideal - floors, 0.0)
    if gains.max() <= 1e-12:
        zone = max_min_slack(prefs, space, floors, rule=rule)
        return _point(prefs, zone.package)
    return _point(prefs, engine.kalai_smorodinsky(ideal))


def max_welfare(prefs: Preferences, space: IssueSpace, floors: np.ndarray, rule: Rule | None = None) -> Point | None:
    """The passing package with the largest sum of utilities (the utilitarian solution; Raiffa 1982's "joint
    gains"), at walk-away values ``floors``; None when no package passes."""
    floors = np.asarray(floors, dtype=float)
    engine = _engine(prefs, space, rule, floors)
    if engine is None:
        return _lp_welfare(prefs, space, floors)
    return None if engine.problem.empty else _point(prefs, engine.welfare())


def count_passing(prefs: Preferences, space: IssueSpace, walk_away: np.ndarray, rule: Rule | None = None
                  ) -> int | None:
    """How many packages pass ``rule`` (default unanimity) at the walk-away values: the parties that accept them
    (within their red lines, at or above their walk-away values) make up a winning coalition; the packages of the
    zone of agreement. None when an issue is continuous or the space has more than ``solvers.ENUMERATE``
    packages."""
    problem = solvers.Problem(prefs, space, rule or Rule.unanimity(prefs.weights.shape[0]), walk_away)
    if not problem.discrete or problem.count() > solvers.ENUMERATE:
        return None
    if problem.empty:
        return 0
    return sum(int((problem.coalition_min(problem.effective(utility, within)) >= -solvers.ACCEPT).sum())
               for _, utility, within in solvers.Enumeration(problem).chunks())


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
    engine = _engine(prefs, space, rule, floors)
    directions = [np.array(c) / resolution for c in itertools.product(range(resolution + 1), repeat=n)
                  if sum(c) == resolution]
    points = []
    for d in directions:
        if engine is None:
            hit = _lp_max_min_slack(prefs, space, reference, direction=d)
            package, slack = hit.package, hit.slack
        elif engine.problem.empty:
            break
        else:
            package, slack = engine.ray(reference, d)
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
    from the facets of the utility set (``_Facets``: about a microsecond a package); else one by one."""
    packages = np.asarray(packages, dtype=float)
    if _today(prefs, space, rule):
        facets = _combinations(prefs, space).facets
        if facets is not None:
            return facets.distances(prefs.utility(packages))
        return np.array([_lp_pareto_distance(prefs, space, p) for p in packages])
    out = np.zeros(len(packages))
    for m, utilities in enumerate(prefs.utility(packages)):
        engine = _engine(prefs, space, rule, utilities if walk_away is None else walk_away)
        if not engine.problem.empty:
            _, slack = engine.ray(utilities, np.ones(prefs.weights.shape[0]))
            out[m] = max(float(slack), 0.0)
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
    that does not exist is None."""
    found = solutions(prefs, space, walk_away, rule)
    packages = np.asarray(package, dtype=float).reshape(-1, len(space))
    u = prefs.utility(packages)
    far = lambda p: None if p is None else np.array([np.linalg.norm(d) for d in u - p.utilities])  # noqa: E731
    metrics = {
        "pareto_distance": pareto_distances(prefs, space, packages, rule, walk_away),
        "nash_distance": far(found.nash),
        "kalai_smorodinsky_distance": far(found.kalai_smorodinsky),
        "joint_gain": (u - found.walk_away).sum(axis=-1),
    }
    if np.ndim(package) == 2:
        return metrics
    return {name: None if v is None else float(v[0]) for name, v in metrics.items()}
