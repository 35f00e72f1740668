"""Preferences of every country as numpy arrays, and the pure functions on them.

Row n of every (N, K) array belongs to country n. On each issue k a country values a position x_k by

    v_nk(x_k) = 1 - (|x_k - ideal_nk| / reach_nk) ** exponent_n

which is 1 at its ideal point and 0 at the far end of the issue's range (``reach`` is the distance from
the ideal to that far end); exponent 1 is the linear default, 2 the quadratic option. A package's utility
is the salience-weighted sum u_n(x) = sum_k w_nk v_nk(x_k) (additive multi-attribute utility, Raiffa 1982).

A red line is an interval [lo, hi] per issue: a country rejects any package outside it whatever its
utility (the "non-starters" of seed 003_f02f829b3b9ade45.txt).

Everything here is vectorised: ``x`` may be one package (K,) or many (..., K); results gain a trailing
country axis (..., N).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .cache import fingerprint

SHAPES = {"linear": 1.0, "quadratic": 2.0}


def value(x: np.ndarray, ideal: np.ndarray, reach: np.ndarray, exponent: np.ndarray | float,
          linear: bool = False) -> np.ndarray:
    """The value function, the one implementation every part of the engine uses: v = 1 - (|x - ideal| / reach)
    ** exponent, broadcast over any shapes; ``linear`` (every exponent 1) skips the power."""
    distance = np.abs(x - ideal) / reach
    return 1.0 - (distance if linear else distance ** exponent)


@dataclass(frozen=True, eq=False)
class Preferences:
    """Preferences of N countries over K issues, normalised to [0, 1].

    Attributes:
        countries: Country codes, row order.
        ideal: (N, K) ideal points.
        weights: (N, K) salience weights, rows summing to 1.
        exponent: (N,) 1 for linear, 2 for quadratic value functions.
        lo, hi: (N, K) red-line intervals; [0, 1] where a country has no red line.
        termination: (N,) utility of NAFTA ending (no agreement at all).
    """

    countries: tuple[str, ...]
    ideal: np.ndarray
    weights: np.ndarray
    exponent: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    termination: np.ndarray

    @cached_property
    def reach(self) -> np.ndarray:
        """(N, K) distance from each ideal to the far end of the issue's range."""
        return np.maximum(np.maximum(self.ideal, 1.0 - self.ideal), 1e-12)

    def index(self, country: str) -> int:
        return self.countries.index(country)

    @cached_property
    def linear(self) -> bool:
        """Whether every value function is linear (the power can be skipped)."""
        return bool(np.all(self.exponent == 1.0))

    @cached_property
    def fingerprint(self) -> bytes:
        """Digest of what a concession path depends on: ideal points, weights, shapes and red lines (not the
        termination values)."""
        return fingerprint(self.ideal, self.weights, self.exponent, self.lo, self.hi)

    def values(self, x: np.ndarray) -> np.ndarray:
        """Per-issue values v_nk(x_k): (..., K) -> (..., N, K)."""
        return value(np.asarray(x, dtype=float)[..., None, :], self.ideal, self.reach, self.exponent[:, None],
                     self.linear)

    def utility(self, x: np.ndarray) -> np.ndarray:
        """Utility of each country for package(s) x: (..., K) -> (..., N)."""
        return (self.values(x) * self.weights).sum(axis=-1)

    def within_red_lines(self, x: np.ndarray) -> np.ndarray:
        """Whether each country's red lines all hold: (..., K) -> (..., N) bool."""
        x = np.asarray(x, dtype=float)[..., None, :]
        eps = 1e-9
        return ((x >= self.lo - eps) & (x <= self.hi + eps)).all(axis=-1)

    def red_line_excess(self, x: np.ndarray) -> np.ndarray:
        """How far each issue lies beyond each country's red line: (..., K) -> (..., N, K), 0 inside."""
        x = np.asarray(x, dtype=float)[..., None, :]
        return np.maximum(self.lo - x, 0.0) + np.maximum(x - self.hi, 0.0)


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
                    no_deal_is_termination: bool) -> np.ndarray:
    """Every country's belief that talks ending without a deal means termination, at the start of the talks.

    A partner of the threatener holds its scenario belief that the threat is real (0 if none is given); the
    threatener holds none (NaN). Without a threatener, no deal means the status quo (belief 0) or, when the
    scenario says talks ending with nothing leave nothing, termination (belief 1).
    """
    if threatener is None:
        return np.full(len(countries), float(no_deal_is_termination))
    return np.array([np.nan if code == threatener else float(beliefs.get(code) or 0.0) for code in countries])


def walk_away_values(
    termination: np.ndarray, status_quo_utility: np.ndarray, threatener: int | None, beliefs: np.ndarray
) -> np.ndarray:
    """Walk-away value of every country (docs/model.md, "Walk-away values").

    The country that can withdraw gets max(t, u(x_sq)); every other country the belief-weighted mix
    p * t + (1 - p) * u(x_sq), where p is its belief that the threat is real. Without a threatener,
    pass beliefs of 0 (NAFTA continues) or 1 (no agreement means no agreement at all).

    Args:
        termination: (N,) termination values t.
        status_quo_utility: (N,) utilities of the status-quo package, u(x_sq).
        threatener: Row of the country that can withdraw, or None.
        beliefs: (N,) beliefs p; the threatener's entry is ignored.
    """
    walk_away = beliefs * termination + (1.0 - beliefs) * status_quo_utility
    if threatener is not None:
        walk_away[threatener] = max(termination[threatener], status_quo_utility[threatener])
    return walk_away
