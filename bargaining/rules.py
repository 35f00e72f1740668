"""Decision rules: which sets of parties' yes make a package the agreement of the table.

* unanimity (the default): every party;
* a quota: at least ``at_least`` parties, every ``veto`` party among them -- the rule of the multi-party role
  plays of negotiation courses (six parties; a deal passes with five, two of them holding a veto).

A package that passes binds every party, those that voted no included (docs/model.md, "Decision rules").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Rule:
    """Who must say yes.

    Attributes:
        parties: Number of parties at the table.
        at_least: How many must say yes.
        veto: Rows of the parties that must be among them.
    """

    parties: int
    at_least: int
    veto: tuple[int, ...] = ()

    @classmethod
    def unanimity(cls, parties: int) -> Rule:
        return cls(parties, parties)

    @property
    def unanimous(self) -> bool:
        return self.at_least >= self.parties

    @property
    def others(self) -> int:
        """How many parties beyond the veto parties must say yes."""
        return max(self.at_least - len(self.veto), 0)

    def passes(self, yes: np.ndarray) -> bool | np.ndarray:
        """Whether the parties' yes (..., N) pass a package: (...,)."""
        yes = np.asarray(yes, dtype=bool)
        return (yes.sum(axis=-1) >= self.at_least) & yes[..., list(self.veto)].all(axis=-1)

    def describe(self, countries: tuple[str, ...]) -> str:
        """In words: ``unanimity`` or ``at least 5 of 6, with A and B``."""
        if self.unanimous:
            return "unanimity"
        veto = f", with {' and '.join(countries[v] for v in self.veto)}" if self.veto else ""
        return f"at least {self.at_least} of {self.parties}{veto}"
