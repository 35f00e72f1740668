"""Shocks: what domestic politics does to a country at the start of a round, as data the model applies.

Constituencies and scheduled ``[[events]]`` never write into the model or the agents; each returns
:class:`Shock` values, and the model applies them (``NegotiationModel.apply``) in the order they come.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..masks import distinct_rows
from ..preferences import Preferences, set_red_lines
from ..scalars import maximum


@dataclass(frozen=True, init=False)
class Shock:
    """A change to one country at the start of a round.

    Attributes:
        country: Country code.
        termination: New termination value, a number or one per replication (R,) (else ``termination_shift`` is
            added), clipped to [0, 1].
        termination_shift: Change of the termination value.
        belief_shift: Change of the country's belief in the threat, clipped to [0, 1].
        ideal: New ideal points, issue index -> normalised position: a number, or one per replication (R,).
        red_lines: New red lines, issue index -> normalised bound, on the side of the ideal point: a number, or one
            per replication (R,) (``parts`` splits the shock by its distinct values).
        tighten: Keep the stricter of the old and the new red line instead of replacing it.
        aspiration_floor: New floor under the country's aspiration (e.g. no concessions in campaign season): a
            number, or one per replication (R,).
        strategy: A new strategy object for the country (a new government).
        rows: (R,) the replications of a batch it happens in; None: all of them.
    """

    country: str
    termination: float | np.ndarray | None = None
    termination_shift: float = 0.0
    belief_shift: float = 0.0
    ideal: dict[int, float | np.ndarray] = field(default_factory=dict)
    red_lines: dict[int, float | np.ndarray] = field(default_factory=dict)
    tighten: bool = False
    aspiration_floor: float | np.ndarray | None = None
    strategy: Any = None
    rows: np.ndarray | None = None

    def __init__(self, country: str, termination: float | np.ndarray | None = None, termination_shift: float = 0.0,
                 belief_shift: float = 0.0, ideal: dict[int, float | np.ndarray] | None = None,
                 red_lines: dict[int, float | np.ndarray] | None = None, tighten: bool = False,
                 aspiration_floor: float | np.ndarray | None = None, strategy: Any = None,
                 rows: np.ndarray | None = None):
        # the fields above, set at once: a frozen dataclass's own __init__ sets them one by one through
        # object.__setattr__, twice the cost of a round's shock (tests/test_constituencies.py checks they match)
        self.__dict__.update(country=country, termination=termination, termination_shift=termination_shift,
                             belief_shift=belief_shift, ideal={} if ideal is None else ideal,
                             red_lines={} if red_lines is None else red_lines, tighten=tighten,
                             aspiration_floor=aspiration_floor, strategy=strategy, rows=rows)

    @property
    def moves(self) -> bool:
        """Whether it moves ideal points or red lines (else it changes no preferences but termination values)."""
        return bool(self.ideal or self.red_lines)

    def parts(self, rows: np.ndarray, group: np.ndarray) -> list[tuple[int, Shock, np.ndarray]]:
        """The shock in the replications ``rows`` (R,) of preference groups ``group`` (R,) as shocks whose ideal
        points and red lines are numbers: (group, shock, (R,) the replications of that group that meet it), one per
        group and distinct set of values among its replications (bit for bit: -0.0 apart from 0.0), by group and
        then by values, all groups at once; itself per group when they are numbers already. Replication r meets
        exactly the numbers its single run's shock holds."""
        if len(rows) == 1:  # a single run: its numbers, no search for distinct ones
            if not rows[0]:
                return []
            given = self._given()
            numbers = [float(v[0]) for _, _, v in given]  # (1,) each
            return [(int(group[0]), self._with(given, numbers) if given else self, rows)]
        where = np.flatnonzero(rows)
        if not where.size:
            return []
        given = self._given()
        if len(where) == 1:  # one replication: its numbers, no search for distinct ones
            r = int(where[0])
            numbers = [float(np.broadcast_to(np.asarray(v, dtype=float), rows.shape)[r]) for _, _, v in given]
            return [(int(group[r]), self._with(given, numbers) if given else self, rows)]
        columns = [group[where].astype(np.int64)[:, None]]
        if given:
            values = np.stack([np.broadcast_to(np.asarray(v, dtype=float), rows.shape)[where] for _, _, v in given],
                              axis=1)  # (M, P)
            columns.append(values.view(np.int64))
        distinct, _, which = distinct_rows(np.hstack(columns))
        order = np.argsort(which, kind="stable")
        ends = np.cumsum(np.bincount(which, minlength=len(distinct)))
        out = []
        for n, (start, end) in enumerate(zip([0, *ends[:-1].tolist()], ends.tolist(), strict=True)):
            mine = np.zeros(len(rows), dtype=bool)
            mine[where[order[start:end]]] = True
            shock = self._with(given, distinct[n, 1:].view(np.float64).tolist()) if given else self
            out.append((int(distinct[n, 0]), shock, mine))
        return out

    def _given(self) -> list[tuple[str, int, Any]]:
        """The ideal points and red lines given per replication: (field, issue, array) each."""
        return [(name, k, v) for name in ("ideal", "red_lines") for k, v in getattr(self, name).items()
                if not isinstance(v, float | int) and np.ndim(v)]  # (numbers first: np.ndim of one raises inside)

    def _with(self, given: list[tuple[str, int, Any]], numbers: list[float]) -> Shock:
        """The shock with ``numbers`` in place of the arrays ``given`` ((field, issue, array) each)."""
        fields = {"ideal": dict(self.ideal), "red_lines": dict(self.red_lines)}
        for (name, k, _), number in zip(given, numbers, strict=True):
            fields[name][k] = number
        return replace(self, **fields)

    @property
    def key(self) -> tuple:
        """What ``applied_to`` reads of the shock, as a cache key."""
        return (self.country, self.termination if self.termination is None else np.asarray(self.termination).tobytes(),
                self.termination_shift, tuple(self.ideal.items()), tuple(self.red_lines.items()), self.tighten)

    def applied_to(self, prefs: Preferences) -> Preferences | None:
        """The preferences after the shock (a copy sharing every array it leaves as it is), or None if it changes
        nothing (e.g. a red line asserted again where it already is)."""
        row = prefs.index(self.country)
        changes: dict[str, np.ndarray] = {}
        if self.termination is not None or self.termination_shift:
            t = prefs.termination.copy()
            new = self.termination if self.termination is not None else t[row] + self.termination_shift
            t[row] = min(max(new, 0.0), 1.0)
            changes["termination"] = t
        if self.ideal:
            changes["ideal"] = prefs.ideal.copy()
            for k, x in self.ideal.items():
                changes["ideal"][row, k] = x
        if self.red_lines:
            lo, hi = prefs.lo.copy(), prefs.hi.copy()
            ideal = changes["ideal"][row] if "ideal" in changes else prefs.ideal[row]
            set_red_lines(lo, hi, row, ideal, self.red_lines, self.tighten)
            changes.update(lo=lo, hi=hi)
        changes = {key: new for key, new in changes.items() if not np.array_equal(new, getattr(prefs, key))}
        return prefs.replace(**changes) if changes else None


