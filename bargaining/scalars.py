"""A single run's arithmetic on Python numbers with numpy's bits.

A single run is a batch of one, where numpy's cost per call outweighs the work: its shortcuts compute on Python
numbers, with the same operations in the same order as on arrays of one. ``+ - * /`` and comparisons are IEEE's
in both; ``max``/``min`` are not numpy's (numpy gives the second operand on a tie, so of -0.0 and 0.0 the second,
and a NaN of either): these are.
"""

from __future__ import annotations


def maximum(a: float, b: float) -> float:
    """``np.maximum`` of two Python numbers, bit for bit: NaN if either is, else the larger, ``b`` on a tie."""
    return a if a > b or a != a else b


def minimum(a: float, b: float) -> float:
    """``np.minimum`` of two Python numbers, bit for bit: NaN if either is, else the smaller, ``b`` on a tie."""
    return a if a < b or a != a else b
