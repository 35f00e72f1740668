"""Offer construction: the package a country tables for a given aspiration. Pure numpy, no Mesa.

A proposer starts from its ideal package and concedes, issue by issue, toward what the others want. Each
small concession costs it some utility and gains the others some acceptability; it makes the concessions
with the best gain-per-cost ratio first, until the utility it gives up reaches its budget 1 - aspiration.
With additive utilities this is a fractional knapsack, so the proposer concedes first on the issues it
cares least about relative to the others: logrolling (Raiffa 1982, ch. 10). It never crosses its own red
lines, and moving a package inside a partner's red line counts for a lot (``red_line_penalty`` per unit).

The ordered list of concessions depends only on the preferences, so it is built once per proposer
(``concession_path``) and each round's offer is a cheap cut of it at the current budget (``offer``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .issues import IssueSpace
from .preferences import Preferences, value

STEPS = 20  # pieces a continuous issue is cut into along the concession path
GRID = 101  # positions per issue searched for the others' most preferred point


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


def acceptability(
    prefs: Preferences, positions: np.ndarray, others: np.ndarray, red_line_penalty: float
) -> np.ndarray:
    """The others' weighted value of positions on each issue, minus red-line excess.

    Args:
        prefs: Preferences (the proposer's beliefs about the others, if it models them).
        positions: (K, M) positions per issue.
        others: (N,) weight of each other country; 0 for the proposer.
        red_line_penalty: Cost per unit of a position beyond a partner's red line.

    Returns:
        (K, M) acceptability per issue and position.
    """
    x = positions[None, :, :]  # (1, K, M)
    values = value(x, prefs.ideal[:, :, None], prefs.reach[:, :, None], prefs.exponent[:, None, None], prefs.linear)
    excess = np.maximum(prefs.lo[:, :, None] - x, 0.0) + np.maximum(x - prefs.hi[:, :, None], 0.0)
    score = prefs.weights[:, :, None] * values - red_line_penalty * excess
    n, k, m = score.shape
    return (others @ score.reshape(n, k * m)).reshape(k, m)


def concession_path(
    prefs: Preferences,
    space: IssueSpace,
    proposer: int,
    others: np.ndarray | None = None,
    red_line_penalty: float = 10.0,
) -> ConcessionPath:
    """Build the ordered concessions of ``proposer``.

    Args:
        prefs: Preferences of all countries (the proposer's own row is used for its costs).
        space: The issue space (for ordinal levels).
        proposer: Row of the proposing country.
        others: (N,) how much the proposer weighs each other country's acceptance; default 1 each.
        red_line_penalty: Acceptability lost per unit beyond a partner's red line.
    """
    n, k = prefs.weights.shape
    if others is None:
        others = np.ones(n)
    others = np.where(np.arange(n) == proposer, 0.0, others)
    start = space.snap(prefs.ideal[proposer])

    # Target per issue: the others' most acceptable position inside the proposer's own red lines,
    # nearest to the proposer's ideal among ties.
    grid = space.grid(GRID)  # (K, G)
    score = acceptability(prefs, grid, others, red_line_penalty)
    allowed = (grid >= prefs.lo[proposer][:, None] - 1e-9) & (grid <= prefs.hi[proposer][:, None] + 1e-9)
    score = np.where(allowed, score - 1e-9 * np.abs(grid - start[:, None]), -np.inf)
    target = grid[np.arange(k), score.argmax(axis=1)]

    # Path from start to target: equal steps for continuous issues, one level per step for ordinal ones.
    levels_to_move = np.where(space.ordinal, np.round(np.abs(target - start) / np.where(space.ordinal,
                              space.steps, 1.0)), 0)
    steps = int(max(STEPS, levels_to_move.max(initial=0)))
    s = np.arange(steps + 1)
    continuous_path = start[:, None] + (target - start)[:, None] * s / steps
    ordinal_path = start[:, None] + (np.sign(target - start) * space.steps)[:, None] * np.minimum(
        s, levels_to_move[:, None])
    positions = np.where(space.ordinal[:, None], ordinal_path, continuous_path)

    own = prefs.weights[proposer][:, None] * value(positions, prefs.ideal[proposer][:, None],
                                                   prefs.reach[proposer][:, None], prefs.exponent[proposer])
    cost = own[:, :-1] - own[:, 1:]
    gain = np.diff(acceptability(prefs, positions, others, red_line_penalty), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(gain > 1e-12, gain / np.maximum(cost, 0.0), 0.0)
    ratio = np.minimum.accumulate(ratio, axis=1)  # concessions along one issue are made in path order
    issue, step = np.nonzero(ratio > 0)
    order = np.lexsort((step, -ratio[issue, step]))
    issue, step = issue[order], step[order]
    return ConcessionPath(
        start=start,
        positions=positions,
        issue=issue,
        step=step + 1,
        cost=np.maximum(cost[issue, step], 0.0),
        divisible=~space.ordinal[issue],
    )


def offer(path: ConcessionPath, budget: float) -> np.ndarray:
    """The package the proposer tables when it may give up ``budget`` utility (1 - aspiration).

    Concessions are made in path order while they fit; a continuous one that does not fit is made in
    part; an ordinal one that does not fit is skipped, with the rest of its issue, and cheaper
    concessions on other issues still follow.
    """
    k = len(path.start)
    reached = np.zeros(k, dtype=int)
    x_partial = None
    active = None  # None: the first pass, over every concession, with the sums cached on the path
    remaining = budget
    while remaining > 1e-12:
        if active is None:
            idx, cum = None, path.cumulative
        else:
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            cum = np.cumsum(path.cost[idx])
        n = int(np.searchsorted(cum, remaining + 1e-12, side="right"))
        if active is None:
            reached = path.reached[n].copy()
        else:
            np.maximum.at(reached, path.issue[idx[:n]], path.step[idx[:n]])
        if n == cum.size:
            break
        remaining -= cum[n - 1] if n else 0.0
        nxt = n if idx is None else idx[n]
        issue = path.issue[nxt]
        if path.divisible[nxt]:
            frac = remaining / path.cost[nxt]
            a, b = path.positions[issue, path.step[nxt] - 1], path.positions[issue, path.step[nxt]]
            x_partial = (issue, a + frac * (b - a))
            break
        if active is None:
            active = np.ones(len(path.cost), dtype=bool)
            active[:n] = False
        else:
            active[idx[:n]] = False
        active[path.issue == issue] = False
    x = path.positions[np.arange(k), reached]
    if x_partial is not None:
        x[x_partial[0]] = x_partial[1]
    return x
