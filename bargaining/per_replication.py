"""State held per replication of a batch, and how a batch leaves its ended replications out.

Every piece of a model that keeps state per replication (an agent, a strategy, a constituency, the protocol, the
clock, the random draws) names the attributes with a leading replication axis in ``per_replication``. When most
replications of a batch have ended, the model keeps only the live ones (``NegotiationModel._compact``): ``keep(rows)``
cuts every named attribute to those rows, so a round's work is done for the live replications only.
``tests/test_compaction.py`` fails on an (R, ...) array a component of the package holds but does not name; a
component from elsewhere (a user's own strategy) is checked when the batch would be cut (``unnamed``), and the batch
keeps its ended replications if it holds one.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np


class PerReplication:
    """Something that holds state per replication: ``per_replication`` names its attributes with a leading
    replication axis, each one of

    * an array (R, ...) (a number, an array (1, ...), or None before first use, is left as it is: the same in every
      replication; a batch is cut only from many replications, never from one);
    * a list with one entry per replication;
    * another ``PerReplication`` (cut in place);
    * ``size``, the number of replications R.

    A subclass adds its own names to its base's: ``per_replication = (*Base.per_replication, "support")``.
    """

    per_replication: ClassVar[tuple[str, ...]] = ()

    def keep(self, rows: np.ndarray) -> None:
        """Keep the replications ``rows`` (increasing indices) only, in every attribute of ``per_replication``."""
        for name in self.per_replication:
            setattr(self, name, kept(getattr(self, name), rows, name))


def unnamed(holder: PerReplication, size: int) -> list[str]:
    """The attributes of ``holder`` that look held per replication (an array or a list as long as the batch, ``size``
    rows) but are not named in its ``per_replication``: cutting the batch would leave them as long as before."""
    return [name for name, value in vars(holder).items() if name not in holder.per_replication
            and (isinstance(value, np.ndarray) and value.ndim and len(value) == size
                 or isinstance(value, list) and len(value) == size)]


def kept(value, rows: np.ndarray, name: str):
    """``value``, the attribute ``name`` of ``per_replication``, cut to the replications ``rows``."""
    if name == "size":
        return len(rows)
    if isinstance(value, np.ndarray):  # of length 1 along its first axis: the same in every replication
        return value[rows] if value.ndim and len(value) != 1 else value
    if isinstance(value, list):
        return [value[r] for r in rows.tolist()]
    if isinstance(value, PerReplication):
        value.keep(rows)
        return value
    if value is None or isinstance(value, float | int | np.number):
        return value
    raise TypeError(f"{name}: cannot keep some replications of a {type(value).__name__}")
