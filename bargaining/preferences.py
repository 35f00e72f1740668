"""Preferences of every country as numpy arrays, and the pure functions on them.

Row n of every (N, K) array belongs to country n. On each issue k a country values a position x_k by

    v_nk(x_k) = 1 - (|x_k - ideal_nk| / reach_nk) ** exponent_n

which is 1 at its ideal point and 0 at the far end of the issue's range (``reach`` is the distance from
the ideal to that far end); exponent 1 is the linear default, 2 the quadratic option. Or it values the issue
by a table (``ValueTables``): a value per level or option of a discrete issue, or points of a piecewise-linear
function of a continuous one, normalised by their largest value as Genius does (its ideal is then the best
option or point). A package's utility is the salience-weighted sum u_n(x) = sum_k w_nk v_nk(x_k) (additive
multi-attribute utility, Raiffa 1982).

A red line is an interval [lo, hi] per issue, and on discrete issues possibly a set of unacceptable options
(``ExcludedOptions``): a country rejects any package outside it whatever its utility (the "non-starters" of seed
003_f02f829b3b9ade45.txt).

Everything here is vectorised: ``x`` may be one package (K,) or many (..., K); results gain a trailing
country axis (..., N).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .cache import fingerprint, fingerprints

SHAPES = {"linear": 1.0, "quadratic": 2.0}

#: 1 and the utility tolerance 1e-12 as 0-d arrays, for the operations a round repeats: numpy converts a Python float
#: operand on every call, which a batch of one pays on each (the same numbers: every operand here is float64).
ONE, TOLERANCE = np.array(1.0), np.array(1e-12)


def value(x: np.ndarray, ideal: np.ndarray, reach: np.ndarray, exponent: np.ndarray | float,
          linear: bool = False, table: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The value function, the one implementation every part of the engine uses: v = 1 - (|x - ideal| / reach)
    ** exponent, broadcast over any shapes; ``linear`` (every exponent 1) skips the power. With a ``table``
    (tabled, points, values: ``ValueTables.arrays``), the piecewise-linear table where ``tabled``."""
    distance = np.abs(x - ideal) / reach
    v = ONE - (distance if linear else distance ** exponent)
    if table is None:
        return v
    tabled, points, values = table
    return np.where(tabled, piecewise(x, points, values), v)


def reach(ideal: np.ndarray) -> np.ndarray:
    """Distance from each ideal point (normalised) to the far end of its issue's range, at least 1e-12: the
    denominator of ``value``."""
    return np.maximum(np.maximum(ideal, 1.0 - ideal), 1e-12)


