"""Masks over the replications of a batch ((R,) bool arrays): the checks the engine makes many times a round.

A single run is a batch of one, where numpy's cost per call outweighs the work: these read the one entry instead
(the same answer).
"""

from __future__ import annotations

import numpy as np


def some(mask: np.ndarray) -> bool:
    """Whether any replication of ``mask`` (R,) is set."""
    return mask.item() if len(mask) == 1 else bool(np.count_nonzero(mask))


def every(mask: np.ndarray) -> bool:
    """Whether every replication of ``mask`` (R,) is set."""
    return mask.item() if len(mask) == 1 else int(np.count_nonzero(mask)) == len(mask)


FEW = 32  # up to this many values, ``distinct`` counts them in Python


def distinct(values: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` of integers in [0, ``bound``) (preference groups), by counting
    instead of sorting: the distinct values in increasing order, and each value's position among them."""
    if len(values) <= FEW:  # a few replications (a batch's last ones): Python's set, not four numpy calls
        numbers = values.tolist()
        present = sorted(set(numbers))
        position = {v: i for i, v in enumerate(present)}
        return np.array(present, dtype=np.intp), np.array([position[v] for v in numbers], dtype=np.intp)
    present = np.bincount(values, minlength=bound) > 0
    return np.flatnonzero(present), (np.cumsum(present) - 1)[values]


def columns(masks: np.ndarray) -> np.ndarray:
    """(N,) whether any replication of ``masks`` (R, N) sets each column."""
    return masks[0] if len(masks) == 1 else np.logical_or.reduce(masks)


def distinct_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(keys, axis=0, return_index=True, return_inverse=True)`` of (M, C) int64 rows (C >= 1): the
    distinct rows in lexicographic order, the first row holding each and each row's position among them. A
    stable lexsort of the columns sorts the rows as numpy's sort of them as structured values does, at a fraction
    of its cost (the same order: tests hold them equal)."""
    order = np.lexsort(keys.T[::-1])  # the last key sorts first: column 0 leads
    ranked = keys[order]
    new = np.ones(len(keys), dtype=bool)
    np.any(ranked[1:] != ranked[:-1], axis=1, out=new[1:])
    inverse = np.empty(len(keys), dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return ranked[new], order[new], inverse
