"""The one module that talks to HiGHS (Huangfu & Hall 2018), and the one thread guard.

* ``lp``: min cost . v subject to A v <= b and bounds, by the dual simplex, exactly as
  ``scipy.optimize.linprog(method="highs")`` solves it (the HiGHS scipy bundles, its model, options and check of
  the solution), one HiGHS object per thread, its model replaced each time (no per-call overhead). It stays on
  scipy's HiGHS (``scipy.optimize._highspy``, private: hence scipy's pin) because the public ``highspy`` is a
  newer HiGHS whose dual simplex picks other optimal vertices of degenerate programmes: the Kalai-Smorodinsky
  package of nafta-2017 moved in the 12th digit, and the brute-force references of the tests (linprog) no longer
  matched with quadratic values;
* ``milp``: a mixed-integer programme (``highspy``), relative gap ``MIP_GAP``, presolve off;
* ``max_log_surplus``: the one polish of a Nash product, argmax sum_n log(W_n . y - floor_n) over a polytope,
  by sequential quadratic programming with HiGHS's QP solver (``highspy``).

Results are the same bits on every CPU and with any number of threads: HiGHS brings its own linear algebra, and
the polish computes every matrix product element by element (``dot``), never by BLAS. A polish by SLSQP
(scipy's, built on BLAS) gave Nash packages that differed in the 8th digit from one OpenBLAS kernel to another
(``OPENBLAS_CORETYPE``, i.e. from one CPU to another); ``tests/test_reproducible.py`` holds every golden output
to the same bytes under every kernel this CPU runs and 1 or 2 threads. ``one_blas_thread`` limits BLAS to one
thread around the branch and bound of the programmes, whose bounds (not their results) use numpy's matrix
products.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from contextlib import contextmanager

import highspy
import numpy as np
from scipy.optimize._highspy import _core as _scipy_highs  # the HiGHS that linprog calls
from threadpoolctl import ThreadpoolController

MIP_GAP = 1e-9  # relative optimality gap of every MILP (a gap of 0 can keep HiGHS proving for ever)
POLISH_ROUNDS = 60  # at most this many Newton steps in max_log_surplus
QP_ITERATIONS = 10_000  # a Newton step's QP gives up after this many iterations (HiGHS's active set can cycle on the
#                         rank-deficient Hessian of many continuous issues: 20 issues, 3 countries ran for minutes);
#                         the polish then keeps its last point: a count, not a clock, so every machine stops alike
_CHECK = np.sqrt(1e-9) * 10  # how far off its constraints linprog lets a solution be (scipy's _check_result)
_LP = {"presolve": "on", "simplex_strategy": 1}  # what linprog(method="highs") sets (dual simplex)
_MILP = {"presolve": "off", "mip_rel_gap": MIP_GAP}  # small programmes: faster without presolve
_THREAD = threading.local()


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


@contextmanager
def _quiet():
    """Send the C-level stdout to the null device while HiGHS starts or solves: the first HiGHS of a process prints
    a banner, and HiGHS may print a debug line when it repairs a solution (ERGO-Code/HiGHS#2783), either of which
    would land in ``show --json``."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _highs(kind: str, options: dict) -> highspy.Highs:
    """This thread's HiGHS object for one kind of programme."""
    h = getattr(_THREAD, kind, None)
    if h is None:
        with _quiet():
            h = highspy.Highs()
        for key, value in {"output_flag": False, "log_to_console": False, **options}.items():
            h.setOptionValue(key, value)
        setattr(_THREAD, kind, h)
    return h


def _model(cost, A: np.ndarray, row_lo, row_hi, lb, ub, library=highspy):
    """The programme with dense rows A, as compressed sparse columns (zeros left out, as scipy passes them), for
    ``library`` (highspy, or the HiGHS that scipy bundles)."""
    columns = A.T
    nonzero = columns != 0
    lp = library.HighsLp()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lb, ub
    lp.row_lower_, lp.row_upper_ = row_lo, row_hi
    lp.a_matrix_.format_ = library.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = A.shape[1], A.shape[0]
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(nonzero.sum(axis=1))]).astype(np.int32)
    lp.a_matrix_.index_ = np.nonzero(nonzero)[1].astype(np.int32)
    lp.a_matrix_.value_ = columns[nonzero]
    return lp


def lp(cost, A, b, lb, ub):
    """min cost . v subject to A v <= b, lb <= v <= ub, as ``linprog(method="highs")`` solves it (same HiGHS, same
    model, same options, the same check of the solution): (v, -optimum, row duals), or None when not solved."""
    h = getattr(_THREAD, "lp", None)
    if h is None:
        h = _THREAD.lp = _scipy_highs._Highs()
        for key, value in {"output_flag": False, "log_to_console": False, "highs_debug_level": 0, **_LP}.items():
            h.setOptionValue(key, value)
    h.passModel(_model(cost, A, np.full(len(b), -np.inf), b, lb, ub, _scipy_highs))
    h.clearSolver()
    h.run()
    if h.getModelStatus() != _scipy_highs.HighsModelStatus.kOptimal:
        return None
    solution = h.getSolution()
    x, row = np.array(solution.col_value), np.array(solution.row_value)
    if np.isnan(x).any() or np.any(x < lb - _CHECK) or np.any(x > ub + _CHECK) or np.any(b - row < -_CHECK):
        return None
    return x, -h.getInfo().objective_function_value, np.array(solution.row_dual)


