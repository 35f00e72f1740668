"""Protocols: who proposes when, how answers are gathered, when a round ends.

A protocol plays one round of a ``NegotiationModel`` and returns an ``Agreement`` or None. The model
handles everything around the table (walk-away values, the threat, deadlines, outcomes): an Agreement
signed by every country is a ``deal``, one signed by fewer is ``bilateral``.

* ``alternating_offers``: each country in turn tables a package; the first one all accept is the deal.
* ``single_text``: a mediator drafts one text and revises it from the parties' objections (Raiffa 1982).
* ``bilateral_first``: as alternating offers, but from the deadline on two countries may sign without the
  third, who may accede to the signed text until talks end, or be left out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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

    def play_round(self, model: NegotiationModel) -> Agreement | None:
        positions = []
        for agent in model.countries:
            if self.text is None or agent.code in self.objections:
                package = agent.propose()
                model.table(agent, package)
                positions.append(package)
            else:
                positions.append(self.text)
        self.text = self.redraft(model, np.mean(positions, axis=0))
        if model.record:
            model.tabled.append((model.round, self.mediator, self.text))
        answers = model.answers(self.text)
        self.objections = {a.code for a, ok in zip(model.countries, answers, strict=True) if not ok}
        if not self.objections:
            return Agreement(self.text, tuple(a.code for a in model.countries), self.mediator)
        return None

    @staticmethod
    def redraft(model: NegotiationModel, average: np.ndarray) -> np.ndarray:
        """The mediator's text: the average position inside all red lines (where they overlap), snapped."""
        lo, hi = model.preferences.lo.max(axis=0), model.preferences.hi.min(axis=0)
        room = lo <= hi + 1e-9  # red lines on ordinal issues sit on levels, so snapping keeps inside them
        return model.space.snap(np.where(room, np.clip(average, lo, np.maximum(hi, lo)), average))


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

    def play_round(self, model: NegotiationModel) -> Agreement | None:
        if self.signed is not None:
            return self._accession(model)
        everyone = tuple(a.code for a in model.countries)
        threatener = None if model.threatener is None else everyone[model.threatener]
        for proposer in model.proposer_order():
            package = proposer.propose()
            model.table(proposer, package)
            others = [a for a in model.countries if a is not proposer]
            answers = model.answers(package, exclude=proposer)
            if all(answers):
                return Agreement(package, everyone, proposer.code)
            signers = {proposer.code} | {a.code for a, ok in zip(others, answers, strict=True) if ok}
            if model.round >= model.deadline_round and len(signers) >= 2 and threatener in (None, *signers):
                self.signed = Agreement(package, tuple(c for c in everyone if c in signers), proposer.code)
                return self._accession(model, now=False)
        return None

    def _accession(self, model: NegotiationModel, now: bool = True) -> Agreement | None:
        """Let the countries left out accede (from the round after signing); close the signed text when
        all have signed or the talks end this round."""
        signed = self.signed
        if now:
            left_out = [a for a in model.countries if a.code not in signed.signatories]
            answers = model.answers(signed.package, among=left_out)
            joining = {a.code for a, ok in zip(left_out, answers, strict=True) if ok}
            if joining:
                signed = self.signed = replace(signed, signatories=tuple(
                    a.code for a in model.countries if a.code in joining or a.code in signed.signatories))
        if len(signed.signatories) == len(model.countries) or model.round >= self.last_round(model):
            self.signed = None
            return signed
        return None

    @staticmethod
    def last_round(model: NegotiationModel) -> int:
        """The round at whose end the model's clock ends the talks (withdrawal or horizon)."""
        notice = model.notice_round
        if notice is None and model.threat_credible and model.round >= model.deadline_round:
            notice = model.round  # the notice the model gives at the end of this round
        if notice is not None:
            return notice + model.case.spec.threat.notice_rounds
        return model.horizon_round


PROTOCOLS: dict[str, type[Protocol]] = {cls.name: cls for cls in (AlternatingOffers, SingleText, BilateralFirst)}

