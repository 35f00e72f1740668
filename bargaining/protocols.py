"""Protocols: who proposes when, how answers are gathered, when a round ends.

A protocol plays one round at a :class:`~bargaining.views.Table` and returns an ``Agreement`` or None. The
model handles everything around the table (walk-away values, the threat, the clock, outcomes): an Agreement
signed by every country is a ``deal``, one signed by fewer is ``bilateral``. A package passes when its
supporters satisfy the table's decision rule (``rules.Rule``: unanimity, or a quota with veto parties); a
package that passes binds every country, so it is signed by all.

* ``alternating_offers``: each country in turn tables a package; the first one that passes is the deal.
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
        signatories: Countries bound by it (every country, for a package that passed the rule).
        proposer: The country that tabled it.
        supporters: Countries that said yes (the proposer included); the signatories when not given.
    """

    package: np.ndarray
    signatories: tuple[str, ...]
    proposer: str
    supporters: tuple[str, ...] | None = None


def supporters(table: Table, proposer, answers: list[bool], others: list | None = None) -> tuple[str, ...]:
    """The countries that say yes: the proposer (None for a mediator) and those among ``others`` (default: all
    but the proposer) whose answer is yes, in table order."""
    if all(answers):  # the common case, and every case that passes under unanimity
        return tuple(a.code for a in table.countries)
    others = [a for a in table.countries if a is not proposer] if others is None else others
    yes = {a.code for a, ok in zip(others, answers, strict=True) if ok} | ({proposer.code} if proposer else set())
    return tuple(a.code for a in table.countries if a.code in yes)


def passes(table: Table, yes: tuple[str, ...]) -> bool:
    """Whether these supporters pass a package under the table's decision rule."""
    if len(yes) == len(table.countries):
        return True
    return not table.rule.unanimous and bool(table.rule.passes(np.array([a.code in yes for a in table.countries])))


class Protocol:
    """Base class: ``name`` for the registry, ``play_round`` for one round."""

    name: ClassVar[str]

    def play_round(self, table: Table) -> Agreement | None:
        raise NotImplementedError


class AlternatingOffers(Protocol):
    """Multilateral alternating offers (docs/table.md, "Rounds"): each country in turn tables a full package; the
    others accept or reject it; the first package that passes the decision rule (under unanimity: that all
    accept) is the agreement. The order is shuffled each round when ``protocol.random_order`` is on."""

    name = "alternating_offers"

    def play_round(self, table: Table) -> Agreement | None:
        for proposer in table.proposer_order():
            package = proposer.propose()
            table.table(proposer, package)
            yes = supporters(table, proposer, table.answers(package, exclude=proposer))
            if passes(table, yes):
                return Agreement(package, tuple(a.code for a in table.countries), proposer.code, yes)
        return None


class SingleText(Protocol):
    """Raiffa's single negotiating text (Raiffa 1982, *The Art and Science of Negotiation*, ch. 14; the
    Camp David procedure): a mediator drafts one text, the parties only criticise it, the mediator revises.

    Each round every party that objected to the last text (every party, in round 1) states its objection by
    tabling the package it would accept now (its offer at its aspiration); a party that accepted stands on
    the text. The mediator redrafts the text as the average of these positions, snapped to levels and kept
    inside every party's declared red lines (the "non-starters" of seed 003_f02f829b3b9ade45.txt) where
    they leave room; on a categorical issue, where an average means nothing, it takes the option most parties
    state. It asks every party to accept the text; the text is agreed when it passes the decision rule.

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
        self.text = self.redraft(table, np.array(positions))
        table.record(self.mediator, self.text)
        answers = table.answers(self.text)
        self.objections = {a.code for a, ok in zip(table.countries, answers, strict=True) if not ok}
        yes = supporters(table, None, answers, table.countries)
        if passes(table, yes):
            return Agreement(self.text, tuple(a.code for a in table.countries), self.mediator, yes)
        return None

    @staticmethod
    def redraft(table: Table, positions: np.ndarray) -> np.ndarray:
        """The mediator's text from the parties' positions (P, K): their average inside all red lines (where they
        overlap), snapped; on a categorical issue the option most of them state (ties: the first); on a discrete
        issue where red lines exclude options, the option nearest that (most stated) which no red line
        excludes, if there is one."""
        prefs, space = table.preferences, table.space
        average = np.mean(positions, axis=0)
        lo, hi = prefs.lo.max(axis=0), prefs.hi.min(axis=0)
        room = lo <= hi + 1e-9  # red lines on ordinal issues sit on levels, so snapping keeps inside them
        text = space.snap(np.where(room, np.clip(average, lo, np.maximum(hi, lo)), average))
        if prefs.excluded is None and not space.categorical.any():
            return text
        stated = space.option_index(positions)
        for j in np.flatnonzero(space.discrete):
            options = np.arange(space.sizes[j] + 1)
            if space.categorical[j]:
                order = np.lexsort((options, -(stated[:, j][:, None] == options).sum(axis=0)))
            else:
                order = np.argsort(np.abs(options / space.sizes[j] - text[j]), kind="stable")
            blocked = np.zeros(len(options), dtype=bool) if prefs.excluded is None else \
                prefs.excluded.mask[:, j, :len(options)].any(axis=0)
            if room[j]:
                blocked |= (options / space.sizes[j] < lo[j] - 1e-9) | (options / space.sizes[j] > hi[j] + 1e-9)
            allowed = order[~blocked[order]]
            text[j] = (allowed[0] if allowed.size else order[0]) / space.sizes[j]
        return text


class BilateralFirst(Protocol):
    """Two countries may sign first; the others may accede later or be left out.

    Rounds run as in alternating offers while a deal of all is possible (a package that passes the decision rule
    binds all). From the deadline round on, a package that the proposer and some but not all of the others
    accept may be signed by those who accept it (with a threatener in the scenario, only a group that includes
    it: only the country able to end NAFTA can replace it; under a quota rule, only a group with every veto
    party). The countries left out may then accede to the signed text, unchanged, in any
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
            yes = supporters(table, proposer, table.answers(package, exclude=proposer))
            if passes(table, yes):
                return Agreement(package, everyone, proposer.code, yes)
            signers, vetoes = set(yes), {everyone[v] for v in table.rule.veto}
            group = len(signers) >= 2 and threatener in (None, *signers) and vetoes <= signers
            if table.clock.round >= table.clock.deadline_round and group:
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

