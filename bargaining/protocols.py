"""Protocols: who proposes when, how answers are gathered, when a round ends.

A protocol plays one round at a :class:`~bargaining.views.Table` and returns an ``Agreement`` or None. The
model handles everything around the table (walk-away values, the threat, the clock, outcomes): an Agreement
signed by every country is a ``deal``, one signed by fewer is ``bilateral``.

* ``alternating_offers``: each country in turn tables a package; the first one all accept is the deal.
* ``single_text``: a mediator drafts one text and revises it from the parties' objections (Raiffa 1982).
* ``bilateral_first``: as alternating offers, but from the deadline on two countries may sign without the
  third, who may accede to the signed text until talks end, or be left out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from .views import Table


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

    def play_round(self, table: Table) -> Agreement | None:
        raise NotImplementedError


class AlternatingOffers(Protocol):
    """Multilateral alternating offers (docs/table.md, "Rounds"): each country in turn tables a full package; the
    others accept or reject it; the first package all accept is the agreement. The order is shuffled
    each round when ``protocol.random_order`` is on."""

    name = "alternating_offers"

    def play_round(self, table: Table) -> Agreement | None:
        for proposer in table.proposer_order():
            package = proposer.propose()
            table.table(proposer, package)
            if all(table.answers(package, exclude=proposer)):
                return Agreement(package, tuple(a.code for a in table.countries), proposer.code)
        return None


class SingleText(Protocol):
    """Raiffa's single negotiating text (Raiffa 1982, *The Art and Science of Negotiation*, ch. 14; the
    Camp David procedure): a mediator drafts one text, the parties only criticise it, the mediator revises.

    Each round every party that objected to the last text (every party, in round 1) states its objection by
    tabling the package it would accept now (its offer at its aspiration); a party that accepted stands on
    the text. The mediator redrafts the text as the average of these positions, snapped to levels and kept
    inside every party's declared red lines (the "non-starters" of seed 003_f02f829b3b9ade45.txt) where
    they leave room, and asks every party to accept it. The text is agreed when all accept.

    Attributes:
        text: The current draft (normalised), None before round 1.
        objections: Countries that rejected the current draft.
    """

    name = "single_text"
    mediator = "mediator"

    def __init__(self):
        self.text: np.ndarray | None = None
        self.objections: set[str] = set()

    def play_round(self, table: Table) -> Agreement | None:
        positions = []
        for agent in table.countries:
            if self.text is None or agent.code in self.objections:
                package = agent.propose()
                table.table(agent, package)
                positions.append(package)
            else:
                positions.append(self.text)
        self.text = self.redraft(table, np.mean(positions, axis=0))
        table.record(self.mediator, self.text)
        answers = table.answers(self.text)
        self.objections = {a.code for a, ok in zip(table.countries, answers, strict=True) if not ok}
        if not self.objections:
            return Agreement(self.text, tuple(a.code for a in table.countries), self.mediator)
        return None

    @staticmethod
    def redraft(table: Table, average: np.ndarray) -> np.ndarray:
        """The mediator's text: the average position inside all red lines (where they overlap), snapped."""
        lo, hi = table.preferences.lo.max(axis=0), table.preferences.hi.min(axis=0)
        room = lo <= hi + 1e-9  # red lines on ordinal issues sit on levels, so snapping keeps inside them
        return table.space.snap(np.where(room, np.clip(average, lo, np.maximum(hi, lo)), average))


class BilateralFirst(Protocol):
    """Two countries may sign first; the others may accede later or be left out.

    Rounds run as in alternating offers while a deal of all is possible. From the deadline round on, a
    package that the proposer and some but not all of the others accept may be signed by those who accept
    it (with a threatener in the scenario, only a group that includes it: only the country able to end
    NAFTA can replace it). The countries left out may then accede to the signed text, unchanged, in any
    later round until the talks would end (notice expiry or horizon): a country accedes when it would
    accept the text. When all have signed the outcome is a ``deal``; otherwise, when talks end, it is
    ``bilateral`` and each country left out gets its termination value (the signatories' agreement
    replaces NAFTA, so the one left out keeps neither NAFTA nor the new text).

    Attributes:
        signed: The signed text and its signatories while accession is open, else None.
    """

    name = "bilateral_first"

    def __init__(self):
        self.signed: Agreement | None = None

    def play_round(self, table: Table) -> Agreement | None:
        if self.signed is not None:
            return self._accession(table)
        everyone = tuple(a.code for a in table.countries)
        threatener = None if table.threatener is None else everyone[table.threatener]
        for proposer in table.proposer_order():
            package = proposer.propose()
            table.table(proposer, package)
            others = [a for a in table.countries if a is not proposer]
            answers = table.answers(package, exclude=proposer)
            if all(answers):
                return Agreement(package, everyone, proposer.code)
            signers = {proposer.code} | {a.code for a, ok in zip(others, answers, strict=True) if ok}
            if table.clock.round >= table.clock.deadline_round and len(signers) >= 2 and threatener in (None, *signers):
                self.signed = Agreement(package, tuple(c for c in everyone if c in signers), proposer.code)
                return self._accession(table, now=False)
        return None

    def _accession(self, table: Table, now: bool = True) -> Agreement | None:
        """Let the countries left out accede (from the round after signing); close the signed text when
        all have signed or the talks end this round."""
        signed = self.signed
        if now:
            left_out = [a for a in table.countries if a.code not in signed.signatories]
            answers = table.answers(signed.package, among=left_out)
            joining = {a.code for a, ok in zip(left_out, answers, strict=True) if ok}
            if joining:
                signed = self.signed = replace(signed, signatories=tuple(
                    a.code for a in table.countries if a.code in joining or a.code in signed.signatories))
        if len(signed.signatories) == len(table.countries) or table.clock.round >= table.last_round():
            self.signed = None
            return signed
        return None


PROTOCOLS: dict[str, type[Protocol]] = {cls.name: cls for cls in (AlternatingOffers, SingleText, BilateralFirst)}

