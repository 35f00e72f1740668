"""Exact search over the packages of any issue space: two backends of ``analysis``, chunked enumeration
(``Enumeration``) and mixed-integer programming (``Milp``), sharing the ``Problem``.

A bargaining problem here is (preferences, issue space, decision rule, walk-away values r). A party *accepts* a
package that crosses none of its red lines and gives it at least r; a package *passes* when the parties that
accept it make up a winning coalition of the rule (``rules.Rule``: every party, or at least ``at_least`` with every
veto party). The best winning coalition of a package is its veto parties and the ``at_least - |veto|`` others
with the largest surpluses (under unanimity: every party). Every question is answered over all packages:

* ``zone``: max_x of the smallest surplus u_n(x) - r_n in the best winning coalition (a party past its red line
  counts -inf); a zone of agreement exists iff it is >= 0. Under unanimity: max_x min_n (u_n(x) - r_n) within
  every red line, as before.
* ``nash``: the passing package that maximises the product of the surpluses of its best winning coalition of
  exactly ``at_least`` parties (Nash 1950; under unanimity every party's).
* ``kalai_smorodinsky``: with each party's utopia gain U_n - r_n (U_n: its best utility among passing packages it
  accepts), its share (u_n - r_n) / (U_n - r_n): the passing package with the largest smallest share in its best
  winning coalition (every party under unanimity; Kalai & Smorodinsky 1975), ties going to the largest sum of
  every party's shares (so the point is Pareto-efficient).
* ``welfare``: the passing package with the largest sum of utilities.
* ``ray``: the largest s with u_n(x) >= origin_n + s d_n for every party, over packages within every red line
  (unanimity) or passing (quota): points of the Pareto frontier and distances to it.

Ties go to the first package in lexicographic order of the issues' options (the first issue most significant),
within TOL.

Two backends answer them. ``Enumeration`` (discrete spaces of at most ``ENUMERATE`` packages) visits every package,
in chunks: the utilities of the trailing issues' combinations are tabulated once and added to those of each chunk
of the leading issues' combinations (no Python loop over packages). ``Milp`` (larger or mixed spaces) solves
mixed-integer programmes with HiGHS (``highs.milp``, relative gap 1e-9): a binary per option of a
discrete issue; on a continuous issue some country values by a table, a binary per segment between breakpoints
and the position within it (the multiple-choice formulation: piecewise-linear values exactly, with a tight
relaxation); on other continuous issues the tangent lines of the single-peaked values (exact for the linear
shape, an outer approximation for the quadratic one, re-evaluated exactly); a binary per party that may vote no
(quota rules). The Nash product is maximised by outer approximation, Kelley's cutting planes on the logarithm of
each surplus, until the bound is within 1e-10 of the best package found (or stops improving, at the solver's
tolerance); continuous issues are then polished (``highs.max_log_surplus``, the same bits on every CPU) with
the discrete choices fixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..issues import IssueSpace
from ..preferences import Preferences
from ..rules import Rule
from . import highs

TOL = 1e-12  # ties
ACCEPT = 1e-12  # a surplus this far below 0 still counts as accepting (as agents answer)
ENUMERATE = 10**7  # discrete spaces up to this many packages are enumerated
CHUNK = 2**18  # packages per chunk
TAIL = 2**14  # the trailing issues' combinations tabulated once
TANGENTS = 33  # tangent lines per quadratic value function
NASH_GAP = 1e-10  # outer approximation of the log Nash product stops within this of the best package
NASH_ROUNDS = 60  # at most this many rounds of cuts
EPS = 1e-9  # smallest surplus in the log Nash product
CUT_FLOOR = 1e-4  # lowest surplus a cut of the log is taken at


def tangents(ideal: float, reach: float, exponent: float) -> tuple[np.ndarray, np.ndarray]:
    """Lines (intercepts a, slopes b) whose minimum is the single-peaked value function v(x) on [0, 1] (linear)
    or an outer approximation of it (quadratic)."""
    if exponent == 1.0:
        return np.array([1.0 - ideal / reach, 1.0 + ideal / reach]), np.array([1.0 / reach, -1.0 / reach])
    m = np.linspace(0.0, 1.0, TANGENTS)
    d = m - ideal
    v = 1.0 - (np.abs(d) / reach) ** exponent
    slope = -exponent * np.sign(d) * np.abs(d) ** (exponent - 1.0) / reach**exponent
    return v - slope * m, slope


# ------------------------------------------------------------------------------------------ the problem

class Problem:
    """A bargaining problem and what both backends share: candidate options, option utilities, the coalition.

    Attributes:
        must: Rows that must accept every passing package (every party under unanimity, else the veto parties).
        optional: The other rows; ``m`` of them must accept.
        lo, hi: (K,) the interval every ``must`` row's red lines leave on each issue.
        positions: (K, L) positions of the options of each discrete issue (padded).
        option_utility: (N, K, L) each party's weighted value of each option.
        breach: (N, K, L) whether an option lies past a party's red line.
        options: Per issue, the options no ``must`` row's red line excludes (None for a continuous issue).
        empty: Whether those red lines leave no package at all.
    """

    def __init__(self, prefs: Preferences, space: IssueSpace, rule: Rule, walk_away: np.ndarray):
        self.prefs, self.space, self.rule = prefs, space, rule
        self.r = np.asarray(walk_away, dtype=float)
        n, k = prefs.weights.shape
        self.must = np.arange(n) if rule.unanimous else np.array(sorted(rule.veto), dtype=int)
        self.optional = np.setdiff1d(np.arange(n), self.must)
        self.m = 0 if rule.unanimous else min(rule.others, len(self.optional))
        self.lo = prefs.lo[self.must].max(axis=0) if self.must.size else np.zeros(k)
        self.hi = prefs.hi[self.must].min(axis=0) if self.must.size else np.ones(k)
        width = int(space.sizes.max(initial=0)) + 1
        self.positions = np.zeros((k, width))
        for j in np.flatnonzero(space.discrete):
            self.positions[j] = np.concatenate([space.positions(j), np.ones(width - 1 - space.sizes[j])])
        self.option_utility = prefs.weights[:, :, None] * prefs.values_at(self.positions)
        pos = self.positions[None]
        self.breach = (pos < prefs.lo[:, :, None] - 1e-9) | (pos > prefs.hi[:, :, None] + 1e-9)
        if prefs.excluded is not None:
            self.breach |= prefs.excluded.mask[:, :, :width]
        self.options = [np.flatnonzero(~self.breach[self.must, j, :space.sizes[j] + 1].any(axis=0))
                        if space.discrete[j] else None for j in range(k)]
        self.empty = bool(np.any((self.lo > self.hi + 1e-9) & ~space.discrete)) or any(
            o is not None and o.size == 0 for o in self.options)

    @property
    def discrete(self) -> bool:
        return bool(self.space.discrete.all())

    def count(self) -> int:
        """Number of packages within the ``must`` rows' red lines (discrete spaces)."""
        return math.prod(len(o) for o in self.options)

    # Values of many packages are held party-major, (N, M): a reduction over the parties is then a few
    # element-wise operations on long rows.
    def effective(self, utility: np.ndarray, within: np.ndarray | None) -> np.ndarray:
        """Surpluses u - r, -inf for a party past its red lines: (N, M)."""
        gain = utility - self.r[:, None]
        return gain if within is None else np.where(within, gain, -np.inf)

    def _top(self, values: np.ndarray) -> np.ndarray:
        """The ``m`` largest of the optional parties' values: (N, M) -> (m, M), by an odd-even transposition sort
        of the rows (element-wise minima and maxima of long rows, fast where a per-column sort is not)."""
        rows = list(values[self.optional])
        if self.m == len(rows):
            return np.array(rows)
        for step in range(len(rows)):
            for j in range(step % 2, len(rows) - 1, 2):
                rows[j], rows[j + 1] = np.minimum(rows[j], rows[j + 1]), np.maximum(rows[j], rows[j + 1])
        return np.array(rows[-self.m:])

    def coalition(self, values: np.ndarray) -> np.ndarray:
        """The values of the best winning coalition: the ``must`` rows' and the ``m`` largest others': (N, M) ->
        (|must| + m, M)."""
        if self.rule.unanimous:
            return values
        parts = [values[self.must]] + ([self._top(values)] if self.m else [])
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)

    def coalition_min(self, values: np.ndarray) -> np.ndarray:
        return self.coalition(values).min(axis=0)

    def coalition_log(self, gains: np.ndarray) -> np.ndarray:
        """Log Nash product of the best winning coalition of exactly ``at_least`` parties (-inf without a positive
        surplus for each): (N, M) -> (M,)."""
        with np.errstate(divide="ignore"):
            return np.log(np.maximum(self.coalition(gains), 0.0).prod(axis=0))

    def evaluate(self, package: np.ndarray) -> np.ndarray:
        """Effective surpluses of one package: (K,) -> (N, 1)."""
        within = None if self.rule.unanimous else self.prefs.within_red_lines(package)[:, None]
        return self.effective(self.prefs.utility(package)[:, None], within)