def milp(cost, integer, lb, ub, rows) -> np.ndarray | None:
    """min cost . v subject to lo <= a . v <= hi for every row (columns, values, lo, hi), lb <= v <= ub, v integer
    where ``integer``: the solution, or None when there is none."""
    h = _highs("milp", _MILP)
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = len(cost), len(rows)
    model.col_cost_ = np.asarray(cost, dtype=float)
    model.col_lower_, model.col_upper_ = np.asarray(lb, dtype=float), np.asarray(ub, dtype=float)
    model.row_lower_ = np.array([r[2] for r in rows], dtype=float)
    model.row_upper_ = np.array([r[3] for r in rows], dtype=float)
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.num_col_, model.a_matrix_.num_row_ = len(cost), len(rows)
    model.a_matrix_.start_ = np.concatenate([[0], np.cumsum([len(r[0]) for r in rows])]).astype(np.int32)
    model.a_matrix_.index_ = np.concatenate([r[0] for r in rows]).astype(np.int32)
    model.a_matrix_.value_ = np.concatenate([r[1] for r in rows]).astype(float)
    model.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                          for i in integer]
    h.passModel(model)
    with _quiet():
        h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.array(h.getSolution().col_value)


def _qp(hessian, linear, A, b, lower, upper) -> np.ndarray | None:
    """argmin 1/2 d'Hd + linear . d subject to A d <= b, lower <= d <= upper (HiGHS's active-set QP solver)."""
    h = _highs("qp", {"qp_iteration_limit": QP_ITERATIONS})
    if not len(b):  # without a row, HiGHS 1.16's QP returns 0 for small steps: give it an empty one
        A, b = np.zeros((1, len(linear))), np.ones(1)
    model = highspy.HighsModel()
    model.lp_ = _model(linear, A, np.full(len(b), -np.inf), b, lower, upper)
    lower_triangle = np.tril(hessian).T  # row j: column j of the lower triangle
    kept = lower_triangle != 0
    q = highspy.HighsHessian()
    q.dim_, q.format_ = len(linear), highspy.HessianFormat.kTriangular
    q.start_ = np.concatenate([[0], np.cumsum(kept.sum(axis=1))]).astype(np.int32)
    q.index_ = np.nonzero(kept)[1].astype(np.int32)
    q.value_ = lower_triangle[kept]
    model.hessian_ = q
    h.passModel(model)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.clip(np.array(h.getSolution().col_value), lower, upper)


def dot(matrix: np.ndarray, y: np.ndarray) -> np.ndarray:
    """matrix @ y without BLAS (element-wise products summed by numpy): the same bits on every CPU."""
    return (matrix * y).sum(axis=-1)


def max_log_surplus(W: np.ndarray, floors: np.ndarray, A: np.ndarray, b: np.ndarray, lower: np.ndarray,
                    upper: np.ndarray, y0: np.ndarray) -> np.ndarray:
    """argmax sum_n log(W_n . y - floors_n) subject to A y <= b, lower <= y <= upper: the Nash product's polish.

    Sequential quadratic programming from ``y0`` (every surplus > 0): each step d maximises Newton's quadratic
    model of the objective over the constraints (HiGHS's QP; posed in d, so that HiGHS's regularisation of the
    QP vanishes at the optimum). Far from the optimum the step is halved until the value strictly improves; near
    it, where the value is flat to rounding, full steps go on while they keep shrinking (Newton's quadratic
    convergence), to the last bits of the optimum. At most ``POLISH_ROUNDS`` steps; ``y0`` when no step improves.
    """
    def value(y):
        surplus = dot(W, y) - floors
        with np.errstate(divide="ignore", invalid="ignore"):
            return surplus, (np.log(surplus).sum() if np.all(surplus > 0) else -np.inf)

    y = np.clip(np.asarray(y0, dtype=float), lower, upper)
    surplus, best = value(y)
    if best == -np.inf:
        return np.asarray(y0, dtype=float)
    last = np.inf  # the size of the last full step
    for _ in range(POLISH_ROUNDS):
        scaled = W / surplus[:, None]  # rows W_n / s_n: gradient -sum_n, Hessian sum_n of their outer products
        hessian = (scaled[:, :, None] * scaled[:, None, :]).sum(axis=0)
        step = _qp(hessian, -scaled.sum(axis=0), A, b - dot(A, y), lower - y, upper - y)
        if step is None:
            break
        size = float(np.abs(step).max())
        trial = np.clip(y + step, lower, upper)
        trial_surplus, trial_value = value(trial)
        if size < last and trial_value > -np.inf and trial_value >= best - 1e-12 * abs(best):
            y, surplus, best, last = trial, trial_surplus, max(best, trial_value), size
            if size == 0.0:
                break
            continue
        t = 0.5
        for _ in range(40):
            trial = np.clip(y + t * step, lower, upper)
            trial_surplus, trial_value = value(trial)
            if trial_value > best:
                break
            t /= 2
        else:
            break
        y, surplus, best, last = trial, trial_surplus, trial_value, np.inf
    return y