def applied_to_all(shocks: list[Shock], prefs: list[Preferences]) -> list[Preferences | None]:
    """``shocks[i].applied_to(prefs[i])`` of each pair, the new ideal points and red lines of all computed at once:
    the parts of one shock (``Shock.parts``: one country, the same issues, numbers; no termination value)."""
    if not shocks:
        return []
    first = shocks[0]
    if first.termination is not None or first.termination_shift:
        return [shock.applied_to(p) for shock, p in zip(shocks, prefs, strict=True)]
    row = prefs[0].index(first.country)
    ideal = np.stack([p.ideal[row] for p in prefs])  # (P, K): the country's row of each
    lo, hi = np.stack([p.lo[row] for p in prefs]), np.stack([p.hi[row] for p in prefs])
    new_ideal, new_lo, new_hi = ideal.copy(), lo.copy(), hi.copy()
    for k in first.ideal:
        new_ideal[:, k] = [shock.ideal[k] for shock in shocks]
    for k in first.red_lines:  # ``set_red_lines``: ``red_line_interval`` on the (new) ideal, maybe the stricter
        bound, x = np.array([shock.red_lines[k] for shock in shocks], dtype=float), new_ideal[:, k]
        on, above = bound == x, bound > x
        k_lo, k_hi = np.where(on, x, np.where(above, 0.0, bound)), np.where(on, x, np.where(above, bound, 1.0))
        if first.tighten:  # Python's max(new, old) and min(new, old): the old one only where strictly stricter
            k_lo = np.where(new_lo[:, k] > k_lo, new_lo[:, k], k_lo)
            k_hi = np.where(new_hi[:, k] < k_hi, new_hi[:, k], k_hi)
        new_lo[:, k], new_hi[:, k] = k_lo, k_hi
    same = {"ideal": (new_ideal == ideal).all(axis=1), "lo": (new_lo == lo).all(axis=1),
            "hi": (new_hi == hi).all(axis=1)}  # ``np.array_equal`` of the whole arrays: only the row changes
    out = []
    for i, p in enumerate(prefs):
        changes = {}
        for name, rows in (("ideal", new_ideal), ("lo", new_lo), ("hi", new_hi)):
            if not same[name][i]:
                changes[name] = getattr(p, name).copy()
                changes[name][row] = rows[i]
        out.append(p.replace(**changes) if changes else None)
    return out


def excess_past(ideal: np.ndarray, issues: np.ndarray, points: np.ndarray, x: np.ndarray) -> np.ndarray:
    """How far (in shares of each issue's range, summed) package(s) ``x`` (..., K) lie past ``points`` (P,) on the
    ``issues`` (P,) (normalised points, or (..., P): one set per package) on the side away from the ideal point
    ``ideal`` (K,), or one per package (..., K): (...,). Every issue at once, summed in the issues' order."""
    x = np.asarray(x, dtype=float).take(issues, axis=-1)
    past = np.maximum(np.where(points >= ideal.take(issues, axis=-1), x - points, points - x), 0.0)  # (..., P)
    total = np.zeros(past.shape[:-1])
    for d in range(len(issues)):  # in order, as a sum of Python numbers
        total = total + past[..., d]
    return total


def excess_one(ideal: list[float], issues: list[int], points: list[float], x: list[float]) -> float:
    """``excess_past`` of one package ``x`` (K numbers), the ideal point (K) and the set points (P) as lists: the same
    operations on Python numbers (the same bits), without numpy's cost per call on arrays of one row."""
    total = 0.0
    for k, point in zip(issues, points, strict=True):
        total = total + maximum(x[k] - point if point >= ideal[k] else point - x[k], 0.0)
    return total
