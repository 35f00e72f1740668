"""Outcome analysis on the package space: the zone of possible agreement (ZOPA).

The ZOPA is the set of packages that give every country at least its walk-away value and cross no red
line (DESIGN.md). It exists iff the best worst-off slack

    max_x min_n (u_n(x) - walk_away_n)   over packages x within every red line

is >= 0. Utilities are concave on each issue, so for a fixed choice of ordinal levels this is a linear
programme (each value function written as the minimum of its tangent lines); ordinal levels inside all
red lines are enumerated.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from .issues import IssueSpace
from .preferences import Preferences, walk_away_values

TANGENTS = 33  # tangent lines per value function for non-linear shapes


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


def _tangents(ideal: float, reach: float, exponent: float) -> tuple[np.ndarray, np.ndarray]:
    """Lines (intercepts a, slopes b) whose minimum is the value function v(x) on [0, 1] (linear) or
    an outer approximation of it (quadratic)."""
    if exponent == 1.0:
        return np.array([1.0 - ideal / reach, 1.0 + ideal / reach]), np.array([1.0 / reach, -1.0 / reach])
    m = np.linspace(0.0, 1.0, TANGENTS)
    d = m - ideal
    v = 1.0 - (np.abs(d) / reach) ** exponent
    slope = -exponent * np.sign(d) * np.abs(d) ** (exponent - 1.0) / reach**exponent
    return v - slope * m, slope


def max_min_slack(prefs: Preferences, space: IssueSpace, floors: np.ndarray) -> Zopa:
    """Maximise the smallest surplus over the floors (walk-away values), within every red line."""
    n, k = prefs.weights.shape
    lo, hi = prefs.lo.max(axis=0), prefs.hi.min(axis=0)
    if np.any(lo > hi + 1e-9):
        return Zopa(False, -np.inf, None)
    ordinal = np.flatnonzero(space.ordinal)
    continuous = np.flatnonzero(~space.ordinal)
    choices = []
    for j in ordinal:
        levels = np.arange(0.0, 1.0 + 1e-9, space.steps[j])
        choices.append(levels[(levels >= lo[j] - 1e-9) & (levels <= hi[j] + 1e-9)])
    best = Zopa(False, -np.inf, None)
    for combo in itertools.product(*choices):
        x = np.zeros(k)
        x[ordinal] = combo
        ord_utility = (prefs.weights[:, ordinal] * prefs.values(x)[:, ordinal]).sum(axis=1)
        x_c, slack = _lp(prefs, continuous, lo, hi, floors - ord_utility)
        x[continuous] = x_c
        true_slack = float(np.min(prefs.utility(x) - floors))
        if true_slack > best.slack:
            best = Zopa(true_slack >= -1e-9, true_slack, x)
    return best


def _lp(prefs: Preferences, issues: np.ndarray, lo: np.ndarray, hi: np.ndarray, floors: np.ndarray):
    """LP over the continuous issues: variables x_k, z_nk (value of issue k to country n), s."""
    n, c = prefs.weights.shape[0], len(issues)
    if c == 0:
        return np.zeros(0), float(np.min(-floors))
    nv = c + n * c + 1  # x, z (row-major n, k), s
    rows, rhs = [], []
    reach = prefs.reach
    for i in range(n):
        for a, k in enumerate(issues):
            intercept, slope = _tangents(prefs.ideal[i, k], reach[i, k], prefs.exponent[i])
            for a0, b0 in zip(intercept, slope, strict=True):  # z_ik - b x_k <= a
                row = np.zeros(nv)
                row[c + i * c + a], row[a] = 1.0, -b0
                rows.append(row)
                rhs.append(a0)
        row = np.zeros(nv)  # s - sum_k w_ik z_ik <= -floor_i
        row[c + i * c: c + (i + 1) * c] = -prefs.weights[i, issues]
        row[-1] = 1.0
        rows.append(row)
        rhs.append(-floors[i])
    objective = np.zeros(nv)
    objective[-1] = -1.0
    bounds = [(lo[k], hi[k]) for k in issues] + [(None, 1.0)] * (n * c) + [(None, None)]
    res = linprog(objective, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=bounds, method="highs")
    return res.x[:c], -res.fun


def initial_walk_away(scenario) -> np.ndarray:
    """Walk-away values at the start of talks (scenario beliefs, no noise)."""
    prefs = scenario.preferences
    no_deal_is_nothing = float(scenario.spec.protocol.no_deal == "termination")
    beliefs = np.array([no_deal_is_nothing if c.belief is None else c.belief
                        for c in scenario.spec.countries.values()])
    return walk_away_values(prefs, scenario.space.status_quo, scenario.threatener, beliefs)


def zopa(scenario, walk_away: np.ndarray | None = None) -> Zopa:
    """The zone of possible agreement of a scenario, for given walk-away values (default: initial)."""
    floors = initial_walk_away(scenario) if walk_away is None else np.asarray(walk_away, dtype=float)
    return max_min_slack(scenario.preferences, scenario.space, floors)