@dataclass
class _Best:
    """The first package (by index) whose value is within TOL of the best seen, scanning chunk by chunk."""

    value: float = -np.inf
    index: int | None = None

    def offer(self, values: np.ndarray, start: int, index: np.ndarray | None = None) -> None:
        """Values of a chunk's packages (``index``: their positions in the chunk, by default 0, 1, ...)."""
        if values.size == 0:
            return
        top = float(values.max())
        if top > -np.inf and (self.index is None or top > self.value + TOL):
            first = int(np.argmax(values >= top - TOL))
            self.value, self.index = top, start + (first if index is None else int(index[first]))


@dataclass
class _Lexicographic:
    """The first package with the lexicographically largest key vector (within TOL per entry)."""

    keys: np.ndarray | None = None
    index: int | None = None

    def offer(self, primary: np.ndarray, keys_of, start: int, index: np.ndarray) -> None:
        """Primary keys of a chunk's packages at positions ``index``; ``keys_of(rows)`` their key vectors."""
        top = float(primary.max(initial=-np.inf))
        if top == -np.inf or (self.keys is not None and top < self.keys[0] - TOL):
            return
        floor = (top if self.keys is None else max(top, self.keys[0])) - TOL
        candidates = np.flatnonzero(primary >= floor)
        keys = keys_of(candidates)
        alive = np.ones(len(candidates), dtype=bool)
        for c in range(keys.shape[1]):
            alive &= keys[:, c] >= keys[alive, c].max() - TOL
        i = int(np.argmax(alive))
        if self.keys is None or _greater(keys[i], self.keys):
            self.keys, self.index = keys[i], start + int(index[candidates[i]])


