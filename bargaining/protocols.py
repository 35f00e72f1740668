"""Protocols: who proposes when, how answers are gathered, when a round ends.

A protocol plays one round of a ``NegotiationModel`` and returns an ``Agreement`` or None. The model
handles everything around the table (walk-away values, the threat, deadlines, outcomes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from .model import NegotiationModel


@dataclass(frozen=True)
class Agreement:
    """A package every signatory accepted.

    Attributes:
        package: The agreed package (normalised vector).
        signatories: Countries that signed.
        proposer: The country that tabled it.
    """

    package: np.ndarray
    signatories: tuple[str, ...]
    proposer: str


class Protocol:
    """Base class: ``name`` for the registry, ``play_round`` for one round."""

    name: ClassVar[str]

    def play_round(self, model: NegotiationModel) -> Agreement | None:
        raise NotImplementedError


class AlternatingOffers(Protocol):
    """Multilateral alternating offers (DESIGN.md): each country in turn tables a full package; the
    others accept or reject it; the first package all accept is the agreement. The order is shuffled
    each round when ``protocol.random_order`` is on."""

    name = "alternating_offers"

    def play_round(self, model: NegotiationModel) -> Agreement | None:
        for proposer in model.proposer_order():
            package = proposer.propose()
            model.table(proposer, package)
            if all(model.answers(package, exclude=proposer)):
                return Agreement(package, tuple(a.code for a in model.countries), proposer.code)
        return None


PROTOCOLS: dict[str, type[Protocol]] = {cls.name: cls for cls in (AlternatingOffers,)}

