"""Offer construction: the package a country tables for a given aspiration. Pure numpy, no Mesa.

A proposer starts from its ideal package and concedes, issue by issue, toward what the others want. Each
small concession costs it some utility and gains the others some acceptability; it makes the concessions
with the best gain-per-cost ratio first, until the utility it gives up reaches its budget 1 - aspiration.
With additive utilities this is a fractional knapsack, so the proposer concedes first on the issues it
cares least about relative to the others: logrolling (Raiffa 1982, ch. 10). It never crosses its own red
lines, and moving a package inside a partner's red line counts for a lot (``red_line_penalty`` per unit).

On an issue some country values by a table, or where red lines exclude options, there is no direction to walk:
the proposer's possible switches (every option of a discrete issue, or the points of a fine grid and every
breakpoint of a continuous one) are ordered by what they gain the others per utility they cost it, keeping
the upper concave hull of (cost, gain) from its best option: the greedy order of the multiple-choice knapsack
(Sinha & Zoltners 1979), logrolling over options.

The ordered list of concessions depends only on the preferences, so it is built once per proposer
(``concession_path``) and each round's offer is a cheap cut of it at the current budget (``offer``). Both come
in batches, for a strategy that holds many estimates of the others' weights at once: the paths of many sets of
weights (``concession_paths``; ``concession_path`` is one of them), the paths of many preferences (a batch's
preference groups, whose ideal points, red lines and weights differ: ``concession_paths_of``) and the cuts of many
paths (``offers``), each bit for bit what it would be alone: preferences are built together only when they share a
``structure`` (shapes, value tables, excluded options), every operation is elementwise or along one set's issue or
position axis, a sum over countries is taken country by country (elementwise, never a BLAS product, whose bits may
depend on the array's shape and the CPU's kernel), and arrays whose shape depends on the set (a path's length, the
switches' candidates) are computed together only with those of the same shape.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .cache import Cache, fingerprint
from .issues import IssueSpace
from .preferences import ExcludedOptions, Preferences, ValueTables, value

STEPS = 20  # pieces a continuous issue is cut into along the concession path
GRID = 101  # positions per issue searched for the others' most preferred point
CHUNK = 128  # most preferences whose paths are built at once (``concession_paths_of``): their arrays stay in the
# CPU's caches (768 at once take two fifths longer, 32 a third; BENCHMARKS.md)


@dataclass(frozen=True)
class ConcessionPath:
    """A proposer's concessions in the order it makes them.

    Attributes:
        start: (K,) the opening package (the proposer's ideal).
        positions: (K, S + 1) positions along each issue's path; column 0 is the start.
        issue: (P,) issue of each concession, in order.
        step: (P,) step index of the concession along its issue's path (1..S).
        cost: (P,) utility the proposer gives up with it.
        divisible: (P,) whether it can be made in part (continuous issues).
    """

    start: np.ndarray
    positions: np.ndarray
    issue: np.ndarray
    step: np.ndarray
    cost: np.ndarray
    divisible: np.ndarray

    @cached_property
    def cumulative(self) -> np.ndarray:
        """(P,) utility given up by the first 1..P concessions."""
        return np.cumsum(self.cost)

    @cached_property
    def reached(self) -> np.ndarray:
        """(P + 1, K) step reached on each issue after the first 0..P concessions."""
        steps = np.zeros((len(self.cost) + 1, len(self.start)), dtype=int)
        steps[np.arange(1, len(self.cost) + 1), self.issue] = self.step
        return np.maximum.accumulate(steps, axis=0)

    @cached_property
    def cut(self) -> tuple[list, ...]:
        """What ``_cut_one`` reads, as Python numbers: cumulative, cost, issue, step and divisible per concession,
        positions per issue, and (P + 1, K) the package after the first 0..P concessions."""
        packages = self.positions[np.arange(len(self.start)), self.reached]
        return (self.cumulative.tolist(), self.cost.tolist(), self.issue.tolist(), self.step.tolist(),
                self.divisible.tolist(), self.positions.tolist(), packages)

    def skipping(self, stop: int) -> ConcessionPath:
        """The concessions still open when the ordinal concession ``stop`` does not fit after the first ``stop``
        were made: those after it on other issues (cached: every cut that stops there shares it)."""
        cache = self.__dict__.setdefault("_skipping", {})
        if stop not in cache:
            keep = (np.arange(len(self.cost)) > stop) & (self.issue != self.issue[stop])
            cache[stop] = ConcessionPath(self.start, self.positions, self.issue[keep], self.step[keep],
                                         self.cost[keep], self.divisible[keep])
        return cache[stop]


@dataclass(frozen=True)
class _Sets:
    """E preference sets of one structure (``structure``: shapes, value tables, excluded options; ``prefs``'s), the
    arrays the paths depend on: ideal (with reach), lo and hi each either (N, K), shared by every set, or (E, N, K),
    one per set; weights (E, N, K). Every operation on them is elementwise or along the issue or position axis of one
    set, and a sum over countries is taken country by country (``acceptability``): each set computes the bits it
    computes alone."""

    prefs: Preferences
    ideal: np.ndarray
    reach: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    weights: np.ndarray

    @classmethod
    def of_weights(cls, prefs: Preferences, weights: np.ndarray) -> _Sets:
        """``prefs`` with each of E weights (E, N, K)."""
        return cls(prefs, prefs.ideal, prefs.reach, prefs.lo, prefs.hi, weights)

    @classmethod
    def stacked(cls, preferences: Sequence[Preferences]) -> _Sets:
        """Preferences of one structure, stacked; an array equal in every set is kept once (shared)."""
        first = preferences[0]

        def stack(name: str) -> np.ndarray:
            if all(getattr(p, name) is getattr(first, name) for p in preferences):
                return getattr(first, name)
            a = np.stack([getattr(p, name) for p in preferences])
            bits = a.view(np.uint8).reshape(len(a), -1)  # equal to the bit (0.0 and -0.0 differ)
            return a[0] if (bits == bits[0]).all() else a

        ideal = stack("ideal")
        reach = first.reach if ideal.ndim == 2 else np.stack([p.reach for p in preferences])
        return cls(first, ideal, reach, stack("lo"), stack("hi"), np.stack([p.weights for p in preferences]))

    @property
    def each(self) -> bool:
        """Whether the ideal points, or the red lines, are one per set (else every set's the same)."""
        return self.ideal.ndim == 3 or self.lo.ndim == 3 or self.hi.ndim == 3

    def take(self, which: np.ndarray) -> _Sets:
        """The sets ``which``."""
        return _Sets(self.prefs, *(a[which] if a.ndim == 3 else a for a in (self.ideal, self.reach, self.lo,
                                                                                self.hi, self.weights)))

    def issues(self, which: np.ndarray) -> _Sets:
        """The sets on the issues ``which`` alone."""
        prefs = self.prefs
        tables = None if prefs.tables is None else ValueTables(
            prefs.tables.tabled[:, which], prefs.tables.points[:, which], prefs.tables.values[:, which])
        excluded = (None if prefs.excluded is None
                    else ExcludedOptions(prefs.excluded.sizes[which], prefs.excluded.mask[:, which]))
        prefs = prefs.replace(ideal=prefs.ideal[:, which], weights=prefs.weights[:, which], lo=prefs.lo[:, which],
                              hi=prefs.hi[:, which], tables=tables, excluded=excluded)
        return _Sets(prefs, *(a[..., which] for a in (self.ideal, self.reach, self.lo, self.hi, self.weights)))

    def one(self, e: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(N, K) ideal, lo and hi of set ``e``."""
        return tuple(a[e] if a.ndim == 3 else a for a in (self.ideal, self.lo, self.hi))

    def values_at(self, positions: np.ndarray, row: int | None = None) -> np.ndarray:
        """``Preferences.values_at`` of every set: (..., K, M) -> (..., N, K, M), or (..., K, M) for ``row``."""
        prefs = self.prefs
        table = lambda: prefs.tables.arrays(row, extra=1)  # noqa: E731
        if row is None:
            return value(positions[..., None, :, :], self.ideal[..., None], self.reach[..., None],
                         prefs.exponent[:, None, None], prefs.linear, None if prefs.tables is None else table())
        return value(positions, self.ideal[..., row, :, None], self.reach[..., row, :, None], prefs.exponent[row],
                     table=None if prefs.tables is None else table())


def structure(prefs: Preferences) -> bytes:
    """Digest of what preferences whose paths are built together share (``concession_paths_of``): shapes, value
    tables and excluded options."""
    tables = () if prefs.tables is None else (prefs.tables.tabled, prefs.tables.points, prefs.tables.values)
    return fingerprint(prefs.exponent, *tables, None if prefs.excluded is None else prefs.excluded.mask)


def acceptability(
    prefs: Preferences, positions: np.ndarray, others: np.ndarray, red_line_penalty: float,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """The others' weighted value of positions on each issue, minus red-line excess.

    Args:
        prefs: Preferences (the proposer's beliefs about the others, if it models them).
        positions: (K, M) positions per issue, or (E, K, M): positions per set of weights.
        others: (N,) weight of each other country; 0 for the proposer.
        red_line_penalty: Cost per unit of a position beyond a partner's red line.
        weights: (E, N, K) E sets of weights to score with in place of ``prefs.weights``.

    Returns:
        (K, M) acceptability per issue and position; (E, K, M) with ``weights``, one per set of weights (each
        summed over the countries weighed, one by one, elementwise: the same bits at any shape).
    """
    return _acceptability(_Sets.of_weights(prefs, prefs.weights if weights is None else weights), positions, others,
                          red_line_penalty)


def _acceptability(sets: _Sets, positions: np.ndarray, others: np.ndarray, red_line_penalty: float) -> np.ndarray:
    """``acceptability`` under each set of ``sets``: positions (K, M) or (E, K, M) -> (E, K, M) (sets of weights
    (N, K): -> (K, M))."""
    excluded = sets.prefs.excluded
    if excluded is not None:
        excluded = np.moveaxis(excluded.at(np.swapaxes(positions, -1, -2)), -3, -1)  # (..., N, K, M)
    total = np.zeros(np.broadcast_shapes(positions.shape, sets.weights.shape[:-2] + positions.shape[-2:]))
    for j in np.flatnonzero(others):  # country by country, elementwise: the same bits at any shape (no BLAS)
        below, above = sets.lo[..., j, :, None] - positions, positions - sets.hi[..., j, :, None]
        excess = np.maximum(below, 0.0) + np.maximum(above, 0.0)
        if excluded is not None:
            excess = excess + excluded[..., j, :, :]
        score = sets.weights[..., j, :, None] * sets.values_at(positions, j) - red_line_penalty * excess
        total = total + others[j] * score
    return total


def concession_path(
    prefs: Preferences,
    space: IssueSpace,
    proposer: int,
    others: np.ndarray | None = None,
    red_line_penalty: float = 10.0,
) -> ConcessionPath:
    """Build the ordered concessions of ``proposer`` (``concession_paths`` of one set of weights, its own).

    Args:
        prefs: Preferences of all countries (the proposer's own row is used for its costs).
        space: The issue space (for ordinal levels).
        proposer: Row of the proposing country.
        others: (N,) how much the proposer weighs each other country's acceptance; default 1 each.
        red_line_penalty: Acceptability lost per unit beyond a partner's red line.
    """
    return concession_paths(prefs, space, proposer, prefs.weights[None], others, red_line_penalty)[0]


def concession_paths(
    prefs: Preferences,
    space: IssueSpace,
    proposer: int,
    weights: np.ndarray,
    others: np.ndarray | None = None,
    red_line_penalty: float = 10.0,
) -> list[ConcessionPath]:
    """Build the ordered concessions of ``proposer`` under each of E sets of weights at once (e.g. estimates of
    the others' weights, ``strategies.opponent_model``): path e is the path of ``prefs`` with ``weights[e]``.

    Args:
        prefs: Preferences of all countries (ideals, shapes, red lines; its weights are not used).
        space: The issue space (for ordinal levels).
        proposer: Row of the proposing country.
        weights: (E, N, K) the weights of each path (the proposer's row for its costs).
        others: (N,) how much the proposer weighs each other country's acceptance; default 1 each.
        red_line_penalty: Acceptability lost per unit beyond a partner's red line.
    """
    return _paths(_Sets.of_weights(prefs, weights), space, proposer, others, red_line_penalty)


def concession_paths_of(
    preferences: Sequence[Preferences],
    space: IssueSpace,
    proposer: int,
    others: np.ndarray | None = None,
    red_line_penalty: float = 10.0,
) -> list[ConcessionPath]:
    """Build the ordered concessions of ``proposer`` under each of E preferences at once (e.g. the preference groups
    of a heterogeneous batch): path e is ``concession_path(preferences[e], ...)``, bit for bit. Ideal points, red
    lines and weights may differ; the preferences of one ``structure`` (shapes, value tables, excluded options)
    are built together, ``CHUNK`` at a time.
    """
    groups: dict[bytes, list[int]] = {}
    digests: dict[tuple[int, int, int], bytes] = {}  # preferences that hold the same arrays share a structure
    for e, prefs in enumerate(preferences):
        same = (id(prefs.exponent), id(prefs.tables), id(prefs.excluded))
        if same not in digests:
            digests[same] = structure(prefs)
        groups.setdefault(digests[same], []).append(e)
    paths: list[ConcessionPath] = [None] * len(preferences)  # type: ignore[list-item]
    for members in groups.values():
        for chunk in (members[i:i + CHUNK] for i in range(0, len(members), CHUNK)):
            sets = (_Sets.of_weights(preferences[chunk[0]], preferences[chunk[0]].weights[None]) if len(chunk) == 1
                    else _Sets.stacked([preferences[e] for e in chunk]))
            for e, path in zip(chunk, _paths(sets, space, proposer, others, red_line_penalty), strict=True):
                paths[e] = path
    return paths


def _paths(sets: _Sets, space: IssueSpace, proposer: int, others: np.ndarray | None, red_line_penalty: float
           ) -> list[ConcessionPath]:
    """The paths of ``proposer`` under each of E ``sets`` (``concession_paths``, ``concession_paths_of``)."""
    prefs, weights = sets.prefs, sets.weights
    n, k = prefs.weights.shape
    if others is None:
        others = np.ones(n)
    others = np.where(np.arange(n) == proposer, 0.0, others)
    start = space.snap(sets.ideal[..., proposer, :])  # (K,), or (E, K): one per set

    # Target per issue: the others' most acceptable grid position inside the proposer's own red lines, nearest to
    # the proposer's ideal among ties; a continuous path stops at the exact peak if it gets there first (``peaks``).
    target, top = peaks(sets, space, proposer, others, red_line_penalty, start)  # (E, K) each

    # Path from start to target: equal steps for continuous issues, one level per step for ordinal ones;
    # on issues with value tables or excluded options, the switches of the concave hull (``switches``).
    discrete = space.discrete
    levels_to_move = np.where(discrete, np.round(np.abs(target - start) / np.where(discrete,
                              space.steps, 1.0)), 0)
    hulls = switches(sets, space, proposer, others, red_line_penalty, start)
    longest = [max(map(len, hull.values()), default=0) for hull in hulls]
    steps = np.maximum(np.maximum(levels_to_move.max(axis=-1, initial=0), longest), STEPS).astype(int)
    toward = np.sign(target - start)
    room = np.maximum(toward * (top - start), 0.0)
    divisible = ~(discrete | np.isin(np.arange(k), switching(prefs)))

    paths: list[ConcessionPath | None] = [None] * len(weights)
    for length in np.unique(steps):  # the paths of one length at once
        which = np.flatnonzero(steps == length)
        some = sets.take(which)
        begin = start[which] if start.ndim == 2 else start  # (E', K) or (K,)
        s = np.arange(length + 1)
        distance = np.abs(target[which] - begin)[..., None]
        continuous_path = begin[..., None] + toward[which][..., None] * np.minimum(distance * s / length,
                                                                                    room[which][..., None])
        ordinal_path = begin[..., None] + (np.sign(target[which] - begin) * space.steps)[..., None] * np.minimum(
            s, levels_to_move[which][..., None])
        positions = np.where(discrete[:, None], ordinal_path, continuous_path)  # (E', K, S + 1)
        for i, e in enumerate(which):
            first = begin[i] if begin.ndim == 2 else begin
            for j, moves in hulls[e].items():
                positions[i, j] = np.concatenate([[first[j]], moves, np.full(length - len(moves), moves[-1]
                                                                             if moves.size else first[j])])

        own = some.weights[:, proposer][..., None] * some.values_at(positions, proposer)
        cost = own[..., :-1] - own[..., 1:]
        gain = np.diff(_acceptability(some, positions, others, red_line_penalty), axis=-1)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # a free move: infinite ratio
            ratio = np.where(gain > 1e-12, gain / np.maximum(cost, 0.0), 0.0)
        ratio = np.minimum.accumulate(ratio, axis=-1)  # concessions along one issue are made in path order
        path, issue, step = np.nonzero(ratio > 0)
        order = np.lexsort((step, -ratio[path, issue, step], path))  # each path's by falling ratio
        path, issue, step = path[order], issue[order], step[order]
        bounds = np.searchsorted(path, np.arange(len(which) + 1))
        begin = np.broadcast_to(begin, (len(which), k))
        cost, moves = np.maximum(cost[path, issue, step], 0.0), divisible[issue]  # every path's at once
        cumulative, reached = _running(cost, issue, step + 1, np.diff(bounds), k)
        for i, e in enumerate(which):  # each path's arrays its own (a view would keep the whole batch's)
            part, rows = slice(bounds[i], bounds[i + 1]), slice(bounds[i] + i, bounds[i + 1] + i + 1)
            paths[e] = ConcessionPath(start=begin[i].copy(), positions=positions[i].copy(), issue=issue[part].copy(),
                                      step=step[part] + 1, cost=cost[part].copy(), divisible=moves[part].copy())
            paths[e].__dict__.update(cumulative=cumulative[part].copy(), reached=reached[rows].copy())  # cached
    return paths


def _running(cost: np.ndarray, issue: np.ndarray, step: np.ndarray, lengths: np.ndarray, k: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """``ConcessionPath.cumulative`` and ``reached`` of paths whose concessions (``lengths`` each) are joined end to
    end, computed for all at once: the same values (a path's P + 1 rows of reached follow one another)."""
    owner = np.repeat(np.arange(len(lengths)), lengths)
    at = np.arange(len(cost)) - (np.cumsum(lengths) - lengths)[owner]
    # the costs laid out one path a row, summed along the rows: a sum runs element after element, so each row's are
    # its path's own bits
    rows = np.zeros((len(lengths), int(lengths.max(initial=0))))
    rows[owner, at] = cost
    cumulative = np.cumsum(rows, axis=1)[owner, at]
    # path e's rows are lifted by e * top, above every row of the paths before it, so one running maximum down the
    # joined rows is each path's own
    top = int(step.max(initial=0)) + 1
    lift = np.repeat(np.arange(len(lengths)) * top, lengths + 1)[:, None]
    steps = np.broadcast_to(lift, (len(lift), k)).copy()
    steps[np.arange(len(step)) + owner + 1, issue] += step
    return cumulative, np.maximum.accumulate(steps, axis=0) - lift


def peaks(sets: _Sets, space: IssueSpace, proposer: int, others: np.ndarray, red_line_penalty: float,
          start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(E, K) grid target and (E, K) peak per issue under each of E ``sets``: the others' most acceptable position
    inside the proposer's own red lines, nearest to ``start`` ((K,) or (E, K)) among ties, among the ``GRID`` grid
    positions, and exactly (``_peaks``) on continuous issues. A discrete issue's path walks level by level to its
    target (its peak is the target): its grid's distinct positions are all it scores, the same first best."""
    grid, discrete = space.grid(GRID), space.discrete
    target = np.empty(np.broadcast_shapes(start.shape, (len(sets.weights), len(grid))))
    peak = np.empty_like(target)
    levels = np.flatnonzero(discrete)
    if levels.size:
        x = [np.unique(grid[k]) for k in levels]
        x = np.array([np.concatenate([row, np.full(max(map(len, x)) - len(row), row[-1])]) for row in x])
        some = sets.issues(levels)
        score = _scored(some, x, others, red_line_penalty, proposer, start[..., levels])
        target[:, levels] = peak[:, levels] = _pick(x, score.argmax(axis=-1))
    rest = np.flatnonzero(~discrete)
    if rest.size:
        target[:, rest], peak[:, rest] = _peaks(sets.issues(rest), space, rest, proposer, others, red_line_penalty,
                                                start[..., rest])
    return target, peak


def _scored(sets: _Sets, x: np.ndarray, others: np.ndarray, red_line_penalty: float, proposer: int,
            start: np.ndarray) -> np.ndarray:
    """Acceptability of positions x (K, M) or (E, K, M), less 1e-9 per unit away from ``start`` (a tie goes to the
    nearest); -inf outside the proposer's red lines."""
    lo, hi = sets.lo[..., proposer, :, None] - 1e-9, sets.hi[..., proposer, :, None] + 1e-9
    score = _acceptability(sets, x, others, red_line_penalty)
    return np.where((x >= lo) & (x <= hi), score - 1e-9 * np.abs(x - start[..., None]), -np.inf)


def _peaks(sets: _Sets, space: IssueSpace, issues: np.ndarray, proposer: int, others: np.ndarray,
           red_line_penalty: float, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``peaks`` on continuous ``issues`` (``sets`` on them alone).

    On a single-peaked issue acceptability is concave (a weighted sum of concave values minus convex red-line
    excess), so it never falls on the way from ``start`` to its peak: every step of the path gains the others
    something, in every part of it. The peak must be exact for that: a grid point past it would end the path
    with a step that first gains and then loses. The kinks (every ideal and red-line bound) are candidates
    besides the grid; between two kinks acceptability is linear or quadratic, so the parabola through the ends
    and middle of each interval next to the best candidate finds a peak inside it. The grid and the kinks are
    scored at once (acceptability is elementwise in the positions: each has the bits it has alone).
    """
    kinks = (sets.ideal, sets.lo, sets.hi)
    kinks = np.swapaxes(np.clip(np.concatenate(np.broadcast_arrays(*kinks) if sets.each else kinks, axis=-2), 0.0, 1.0),
                        -1, -2)  # (K, 3N) or (E, K, 3N): continuous issues' kinks, as ``space.snap`` has them
    grid = space.grid(GRID)[issues]
    x = np.concatenate([grid if kinks.ndim == 2 else np.broadcast_to(grid, kinks.shape[:-2] + grid.shape), kinks],
                       axis=-1)
    score = _scored(sets, x, others, red_line_penalty, proposer, start)  # (E, K, G + 3N)
    target = grid[np.arange(len(grid)), score[..., :GRID].argmax(axis=-1)]
    best = score.argmax(axis=-1)
    mid = _pick(x, best)[..., None]  # (E, K, 1)
    left = np.where(x < mid - 1e-9, x, -np.inf).max(axis=-1, initial=-np.inf)  # the nearest candidates either side
    right = np.where(x > mid + 1e-9, x, np.inf).min(axis=-1, initial=np.inf)
    mid = mid[..., 0]
    left, right = np.where(np.isfinite(left), left, mid), np.where(np.isfinite(right), right, mid)
    a, b = np.stack([left, mid], axis=-1), np.stack([mid, right], axis=-1)  # the intervals either side
    f = _acceptability(sets, np.concatenate([a, (a + b) / 2, b], axis=-1), others, red_line_penalty)
    fa, fm, fb = f[..., :2], f[..., 2:4], f[..., 4:]
    curve = fa - 2 * fm + fb
    with np.errstate(divide="ignore", invalid="ignore"):
        vertex = np.where(curve < -1e-15, (a + b) / 2 - (b - a) / 4 * (fb - fa) / curve, mid[..., None])
    vertex = np.clip(vertex, a, b)
    x = np.concatenate([mid[..., None], vertex], axis=-1)
    score = np.concatenate([_pick(score, best)[..., None],
                            _scored(sets, vertex, others, red_line_penalty, proposer, start)], axis=-1)
    return target, np.take_along_axis(x, score.argmax(axis=-1)[..., None], axis=-1)[..., 0]


def _pick(x: np.ndarray, index: np.ndarray) -> np.ndarray:
    """(E, K) ``x[..., k, index[..., k]]`` of positions (K, M), or (E, K, M): one set per row of ``index`` (E, K)."""
    if x.ndim == 2:
        return x[np.arange(x.shape[0]), index]
    return np.take_along_axis(x, index[..., None], axis=-1)[..., 0]


def switches(sets: _Sets, space: IssueSpace, proposer: int, others: np.ndarray, red_line_penalty: float,
             start: np.ndarray) -> list[dict[int, np.ndarray]]:
    """The proposer's switches under each of E ``sets``, on every issue where some country has a value table or
    red lines exclude options: per set, issue -> positions to move to, in order (may be empty).

    The candidates are the issue's options (discrete) or a grid of ``GRID`` points plus every table point, ideal
    and red-line bound (continuous), inside the proposer's own red lines. Each costs the proposer its value lost
    from ``start`` ((K,) or (E, K)) and gains the others their acceptability; the switches are the vertices of the
    upper concave hull of (cost, gain) from (0, 0), so they come in falling order of gain per cost. The sets whose
    candidates are as many are weighed at once (a set's arrays then have the shapes they have alone).
    """
    prefs, count = sets.prefs, len(sets.weights)
    issues = switching(prefs)
    if issues.size == 0:
        return [{} for _ in range(count)]

    def candidates(ideal: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> dict[int, np.ndarray]:
        out = {}
        for j in issues:
            if space.discrete[j]:
                out[j] = space.positions(j)
            else:
                extra = [ideal[:, j], lo[:, j], hi[:, j]]
                if prefs.tables is not None:
                    extra.append(prefs.tables.points[:, j].ravel())
                out[j] = np.unique(np.clip(np.concatenate([np.linspace(0.0, 1.0, GRID), *extra]), 0.0, 1.0))
        return out

    shared = not sets.each or bool(space.discrete[issues].all())  # the candidates do not depend on the set
    each = [candidates(*sets.one(e)) for e in range(count)] if not shared else [candidates(*sets.one(0))] * count
    widths = np.array([max(len(c) for c in cands.values()) for cands in each])
    out: list[dict[int, np.ndarray]] = [{} for _ in range(count)]
    for width in np.unique(widths):
        which = np.flatnonzero(widths == width)
        some = sets.take(which)
        begin = start[which] if start.ndim == 2 else start  # (E', K) or (K,)
        positions = np.tile(begin[..., None], (1, width) if shared or begin.ndim == 2 else (len(which), 1, width))
        for i, e in enumerate(which[:1] if shared else which):
            for j, c in each[e].items():
                padded = np.concatenate([c, np.full(width - len(c), c[-1])])
                if shared:  # every set's row j at once
                    positions[..., j, :] = padded
                else:
                    positions[i, j] = padded
        own = some.weights[:, proposer][..., None] * some.values_at(positions, proposer)  # (E', K, W)
        gain = _acceptability(some, positions, others, red_line_penalty)
        base = _acceptability(some, begin[..., None], others, red_line_penalty)[..., 0]
        own_start = some.weights[:, proposer] * some.values_at(begin[..., None], proposer)[..., 0]
        allowed = ((positions >= some.lo[..., proposer, :, None] - 1e-9)
                   & (positions <= some.hi[..., proposer, :, None] + 1e-9))
        if prefs.excluded is not None:
            allowed &= ~np.swapaxes(prefs.excluded.at(np.swapaxes(positions, -1, -2))[..., proposer, :], -1, -2)
        for i, e in enumerate(which):
            at, ok = (positions[i], allowed[i]) if positions.ndim == 3 else (positions, allowed)
            hull = {}
            for j in issues:
                keep = ok[j] & (gain[i, j] - base[i, j] > 1e-12)
                hull[j] = upper_hull(at[j][keep], np.maximum(own_start[i, j] - own[i, j][keep], 0.0),
                                     gain[i, j][keep] - base[i, j])
            out[e] = hull
    return out


def switching(prefs: Preferences) -> np.ndarray:
    """The issues where some country has a value table or red lines exclude options (the proposer switches there)."""
    tabled = np.zeros(prefs.weights.shape[1], dtype=bool) if prefs.tables is None else prefs.tables.tabled.any(axis=0)
    if prefs.excluded is not None:
        tabled |= prefs.excluded.mask.any(axis=(0, 2))
    return np.flatnonzero(tabled)


def upper_hull(moves: np.ndarray, cost: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """The moves on the upper concave hull of (cost, gain) from (0, 0), by rising cost (gain > 0 for each)."""
    order = np.lexsort((-gain, cost))
    hull: list[int] = []
    best = 0.0
    for i in order:  # by rising cost; keep only moves that gain more than every cheaper one
        if gain[i] <= best + 1e-15:
            continue
        best = gain[i]
        while hull:
            c0, g0 = (cost[hull[-2]], gain[hull[-2]]) if len(hull) > 1 else (0.0, 0.0)
            c1, g1 = cost[hull[-1]], gain[hull[-1]]
            if (g1 - g0) * (cost[i] - c0) <= (gain[i] - g0) * (c1 - c0) + 1e-15:  # hull[-1] lies on or below
                hull.pop()
            else:
                break
        hull.append(i)
    return moves[hull]


def offer(path: ConcessionPath, budget: float | np.ndarray) -> np.ndarray:
    """The package the proposer tables when it may give up ``budget`` utility (1 - aspiration): (K,) for one
    budget, (M, K) for M budgets (each row exactly what its budget alone gives).

    Concessions are made in path order while they fit; a continuous one that does not fit is made in
    part; an ordinal one that does not fit is skipped, with the rest of its issue, and cheaper
    concessions on other issues still follow.
    """
    if type(budget) is float:  # a single run's offer (``CountryAgent.package_at``)
        return _offer_one(path, budget)
    budgets = np.asarray(budget, dtype=float)
    if budgets.size == 1:  # one offer
        x = _offer_one(path, budgets.item())
        return x if budgets.ndim == 0 else x.reshape(*budgets.shape, -1)
    return offers([path], np.zeros(budgets.size, dtype=int), budgets)


FEW_CUTS = 8  # up to this many rows, ``offers`` cuts each alone: numpy's cost per call outweighs the work


def offers(paths: list[ConcessionPath], which: np.ndarray, budgets: np.ndarray) -> np.ndarray:
    """(M, K) the packages ``offer(paths[which[i]], budgets[i])`` of M rows, cut from several paths at once (e.g. one
    per estimate of the others' weights, ``strategies.opponent_model``)."""
    if len(paths) == 1 and len(budgets) == 1:
        return _offer_one(paths[0], float(budgets[0]))[None]
    if len(budgets) <= FEW_CUTS:  # row by row on Python numbers (``_cut_one``: the same bits)
        return np.array([_offer_one(paths[e], b) for e, b in zip(which.tolist(), budgets.tolist(), strict=True)])
    index: dict[int, int] = {}
    each = np.array([index.setdefault(id(path), len(index)) for path in paths])
    if len(index) < len(paths):  # groups sharing a path (one object, from the scenario's cache): each path once
        paths, which = list({id(path): path for path in paths}.values()), each[which]
    reached, partial_issue, partial_at = _cut(paths, which, budgets)
    x = _at(paths, which[:, None], np.arange(len(paths[0].start)), reached)
    rows = np.flatnonzero(partial_issue >= 0)
    x[rows, partial_issue[rows]] = partial_at[rows]
    return x


def _cut(paths: list[ConcessionPath], which: np.ndarray, remaining: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut path ``which[i]`` at budget ``remaining[i]``, for M rows: (M, K) steps reached, and the issue (-1: none)
    and position of a continuous concession made in part. The concessions that fit are taken in order (the sums
    cached on each path); if the first that does not fit is ordinal, its issue is closed and the rest is cut again
    (``skipping``). The paths' concessions are joined end to end (``_joined``): a row's are ``first`` to ``end``."""
    m, k = len(remaining), len(paths[0].start)
    partial_issue, partial_at = np.full(m, -1), np.zeros(m)
    lengths = np.array([len(path.cost) for path in paths])
    if not lengths.any():
        return np.zeros((m, k), dtype=int), partial_issue, partial_at
    cumulative, cost, issues, steps, divisible, reached, first, end = _joined(paths, lengths, which)
    going = remaining > 1e-12
    n = np.where(going, _fitting(cumulative, lengths, which, remaining + 1e-12), first)  # made: first to n - 1
    reached = reached[n if len(paths) == 1 else n + which]  # path e's P + 1 rows of reached start at first + e
    going &= n < end
    remaining = np.where(going & (n > first), remaining - cumulative[np.maximum(n - 1, 0)], remaining)
    nxt = np.minimum(n, len(cumulative) - 1)
    part = going & divisible[nxt]
    if part.any():
        c = nxt[part]
        issue, frac = issues[c], remaining[part] / cost[c]
        a, b = _at(paths, which[part], issue, steps[c] - 1), _at(paths, which[part], issue, steps[c])
        partial_issue[part], partial_at[part] = issue, a + frac * (b - a)
    skip = going & ~part & (remaining > 1e-12)
    if skip.any():
        rows = np.flatnonzero(skip)
        stops, sub = np.unique(which[rows] * (lengths.max() + 1) + (n - first)[rows], return_inverse=True)
        skipping = [paths[e].skipping(int(stop)) for e, stop in zip(*np.divmod(stops, lengths.max() + 1), strict=True)]
        more, issue, at = _cut(skipping, sub.reshape(-1), remaining[rows])
        reached[rows] = np.maximum(reached[rows], more)
        partial_issue[rows], partial_at[rows] = issue, at
    return reached, partial_issue, partial_at


def _offer_one(path: ConcessionPath, budget: float) -> np.ndarray:
    """(K,) ``offers`` of one path at one budget (a single run's offer), cut by ``_cut_one``."""
    n, reached, issue, at = _cut_one(path, budget)
    x = path.cut[6][n].copy() if reached is None else path.positions[np.arange(len(reached)), reached]
    if issue >= 0:
        x[issue] = at
    return x


def _cut_one(path: ConcessionPath, remaining: float) -> tuple[int, np.ndarray | None, int, float]:
    """``_cut`` of one path at one budget, on Python numbers where ``_cut`` acts on arrays of one (numpy's cost per
    call outweighs the work): the same steps and the same arithmetic, so the same bits (tests hold them equal).
    Returns the concessions made n, the steps reached (None: the path's own after n, ``path.reached[n]``), and
    the issue (-1: none) and position of a continuous concession made in part."""
    cumulative, cost, issues, steps, divisible, positions, _ = path.cut
    n = bisect.bisect_right(cumulative, remaining + 1e-12) if remaining > 1e-12 else 0  # searchsorted, side="right"
    if remaining <= 1e-12 or n == len(cost):
        return n, None, -1, 0.0
    if n:
        remaining = remaining - cumulative[n - 1]
    issue = issues[n]
    if divisible[n]:
        a, b = positions[issue][steps[n] - 1], positions[issue][steps[n]]
        return n, None, issue, a + remaining / cost[n] * (b - a)
    if remaining > 1e-12:
        rest = path.skipping(n)
        m, more, issue, at = _cut_one(rest, remaining)
        return n, np.maximum(path.reached[n], rest.reached[m] if more is None else more), issue, at
    return n, None, -1, 0.0


def _joined(paths: list[ConcessionPath], lengths: np.ndarray, which: np.ndarray) -> tuple:
    """The paths' cumulative, cost, issue, step, divisible and reached end to end (one path: its own), and where
    each row's path's concessions start and end in them."""
    if len(paths) == 1:
        path = paths[0]
        return path.cumulative, path.cost, path.issue, path.step, path.divisible, path.reached, 0, lengths[0]
    first = (np.cumsum(lengths) - lengths)[which]
    return (*(np.concatenate([getattr(path, name) for path in paths]) for name in
              ("cumulative", "cost", "issue", "step", "divisible", "reached")), first, first + lengths[which])


def _fitting(cumulative: np.ndarray, lengths: np.ndarray, which: np.ndarray, budgets: np.ndarray) -> np.ndarray:
    """``searchsorted(side="right")`` of each budget among the joined sums of its row's path (``_joined``): pairs
    (path, sum), as complex numbers, sort lexicographically."""
    if len(lengths) == 1:
        return np.searchsorted(cumulative, budgets, side="right")
    joined, rows = np.repeat(np.arange(len(lengths)), lengths).astype(complex), which.astype(complex)
    joined.imag, rows.imag = cumulative, budgets
    return np.searchsorted(joined, rows, side="right")


def _at(paths: list[ConcessionPath], which: np.ndarray, issue: np.ndarray, step: np.ndarray) -> np.ndarray:
    """``paths[which].positions[issue, step]``, broadcast."""
    if len(paths) == 1:
        return paths[0].positions[issue, step]
    first, width, at = [], [], 0  # each path's first position in the joined ones, and its (K, W)'s W: summed in
    for path in paths:  # Python (a heterogeneous batch's rounds make hundreds of these calls on a few paths)
        k, w = path.positions.shape
        first.append(at)
        width.append(w)
        at += k * w
    first, width = np.array(first), np.array(width)
    return np.concatenate([path.positions.ravel() for path in paths])[first[which] + issue * width[which] + step]


# ------------------------------------------------------------------------------------------- coalition offers
ENUMERABLE = 100_000  # most packages a coalition-aware proposer (or mediator) weighs one by one
CONTINUOUS_POINTS = 11  # positions of a continuous issue among them


@dataclass(frozen=True)
class Coalitions:
    """Every package a proposer could table under a quota rule, ranked for it (``coalitions``).

    Attributes:
        packages: (P, K) the candidate packages within the proposer's red lines and worth at least its walk-away
            value, in the tier it tables from, by falling utility to it.
        own: (P,) the proposer's utility of each.
        best: (P,) index of the package it tables when it may give up utility down to ``own[i]``: the best for
            its winning coalition among the first i + 1 (a running best).
        passing: whether they pass the rule as the proposer believes (every coalition member within its red
            lines and at or above its walk-away value).
    """

    packages: np.ndarray
    own: np.ndarray
    best: np.ndarray
    passing: bool


def candidates(space: IssueSpace) -> np.ndarray | None:
    """(P, K) every package of the space (continuous issues at ``CONTINUOUS_POINTS`` evenly spaced positions),
    None when there are more than ``ENUMERABLE``."""
    counts = np.where(space.discrete, space.sizes + 1, CONTINUOUS_POINTS)
    if np.prod(counts.astype(float)) > ENUMERABLE:
        return None
    axes = [space.positions(k) if space.discrete[k] else np.linspace(0.0, 1.0, CONTINUOUS_POINTS)
            for k in range(len(space))]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(space))


def surpluses(prefs: Preferences, packages: np.ndarray, walk_away: np.ndarray) -> np.ndarray:
    """(P, N) each country's surplus over its walk-away value as a share of the most it could gain,
    (u - w) / (1 - w); -inf across its red lines (the scale of the Kalai-Smorodinsky solution)."""
    gain = (prefs.utility(packages) - walk_away) / np.maximum(1.0 - walk_away, 1e-9)
    return np.where(prefs.within_red_lines(packages), gain, -np.inf)


def coalition_score(surplus: np.ndarray, rule, inside: int | None) -> np.ndarray:
    """(...,) the worst surplus in the best winning coalition of each package (surplus (..., N)): every veto party
    and the others with the largest surpluses, as many as the rule needs (Baron & Ferejohn 1989: the cheapest
    coalition that wins). ``inside``: a party counted as a yes already (the proposer), or None (a mediator)."""
    n = surplus.shape[-1]
    veto = [v for v in rule.veto if v != inside]
    others = [j for j in range(n) if j not in rule.veto and j != inside]
    needed = rule.at_least - len(veto) - (inside is not None)
    worst = np.full(surplus.shape[:-1], np.inf)
    if veto:
        worst = surplus[..., veto].min(axis=-1)
    if needed > 0:
        kth = -np.partition(-surplus[..., others], needed - 1, axis=-1)[..., needed - 1]
        worst = np.minimum(worst, kth)
    return worst


def coalition_log_product(surplus: np.ndarray, rule, inside: int | None) -> np.ndarray:
    """(...,) the log of the product of surpluses (Nash 1950) in the best winning coalition of each package."""
    n = surplus.shape[-1]
    veto = [v for v in rule.veto if v != inside]
    others = [j for j in range(n) if j not in rule.veto and j != inside]
    needed = rule.at_least - len(veto) - (inside is not None)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(np.maximum(surplus, 0.0))
    total = logs[..., veto].sum(axis=-1)
    if needed > 0:
        total = total + -np.partition(-logs[..., others], needed - 1, axis=-1)[..., :needed].sum(axis=-1)
    return np.nan_to_num(total, nan=-np.inf)


def nash_distances(prefs: Preferences, packages: np.ndarray, walk_away: np.ndarray, rule) -> np.ndarray:
    """(P,) the Euclidean distance in utility space (every country's) of each package (P, K) to the Nash package
    among them: the one with the largest product of the gains u - w of its best winning coalition (Nash 1950; as
    ``analysis.nash`` under a quota, first of equals); zeros when none gives its coalition a gain."""
    u = prefs.utility(packages)
    gain = np.where(prefs.within_red_lines(packages), u - walk_away, -np.inf)
    product = coalition_log_product(gain, rule, None)
    if not np.isfinite(product).any():
        return np.zeros(len(packages))
    return np.sqrt(((u - u[np.argmax(product)]) ** 2).sum(axis=1))


def coalitions(prefs: Preferences, space: IssueSpace, proposer: int, walk_away: np.ndarray, rule,
               toward_nash: bool = True) -> Coalitions | None:
    """The ranked packages a proposer tables from under a quota (``coalition_offers``); None when the space has
    too many packages to weigh one by one or none is within its red lines and worth its walk-away value.

    Tiers: if some package passes as the proposer believes, it tables only passing packages; else, if some keeps
    every veto party at its walk-away value, only those; else any. Within the tier, at aspiration a it tables the
    package best for its winning coalition among those worth at least a to it: the smallest shortfall of a member
    below its walk-away value, then the nearest in utility space to the tier's Nash package (``nash_distances``:
    it concedes toward the Nash solution, Nash 1950, by Faratin, Sierra & Jennings's 2002 similarity trade-off),
    then the largest Nash product of the members' surpluses, then its own utility, then everybody's surplus. When
    no package of the tier is worth a to it, it tables the one worth most to it. ``toward_nash=False``: without the
    nearness (a proposer that only estimates the others' preferences, whose Nash package is misplaced).
    """
    packages = candidates(space)
    if packages is None:
        return None
    surplus = surpluses(prefs, packages, walk_away)
    own = prefs.utility(packages)[:, proposer]
    mine = np.isfinite(surplus[:, proposer]) & (own >= walk_away[proposer] - 1e-12)
    if not mine.any():
        return None
    score = coalition_score(surplus, rule, proposer)
    veto = [v for v in rule.veto if v != proposer]
    vetoes_content = surplus[:, veto].min(axis=1, initial=np.inf) >= -1e-12
    passing = mine & (score >= -1e-12)
    tier = passing if passing.any() else (mine & vetoes_content if (mine & vetoes_content).any() else mine)
    index = np.flatnonzero(tier)
    welfare = np.where(np.isfinite(surplus[index]), surplus[index], -1.0).sum(axis=1)
    by_own = index[np.lexsort((-score[index], -own[index]))]  # falling own utility, ties: coalition first
    rank = np.empty(len(index), dtype=np.int64)
    nash = coalition_log_product(surplus[index], rule, proposer)
    near = -nash_distances(prefs, packages[index], walk_away, rule) if toward_nash else np.zeros(len(index))
    # rising: the coalition's worst shortfall below its walk-away values, then nearness to the Nash package, then
    # the coalition's Nash product, own, everybody's
    order = np.lexsort((welfare, own[index], nash, near, np.minimum(score[index], 0.0)))
    rank[order] = np.arange(len(index))
    ranks = rank[np.searchsorted(index, by_own)]
    best = np.maximum.accumulate(ranks)
    best_at = np.empty(len(index), dtype=np.int64)
    best_at[ranks] = np.arange(len(index))
    return Coalitions(packages[by_own], own[by_own], best_at[best], bool(passing.any()))


_COALITIONS: Cache[Coalitions | None] = Cache(512)


def coalition_offers(prefs: Preferences, space: IssueSpace, proposer: int, walk_away: np.ndarray, rule,
                     aspiration: np.ndarray, toward_nash: bool = True) -> np.ndarray | None:
    """(M, K) what a proposer tables under a quota rule at M aspirations, as it believes the others' preferences
    (``prefs``) and walk-away values ((N,) ``walk_away``): the package best for a winning coalition among those
    worth its aspiration to it (``coalitions``); None where ``coalitions`` is None (the caller falls back on the
    concession path). Cached by preferences, space, walk-away values, rule and proposer."""
    key = fingerprint(prefs.fingerprint, space.steps, walk_away, repr(rule), proposer, toward_nash)
    ranked = _COALITIONS.get(key, lambda: coalitions(prefs, space, proposer, walk_away, rule, toward_nash))
    if ranked is None:
        return None
    reach = np.searchsorted(-ranked.own, -np.asarray(aspiration) + 1e-12, side="right")  # worth at least a
    return ranked.packages[ranked.best[np.maximum(reach - 1, 0)]]


def coalition_ceiling(prefs: Preferences, space: IssueSpace, proposer: int, walk_away: np.ndarray, rule
                      ) -> float | None:
    """The most a proposer can get from a package that passes as it believes (None if none does or the space is
    too large): asking more is asking for a package no winning coalition accepts."""
    key = fingerprint(prefs.fingerprint, space.steps, walk_away, repr(rule), proposer)
    ranked = _COALITIONS.get(key, lambda: coalitions(prefs, space, proposer, walk_away, rule))
    return None if ranked is None or not ranked.passing else float(ranked.own[0])