def _greater(a: np.ndarray, b: np.ndarray) -> bool:
    for x, y in zip(a, b, strict=True):
        if x > y + TOL:
            return True
        if x < y - TOL:
            return False
    return False


# ------------------------------------------------------------------------------------------ enumeration

class _Exact:
    """What both exact backends share: their ``Problem``."""

    problem: Problem

    @property
    def empty(self) -> bool:
        return self.problem.empty


class Enumeration(_Exact):
    """Every package of a discrete space (within the ``must`` rows' red lines), in chunks."""

    def __init__(self, problem: Problem):
        p = self.problem = problem
        k = len(p.space)
        self.radix = [len(o) for o in p.options]
        self.utility = [p.option_utility[:, j, p.options[j]] for j in range(k)]  # (N, R_j)
        self.breach = None if p.rule.unanimous else [p.breach[:, j, p.options[j]].astype(np.int32)
                                                     for j in range(k)]
        t, size = k, 1
        while t > 0 and size * self.radix[t - 1] <= TAIL:
            t -= 1
            size *= self.radix[t]
        self.lead = t
        self.tail_utility = _cartesian(self.utility[t:], p.prefs.weights.shape[0])
        self.tail_breach = None if self.breach is None else _cartesian(self.breach[t:], p.prefs.weights.shape[0])
        self._scan: tuple[dict[str, _Best], np.ndarray] | None = None

    def chunks(self):
        """(index of the first package, utilities (N, M), within red lines (N, M) or None) per chunk."""
        n, nb = self.tail_utility.shape
        na = math.prod(self.radix[:self.lead])
        rows = max(1, CHUNK // nb)
        for a0 in range(0, na, rows):
            digits = self._digits(np.arange(a0, min(a0 + rows, na)), self.radix[:self.lead])
            lead = sum((u[:, d] for u, d in zip(self.utility, digits, strict=False)),
                       np.zeros((n, len(digits[0]) if digits else 1)))
            utility = (lead[:, :, None] + self.tail_utility[:, None, :]).reshape(n, -1)
            within = None
            if self.breach is not None:
                breach = sum((b[:, d] for b, d in zip(self.breach, digits, strict=False)),
                             np.zeros_like(lead, dtype=np.int32))
                within = ((breach[:, :, None] + self.tail_breach[:, None, :]) == 0).reshape(n, -1)
            yield a0 * nb, utility, within

    @staticmethod
    def _digits(index: np.ndarray, radix: list[int]) -> list[np.ndarray]:
        """Mixed-radix digits of indices, the first issue most significant."""
        digits = []
        for r in reversed(radix):
            digits.append(index % r)
            index = index // r
        return digits[::-1]

    def package(self, index: int) -> np.ndarray:
        p = self.problem
        digits = self._digits(np.array([index]), self.radix)
        return np.array([p.positions[j, p.options[j][d[0]]] for j, d in enumerate(digits)])

    def scan(self) -> tuple[dict[str, _Best], np.ndarray]:
        """One pass: the zone, welfare and Nash packages, and each party's utopia utility (-inf: none)."""
        if self._scan is None:
            p = self.problem
            best = {"zone": _Best(), "welfare": _Best(), "nash": _Best()}
            top = np.full(len(p.r), -np.inf)
            for start, utility, within in self.chunks():
                gains = p.effective(utility, within)
                slack = p.coalition_min(gains)
                best["zone"].offer(slack, start)
                passing = np.flatnonzero(slack >= -ACCEPT)
                if passing.size == 0:
                    continue
                utility, gains = utility[:, passing], gains[:, passing]
                top = np.maximum(top, np.where(gains >= -ACCEPT, utility, -np.inf).max(axis=1))
                best["welfare"].offer(utility.sum(axis=0), start, passing)
                best["nash"].offer(p.coalition_log(gains), start, passing)
            self._scan = best, top
        return self._scan

    def zone(self) -> tuple[np.ndarray | None, float]:
        found = self.scan()[0]["zone"]
        return (None, -np.inf) if found.index is None else (self.package(found.index), found.value)

    def utopia(self) -> np.ndarray | None:
        top = self.scan()[1]
        return None if np.any(np.isinf(top)) else top

    def welfare(self) -> np.ndarray | None:
        found = self.scan()[0]["welfare"]
        return None if found.index is None else self.package(found.index)

    def nash(self) -> np.ndarray | None:
        found = self.scan()[0]["nash"]
        return None if found.index is None or found.value == -np.inf else self.package(found.index)

    def kalai_smorodinsky(self, utopia: np.ndarray) -> np.ndarray | None:
        p = self.problem
        span = utopia - p.r
        free = span > 1e-12
        best = _Lexicographic()
        for start, utility, within in self.chunks():
            gains = p.effective(utility, within)
            passing = np.flatnonzero(p.coalition_min(gains) >= -ACCEPT)
            if passing.size == 0:
                continue
            gains, utility = gains[:, passing], utility[:, passing]
            free_, span_ = free[:, None], np.where(free, span, 1.0)[:, None]
            share = np.where(free_, gains / span_, np.where(gains >= -ACCEPT, np.inf, -np.inf))
            total = np.where(free_, (utility - p.r[:, None]) / span_, 0.0).sum(axis=0)
            keys = lambda c, s=share, t=total: np.column_stack([p.coalition_min(s[:, c]), t[c]])  # noqa: E731
            best.offer(p.coalition_min(share), keys, start, passing)
        return None if best.index is None else self.package(best.index)

    def ray(self, origin: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray | None, float]:
        p = self.problem
        up = direction > 0
        best = _Best()
        for start, utility, within in self.chunks():
            surplus = utility - origin[:, None]
            s = (surplus[up] / direction[up][:, None]).min(axis=0) if up.any() else np.zeros(utility.shape[1])
            ok = (surplus[~up] >= -1e-9).all(axis=0)
            if not p.rule.unanimous:
                ok &= p.coalition_min(p.effective(utility, within)) >= -ACCEPT
            best.offer(np.where(ok, s, -np.inf), start)
        return (None, -np.inf) if best.index is None else (self.package(best.index), best.value)


def _cartesian(tables: list[np.ndarray], n: int) -> np.ndarray:
    """Sums over every combination of one column per table (n, R_j), the first table most significant:
    (n, prod R_j)."""
    out = np.zeros((n, 1), dtype=tables[0].dtype if tables else float)
    for table in tables:
        out = (out[:, :, None] + table[:, None, :]).reshape(n, -1)
    return out


# ------------------------------------------------------------------------------------------ MILP

@dataclass
class _Model:
    """A mixed-integer linear programme under construction: variables, and rows lo <= a.x <= hi."""

    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[int] = field(default_factory=list)
    rows: list[tuple[np.ndarray, np.ndarray, float, float]] = field(default_factory=list)

    def var(self, lb: float, ub: float, integer: bool = False, count: int | None = None):
        first = len(self.lb)
        size = 1 if count is None else count
        self.lb += [lb] * size
        self.ub += [ub] * size
        self.integer += [int(integer)] * size
        return first if count is None else np.arange(first, first + size)

    def row(self, cols, vals, lo: float = -np.inf, hi: float = np.inf) -> None:
        self.rows.append((np.asarray(cols, dtype=int), np.asarray(vals, dtype=float), lo, hi))

    def copy(self) -> _Model:
        return _Model(list(self.lb), list(self.ub), list(self.integer), list(self.rows))

    def solve(self, objective: dict[int, float]) -> np.ndarray | None:
        """Maximise the objective; the solution, or None when there is none."""
        nv = len(self.lb)
        c = np.zeros(nv)
        for col, v in objective.items():
            c[col] -= v
        return highs.milp(c, self.integer, self.lb, self.ub, self.rows)


class Milp(_Exact):
    """The problem as mixed-integer programmes (see the module docstring)."""

    def __init__(self, problem: Problem):
        p = self.problem = problem
        prefs, space = p.prefs, p.space
        n, k = prefs.weights.shape
        model = self.model = _Model()
        self.expr: list[dict[int, float]] = [{} for _ in range(n)]  # u_n = sum coef * variable
        self.choice: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # discrete issue -> (columns, options)
        self.x: dict[int, int] = {}  # continuous issue -> column
        self.segments: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # tabled continuous issue -> (columns, points)
        tabled = np.zeros((n, k), dtype=bool) if prefs.tables is None else prefs.tables.tabled
        for j in range(k):
            w = prefs.weights[:, j]
            if space.discrete[j]:
                opts = p.options[j]
                cols = model.var(0.0, 1.0, True, len(opts))
                model.row(cols, np.ones(len(opts)), 1.0, 1.0)
                self.choice[j] = (cols, opts)
                for i in np.flatnonzero(w > 0):
                    self._add(i, cols, p.option_utility[i, j, opts])
                continue
            x = self.x[j] = model.var(p.lo[j], p.hi[j])
            exact = np.zeros(n, dtype=bool)
            if tabled[:, j].any():
                points = np.unique(np.clip(np.concatenate([[p.lo[j], p.hi[j]], prefs.ideal[:, j],
                                                           prefs.tables.points[:, j].ravel()]), p.lo[j], p.hi[j]))
                # multiple-choice formulation (locally ideal): a binary per segment, and the position within it
                segments = max(len(points) - 1, 1)
                ends = np.append(points, points[-1])[:segments + 1] if len(points) == 1 else points
                seg = model.var(0.0, 1.0, True, segments)
                at = model.var(0.0, float(ends[-1]), count=segments)
                model.row(seg, np.ones(segments), 1.0, 1.0)
                model.row(np.append(at, x), np.append(-np.ones(segments), 1.0), 0.0, 0.0)
                for s_, (a, b) in enumerate(zip(ends[:-1], ends[1:], strict=True)):
                    model.row([at[s_], seg[s_]], [1.0, -a], lo=0.0)
                    model.row([at[s_], seg[s_]], [1.0, -b], hi=0.0)
                self.segments[j] = (seg, ends)
                grid = np.zeros((k, len(ends)))
                grid[j] = ends
                values = prefs.values_at(grid)[:, j, :]
                width = np.where(ends[1:] > ends[:-1], ends[1:] - ends[:-1], 1.0)
                slope = (values[:, 1:] - values[:, :-1]) / width
                exact = tabled[:, j] | (prefs.exponent == 1.0)
                for i in np.flatnonzero(exact & (w > 0)):  # on segment s: v = v(a_s) + slope_s (x - a_s)
                    self._add(i, seg, w[i] * (values[i, :-1] - slope[i] * ends[:-1]))
                    self._add(i, at, w[i] * slope[i])
            for i in np.flatnonzero(~exact & (w > 0)):
                z = model.var(-np.inf, 1.0)
                for a0, b0 in zip(*tangents(prefs.ideal[i, j], prefs.reach[i, j], prefs.exponent[i]), strict=True):
                    model.row([z, x], [1.0, -b0], hi=a0)
                self._add(i, [z], [w[i]])
        self.accept = {int(i): model.var(0.0, 1.0, True) for i in p.optional}
        for i, a in self.accept.items():
            for j, (cols, opts) in self.choice.items():
                bad = p.breach[i, j, opts]
                if bad.any():
                    model.row([*cols[bad], a], np.ones(bad.sum() + 1), hi=1.0)
            for j, x in self.x.items():
                if prefs.lo[i, j] > p.lo[j] + 1e-12:
                    model.row([x, a], [-1.0, 1.0], hi=1.0 - prefs.lo[i, j])
                if prefs.hi[i, j] < p.hi[j] - 1e-12:
                    model.row([x, a], [1.0, 1.0], hi=1.0 + prefs.hi[i, j])

    def _add(self, party: int, cols, coefs) -> None:
        for c, v in zip(cols, coefs, strict=True):
            self.expr[party][int(c)] = self.expr[party].get(int(c), 0.0) + float(v)

    def _u(self, party: int, extra: dict[int, float] | None = None) -> tuple[list[int], list[float]]:
        terms = dict(self.expr[party])
        for c, v in (extra or {}).items():
            terms[c] = terms.get(c, 0.0) + v
        return list(terms), list(terms.values())

    def _passing(self, model: _Model, count_exactly: bool = False) -> None:
        """Rows for a package that passes at the walk-away values: the ``must`` rows and ``m`` others accept."""
        p = self.problem
        for i in p.must:
            model.row(*self._u(i), lo=p.r[i])
        for i, a in self.accept.items():
            model.row(*self._u(i, {a: -2.0}), lo=p.r[i] - 2.0)
        self._count(model, count_exactly)

    def _count(self, model: _Model, exactly: bool = False) -> None:
        if self.accept:
            cols = list(self.accept.values())
            model.row(cols, np.ones(len(cols)), self.problem.m, self.problem.m if exactly else np.inf)

    def package(self, solution: np.ndarray) -> np.ndarray:
        p = self.problem
        x = np.zeros(len(p.space))
        for j, (cols, opts) in self.choice.items():
            x[j] = p.positions[j, opts[int(np.argmax(solution[cols]))]]
        for j, col in self.x.items():
            x[j] = np.clip(solution[col], p.lo[j], p.hi[j])
        return x

    # ------------------------------------------------------------------------------ the questions
    def zone(self) -> tuple[np.ndarray | None, float]:
        p = self.problem
        model = self.model.copy()
        s = model.var(-2.0, 2.0)
        for i in p.must:
            model.row(*self._u(i, {s: -1.0}), lo=p.r[i])
        for i, a in self.accept.items():
            model.row(*self._u(i, {s: -1.0, a: -3.0}), lo=p.r[i] - 3.0)
        self._count(model)
        solution = model.solve({s: 1.0})
        if solution is None:
            return None, -np.inf
        x = self.package(solution)
        return x, float(p.coalition_min(p.evaluate(x))[0])

    def ray(self, origin: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray | None, float]:
        p = self.problem
        model = self.model.copy()
        if not p.rule.unanimous:
            self._passing(model)
        s = model.var(-np.inf, np.inf)
        for i in range(len(origin)):
            model.row(*self._u(i, {s: -float(direction[i])}), lo=origin[i])
        solution = model.solve({s: 1.0})
        if solution is None:
            return None, -np.inf
        x = self.package(solution)
        surplus = p.prefs.utility(x) - origin
        up = direction > 0
        return x, float((surplus[up] / direction[up]).min()) if up.any() else float(solution[s])

    def utopia(self) -> np.ndarray | None:
        """Each party's best utility among passing packages it accepts."""
        p = self.problem
        best = np.empty(len(p.r))
        for i in range(len(p.r)):
            model = self.model.copy()
            self._passing(model)
            if i in self.accept:
                model.lb[self.accept[i]] = 1.0
            solution = model.solve(dict(zip(*self._u(i), strict=True)))
            if solution is None:
                return None
            best[i] = p.prefs.utility(self.package(solution))[i]
        return best

    def welfare(self) -> np.ndarray | None:
        model = self.model.copy()
        self._passing(model)
        objective: dict[int, float] = {}
        for terms in self.expr:
            for c, v in terms.items():
                objective[c] = objective.get(c, 0.0) + v
        solution = model.solve(objective)
        return None if solution is None else self.package(solution)

    def nash(self) -> np.ndarray | None:
        """Maximise the log Nash product of a winning coalition of exactly ``at_least`` parties by cutting
        planes, then polish the continuous issues."""
        p = self.problem
        n = len(p.r)
        model = self.model.copy()
        q = model.var(EPS, 1.0, count=n)
        t = model.var(math.log(EPS), 0.0, count=n)
        for i in p.must:
            model.row(*self._u(i, {int(q[i]): -1.0}), lo=p.r[i])
        for i, a in self.accept.items():
            model.row(*self._u(i, {int(q[i]): -1.0, a: -2.0}), lo=p.r[i] - 2.0)
        self._count(model, exactly=True)

        def cut(i: int, at: float) -> None:  # t_i <= log(at) + (q_i - at) / at, times at (well scaled)
            at = min(max(at, CUT_FLOOR), 1.0)
            model.row([t[i], q[i]], [at, -1.0], hi=at * (math.log(at) - 1.0))

        for at in (1e-3, 1e-2, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0):
            for i in range(n):
                cut(i, at)
        best, best_value, best_solution, bounds = None, -np.inf, None, []
        for _ in range(NASH_ROUNDS):
            solution = model.solve({int(c): 1.0 for c in t})
            if solution is None:
                break
            x = self.package(solution)
            gains = p.evaluate(x)[:, 0]
            value = float(p.coalition_log(gains[:, None])[0])
            if value > best_value + TOL:
                best, best_value, best_solution = x, value, solution
            bounds.append(float(solution[t].sum()))
            if bounds[-1] - best_value <= NASH_GAP or (len(bounds) > 3 and bounds[-4] - bounds[-1] <= NASH_GAP):
                break  # converged, or stalled at the solver's tolerance (the polish below finishes the job)
            for i in range(n):
                cut(i, float(solution[q[i]]))
                if np.isfinite(gains[i]):
                    cut(i, float(gains[i]))
        if best is None or not self.x:
            return best
        return self._polish(best, best_solution)

    def _polish(self, x: np.ndarray, solution: np.ndarray) -> np.ndarray:
        """Maximise the log Nash product over the continuous issues with the discrete choices fixed (each value a
        minimum of lines on the chosen segment), by ``max_log_surplus``; keep it if it is better."""
        p = self.problem
        prefs = p.prefs
        gains = p.evaluate(x)[:, 0]
        members = np.concatenate([p.must, p.optional[np.argsort(-gains[p.optional], kind="stable")[:p.m]]])
        issues = np.array(sorted(self.x))
        lo, hi = p.lo[issues].copy(), p.hi[issues].copy()
        for a, j in enumerate(issues):
            lo[a] = max(lo[a], prefs.lo[members, j].max())
            hi[a] = min(hi[a], prefs.hi[members, j].min())
            if j in self.segments:
                seg, points = self.segments[j]
                s = int(np.argmax(solution[seg]))
                lo[a], hi[a] = max(lo[a], points[s]), min(hi[a], points[s + 1])
        if np.any(lo > hi):
            return x
        discrete = np.flatnonzero(p.space.discrete)
        fixed = (prefs.values(x) * prefs.weights)[members][:, discrete].sum(axis=1)  # utility from discrete issues
        lines = []  # (party index in members, issue index a, intercepts, slopes)
        for mi, i in enumerate(members):
            for a, j in enumerate(issues):
                if prefs.weights[i, j] <= 0:
                    continue
                tabled = prefs.tables is not None and prefs.tables.tabled[i, j]
                if tabled or (j in self.segments and prefs.exponent[i] == 1.0):
                    ends = np.array([lo[a], hi[a]])
                    grid = np.zeros((len(p.space), 2))
                    grid[j] = ends
                    v = prefs.values_at(grid, int(i))[j]
                    slope = (v[1] - v[0]) / (ends[1] - ends[0]) if ends[1] > ends[0] else 0.0
                    lines.append((mi, a, np.array([v[0] - slope * ends[0]]), np.array([slope])))
                else:
                    lines.append((mi, a, *tangents(prefs.ideal[i, j], prefs.reach[i, j], prefs.exponent[i])))
        c, nz = len(issues), len(lines)
        rows, rhs = [], []
        for z, (_, a, intercepts, slopes) in enumerate(lines):
            for a0, b0 in zip(intercepts, slopes, strict=True):
                row = np.zeros(c + nz)
                row[c + z], row[a] = 1.0, -b0
                rows.append(row)
                rhs.append(a0)
        A, b = np.array(rows).reshape(-1, c + nz), np.array(rhs)
        W = np.zeros((len(members), c + nz))
        for z, (mi, a, _, _) in enumerate(lines):
            W[mi, c + z] = prefs.weights[members[mi], issues[a]]
        floors = p.r[members] - fixed
        x0 = np.clip(x[issues], lo, hi)
        values0 = prefs.values(x)
        y0 = np.concatenate([x0, [values0[members[mi], issues[a]] for mi, a, _, _ in lines]])
        y = highs.max_log_surplus(W, floors, A, b, np.concatenate([lo, np.full(nz, -np.inf)]),
                            np.concatenate([hi, np.ones(nz)]), y0)
        polished = x.copy()
        polished[issues] = np.clip(y[:c], lo, hi)
        before = p.coalition_log(p.evaluate(x))[0]
        after = p.coalition_log(p.evaluate(polished))[0]
        return polished if after > before else x

    def kalai_smorodinsky(self, utopia: np.ndarray) -> np.ndarray | None:
        """The largest smallest share in a winning coalition, then the largest sum of shares: two programmes."""
        p = self.problem
        span = utopia - p.r
        free = span > 1e-12
        model = self.model.copy()
        self._passing(model)
        s = model.var(0.0, 1.0)
        for i in np.flatnonzero(free):
            extra = {s: -float(span[i])}
            if i in self.accept:
                extra[self.accept[i]] = -2.0
            model.row(*self._u(i, extra), lo=p.r[i] - (2.0 if i in self.accept else 0.0))
        solution = model.solve({s: 1.0})
        if solution is None:
            return None
        model.lb[s] = max(float(solution[s]) - 1e-9, 0.0)
        total: dict[int, float] = {}
        for i in np.flatnonzero(free):
            for c, v in self.expr[i].items():
                total[c] = total.get(c, 0.0) + v / span[i]
        again = model.solve(total)
        return self.package(solution if again is None else again)