def piecewise(x: np.ndarray, points: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Piecewise-linear interpolation, flat beyond the end points (``np.interp`` broadcast over many functions):
    ``x`` (shape S) against ``points`` and ``values`` (shape S' + (P,), S' broadcast with S; points
    non-decreasing, P >= 2) -> shape of S and S' broadcast."""
    x = np.asarray(x, dtype=float)[..., None]
    shape = np.broadcast_shapes(x.shape[:-1], points.shape[:-1]) + points.shape[-1:]
    points, values = np.broadcast_to(points, shape), np.broadcast_to(values, shape)
    j = np.clip((x >= points).sum(axis=-1, keepdims=True) - 1, 0, shape[-1] - 2)
    x0, x1 = np.take_along_axis(points, j, -1), np.take_along_axis(points, j + 1, -1)
    v0, v1 = np.take_along_axis(values, j, -1), np.take_along_axis(values, j + 1, -1)
    width = x1 - x0
    wide = width > 1e-15  # a narrower segment is a step
    t = np.clip(np.where(wide, (x - x0) / np.where(wide, width, 1.0), 1.0), 0.0, 1.0)
    return (v0 + t * (v1 - v0))[..., 0]


@dataclass(frozen=True, eq=False)
class ValueTables:
    """Value tables of some (country, issue) pairs, as piecewise-linear functions of the position in [0, 1].

    A discrete issue's table has one point per level or option (at i / (n - 1)); a continuous issue's has the
    scenario's points. Values are normalised by their largest (Genius's evaluation / max evaluation).

    Attributes:
        tabled: (N, K) whether country n values issue k by its table (else by the single-peaked shape).
        points: (N, K, P) positions, non-decreasing (a shorter table repeats its last point).
        values: (N, K, P) values at the points, in [0, 1].
    """

    tabled: np.ndarray
    points: np.ndarray
    values: np.ndarray

    def arrays(self, row: int | None = None, extra: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(tabled, points, values) for ``value(..., table=...)``: every country's (or only ``row``'s), with
        ``extra`` axes after the issue axis (to broadcast against positions (K, M), ...)."""
        tabled, points, values = (a if row is None else a[row] for a in (self.tabled, self.points, self.values))
        grow = (slice(None),) * tabled.ndim + (None,) * extra
        return tabled[grow], points[grow], values[grow]


@dataclass(frozen=True, eq=False)
class ExcludedOptions:
    """Red lines on discrete issues written as sets of unacceptable options.

    Attributes:
        sizes: (K,) n - 1 for an issue of n levels or options, 0 for a continuous issue.
        mask: (N, K, L) whether country n finds option l of issue k unacceptable (L: the most options).
    """

    sizes: np.ndarray
    mask: np.ndarray

    def at(self, x: np.ndarray) -> np.ndarray:
        """Whether each country's red lines exclude the option each issue of x is at: (..., K) -> (..., N, K)."""
        index = np.rint(np.clip(np.asarray(x, dtype=float), 0.0, 1.0) * self.sizes).astype(np.intp)
        n, k = self.mask.shape[:2]
        return self.mask[np.arange(n)[:, None], np.arange(k)[None, :], index[..., None, :]]


@dataclass(frozen=True, eq=False)
class Preferences:
    """Preferences of N countries over K issues, normalised to [0, 1].

    Attributes:
        countries: Country codes, row order.
        ideal: (N, K) ideal points.
        weights: (N, K) salience weights, rows summing to 1.
        exponent: (N,) 1 for linear, 2 for quadratic value functions.
        lo, hi: (N, K) red-line intervals; [0, 1] where a country has no red line.
        termination: (N,) utility of no agreement at all (NAFTA ending; or a scenario's reservation value).
        tables: Value tables of the (country, issue) pairs that have one; None: every value single-peaked.
        excluded: Options excluded by red lines on discrete issues; None: red lines are intervals only.
    """

    countries: tuple[str, ...]
    ideal: np.ndarray
    weights: np.ndarray
    exponent: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    termination: np.ndarray
    tables: ValueTables | None = None
    excluded: ExcludedOptions | None = None

    @cached_property
    def reach(self) -> np.ndarray:
        """(N, K) distance from each ideal to the far end of the issue's range."""
        return reach(self.ideal)

    def index(self, country: str) -> int:
        return self.countries.index(country)

    def replace(self, **changes: np.ndarray) -> Preferences:
        """A copy with some fields changed (``dataclasses.replace``) that keeps what it derived from the fields
        left as they are (``reach``, ``aligned``, ``linear``, ``fingerprint``): domestic politics replaces preferences
        every round, mostly a termination value."""
        new = dataclasses.replace(self, **changes)
        for name, fields in _DERIVED_FROM.items():
            if name in self.__dict__ and fields.isdisjoint(changes):
                new.__dict__[name] = self.__dict__[name]
        return new

    @cached_property
    def linear(self) -> bool:
        """Whether every value function is linear (the power can be skipped)."""
        return bool(np.all(self.exponent == 1.0))

    @cached_property
    def fingerprint(self) -> bytes:
        """Digest of what a concession path depends on: ideal points, weights, shapes, value tables and red lines
        (not the termination values)."""
        return fingerprint(self.ideal, self.weights, *self._fixed)

    def fingerprints(self, weights: np.ndarray) -> list[bytes]:
        """The ``fingerprint`` of these preferences with each of E weights (E, N, K) in place of its own."""
        return fingerprints((self.ideal,), weights, self._fixed)

    @property
    def _fixed(self) -> tuple[np.ndarray, ...]:
        """What a fingerprint hashes after the weights: shapes, red lines, value tables, excluded options."""
        extra = [] if self.tables is None else [self.tables.tabled, self.tables.points, self.tables.values]
        extra += [] if self.excluded is None else [self.excluded.mask]
        return (self.exponent, self.lo, self.hi, *extra)

    def values(self, x: np.ndarray) -> np.ndarray:
        """Per-issue values v_nk(x_k): (..., K) -> (..., N, K)."""
        x = np.asarray(x, dtype=float)
        return self._values(x, self.aligned(x.ndim)[0])

    def _values(self, x: np.ndarray, reach: np.ndarray) -> np.ndarray:
        exponent = 1.0 if self.linear else self.exponent[:, None]  # the power is skipped when linear
        return value(x[..., None, :], self.ideal, reach, exponent, self.linear,
                     None if self.tables is None else self.tables.arrays())

    def aligned(self, ndim: int) -> tuple[np.ndarray, np.ndarray]:
        """``reach`` and ``weights`` (N, K) with as many leading axes of length 1 as packages of ``ndim`` axes have
        before their issue axis, the shape of their values (..., N, K): numpy's ufuncs take a fast path for operands
        of one shape (one package's values, a batch of one's), not for operands they broadcast (the same numbers)."""
        cache = self.__dict__.setdefault("_aligned", {})
        if ndim not in cache:
            lead = (1,) * (ndim - 1)
            cache[ndim] = self.reach.reshape(lead + self.reach.shape), self.weights.reshape(lead + self.weights.shape)
        return cache[ndim]

    def utility(self, x: np.ndarray) -> np.ndarray:
        """Utility of each country for package(s) x: (..., K) -> (..., N)."""
        x = np.asarray(x, dtype=float)
        reach, weights = self.aligned(x.ndim)
        return np.add.reduce(self._values(x, reach) * weights, axis=-1)  # ``.sum``, without its Python wrapper

    def values_at(self, positions: np.ndarray, row: int | None = None) -> np.ndarray:
        """Values of positions given per issue: (..., K, M) -> (..., N, K, M), or (..., K, M) for one country
        ``row``."""
        table = lambda: self.tables.arrays(row, extra=1)  # noqa: E731
        if row is None:
            return value(positions[..., None, :, :], self.ideal[:, :, None], self.reach[:, :, None],
                         self.exponent[:, None, None], self.linear, None if self.tables is None else table())
        return value(positions, self.ideal[row][:, None], self.reach[row][:, None], self.exponent[row],
                     table=None if self.tables is None else table())

    def within_red_lines(self, x: np.ndarray) -> np.ndarray:
        """Whether each country's red lines all hold: (..., K) -> (..., N) bool."""
        each = np.asarray(x, dtype=float)[..., None, :]
        lo, hi = self.tolerant_red_lines
        inside = np.logical_and.reduce((each >= lo) & (each <= hi), axis=-1)  # ``.all``, without its Python wrapper
        return inside if self.excluded is None else inside & ~self.excluded.at(x).any(axis=-1)

    @cached_property
    def tolerant_red_lines(self) -> tuple[np.ndarray, np.ndarray]:
        """(N, K) each red line widened by 1e-9 (``within_red_lines``' tolerance), lo and hi."""
        return self.lo - 1e-9, self.hi + 1e-9

    def red_line_excess(self, x: np.ndarray) -> np.ndarray:
        """How far each issue lies beyond each country's red line: (..., K) -> (..., N, K), 0 inside; an excluded
        option counts 1 (the issue's whole range)."""
        x = np.asarray(x, dtype=float)
        excess = np.maximum(self.lo - x[..., None, :], 0.0) + np.maximum(x[..., None, :] - self.hi, 0.0)
        return excess if self.excluded is None else excess + self.excluded.at(x)


#: What each cached property of ``Preferences`` is derived from (``Preferences.replace`` keeps the others').
_DERIVED_FROM = {"reach": {"ideal"}, "_aligned": {"ideal", "weights"}, "linear": {"exponent"},
                 "tolerant_red_lines": {"lo", "hi"},
                 "fingerprint": {"ideal", "weights", "exponent", "lo", "hi", "tables", "excluded"}}


def red_line_interval(ideal: float, red_line: float) -> tuple[float, float]:
    """A red line is a bound; the acceptable side is the one holding the ideal point (only the ideal
    itself when the red line sits on it)."""
    if red_line == ideal:
        return (ideal, ideal)
    return (0.0, red_line) if red_line > ideal else (red_line, 1.0)


def set_red_lines(lo: np.ndarray, hi: np.ndarray, row: int, ideal: np.ndarray, bounds: dict[int, float],
                  tighten: bool = False) -> None:
    """Set country ``row``'s red lines on some issues, in place: ``bounds`` maps an issue index to a normalised
    bound, placed on the side of the country's ``ideal`` (its row); ``tighten`` keeps the stricter of the old
    and the new red line."""
    for k, bound in bounds.items():
        new_lo, new_hi = red_line_interval(ideal[k], bound)
        if tighten:
            new_lo, new_hi = max(new_lo, lo[row, k]), min(new_hi, hi[row, k])
        lo[row, k], hi[row, k] = new_lo, new_hi


def initial_beliefs(countries: tuple[str, ...], threatener: str | None, beliefs: dict[str, float | None],
                    no_deal_is_termination: bool | np.ndarray) -> np.ndarray:
    """Every country's belief that talks ending without a deal means termination, at the start of the talks.

    A partner of the threatener holds its scenario belief that the threat is real (0 if none is given); the
    threatener holds none (NaN). Without a threatener, no deal means the status quo (belief 0) or, when the
    scenario says talks ending with nothing leave nothing, or gives the country a reservation value,
    termination (belief 1; ``no_deal_is_termination`` may say so per country).
    """
    if threatener is None:
        return np.broadcast_to(np.asarray(no_deal_is_termination, dtype=float), (len(countries),)).copy()
    return np.array([np.nan if code == threatener else float(beliefs.get(code) or 0.0) for code in countries])


def walk_away_values(
    termination: np.ndarray, status_quo_utility: np.ndarray, threatener: int | None, beliefs: np.ndarray
) -> np.ndarray:
    """Walk-away value of every country (docs/model.md, "Walk-away values").

    The country that can withdraw gets max(t, u(x_sq)); every other country the belief-weighted mix
    p * t + (1 - p) * u(x_sq), where p is its belief that the threat is real. Without a threatener,
    pass beliefs of 0 (NAFTA continues) or 1 (no agreement means no agreement at all: the termination or
    reservation value, whatever the status quo, which may then be missing: NaN).

    Args:
        termination: (..., N) termination values t.
        status_quo_utility: (..., N) utilities of the status-quo package, u(x_sq).
        threatener: Row of the country that can withdraw, or None.
        beliefs: (..., N) beliefs p; the threatener's entry is ignored.
    """
    walk_away = np.where(beliefs >= 1.0, termination, beliefs * termination + (1.0 - beliefs) * status_quo_utility)
    if threatener is not None:
        walk_away[..., threatener] = np.maximum(termination[..., threatener], status_quo_utility[..., threatener])
    return walk_away
