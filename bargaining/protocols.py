"""Protocols: who proposes when, how answers are gathered, when a round ends.

A protocol plays one round at a :class:`~bargaining.views.Table`, in every replication of the batch still
negotiating (``table.live``), and returns the ``Agreements`` signed that round. The model handles everything
around the table (walk-away values, the threat, the clock, outcomes): an agreement signed by every country is a
``deal``, one signed by fewer is ``bilateral``. A package passes when its supporters satisfy the table's decision
rule (``rules.Rule``: unanimity, or a quota with veto parties); a package that passes binds every country, so it
is signed by all.

* ``alternating_offers``: each country in turn tables a package; the first one that passes is the deal.
* ``single_text``: a mediator drafts one text and revises it from the parties' objections (Raiffa 1982).
* ``bilateral_first``: as alternating offers, but from the deadline on two countries may sign without the
  third, who may accede to the signed text until talks end, or be left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from . import offers
from .masks import every, some
from .per_replication import PerReplication
from .views import Table

MEDIATOR = -1  # ``Agreements.proposer`` of a mediator's text


@dataclass
class Agreements(PerReplication):
    """Packages signed in some replications of a batch.

    Attributes:
        rows: (R,) the replications that have one.
        package: (R, K) the agreed package (normalised), where ``rows``.
        signatories: (R, N) countries bound by it (every country, for a package that passed the rule).
        supporters: (R, N) countries that said yes (the proposer included).
        proposer: (R,) row of the country that tabled it, ``MEDIATOR`` for a mediator's text.
    """

    per_replication = ("rows", "package", "signatories", "supporters", "proposer")

    rows: np.ndarray
    package: np.ndarray
    signatories: np.ndarray
    supporters: np.ndarray
    proposer: np.ndarray

    @classmethod
    def none(cls, size: int, n: int, k: int) -> Agreements:
        return cls(np.zeros(size, dtype=bool), np.zeros((size, k)), np.zeros((size, n), dtype=bool),
                   np.zeros((size, n), dtype=bool), np.full(size, MEDIATOR))

    def copy(self) -> Agreements:
        return Agreements(self.rows.copy(), self.package.copy(), self.signatories.copy(), self.supporters.copy(),
                          self.proposer.copy())

    def sign(self, rows: np.ndarray, package: np.ndarray, signatories: np.ndarray | bool, supporters: np.ndarray,
             proposer: np.ndarray | int) -> None:
        """Record the agreements signed in the replications ``rows`` (arguments as the attributes; ``signatories``
        True: every country, ``proposer`` a number: the same in every replication)."""
        self.rows = self.rows | rows
        self.package[rows] = package[rows]
        self.signatories[rows] = signatories[rows] if isinstance(signatories, np.ndarray) else signatories
        self.supporters[rows] = supporters[rows]
        self.proposer[rows] = proposer[rows] if isinstance(proposer, np.ndarray) else proposer

    def take(self, other: Agreements, rows: np.ndarray) -> None:
        """Take ``other``'s agreements in the replications ``rows``."""
        self.sign(rows, other.package, other.signatories, other.supporters, other.proposer)

    def drop(self, rows: np.ndarray) -> None:
        """Forget the agreements of the replications ``rows``."""
        self.rows = self.rows & ~rows


class Protocol(PerReplication):
    """Base class: ``name`` for the registry, ``play_round`` for one round of every live replication."""

    name: ClassVar[str]
    per_replication = ("size", "_blank")

    def __init__(self, table: Table):
        n, k = len(table.countries), len(table.space)
        self.size, self.parties, self.issues = table.size, n, k
        self._blank = Agreements.none(self.size, n, k)  # copied each round (cheaper than making its five arrays)
        self._own, self._others = np.eye(n, dtype=bool), ~np.eye(n, dtype=bool)  # row p: country p, the others
        # a single run's: country p's rows as (1, N) views, looked up instead of indexed (tuples: not per replication)
        self._own_one = tuple(self._own[p:p + 1] for p in range(n))
        self._others_one = tuple(self._others[p:p + 1] for p in range(n))

    def play_round(self, table: Table) -> Agreements:
        raise NotImplementedError

    def _none(self) -> Agreements:
        return self._blank.copy()

    def _order(self, table: Table) -> tuple[np.ndarray, Sequence[np.ndarray], Sequence[np.ndarray]]:
        """This round's proposer order (R, P) and, for each of its positions, the proposer's own column and the
        others' (P of (R, N)): indexed once a round, not once an offer."""
        order = table.proposer_order()
        if len(order) == 1:  # a single run: each proposer's rows looked up (numpy's fancy indexing costs ~10k a call)
            row = order.tolist()[0]
            return order, [self._own_one[p] for p in row], [self._others_one[p] for p in row]
        return order, np.swapaxes(self._own[order], 0, 1), np.swapaxes(self._others[order], 0, 1)

    def _offers(self, table: Table, open_: np.ndarray, agreed: Agreements, position: int,
                order: tuple[np.ndarray, Sequence[np.ndarray], Sequence[np.ndarray]]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ``position``-th proposer of each open replication (``order``: ``_order``'s) tables its package, the
        others answer; a package that passes is signed by all. Returns the proposers, packages and supporters."""
        proposers, own, others = order
        proposer = proposers[:, position]
        package = table.propose(proposer, open_)
        utility = table.table(proposer, package, open_)
        asked = others[position]
        if not every(open_):  # every replication open (always, in a single run): no mask to apply
            asked = asked & open_[:, None]
        yes = table.answers(package, asked, utility) | own[position]
        passed = open_ & table.passes(yes)
        if some(passed):
            agreed.sign(passed, package, True, yes, proposer)
            open_ &= ~passed
        return proposer, package, yes


class AlternatingOffers(Protocol):
    """Multilateral alternating offers (docs/table.md, "Rounds"): each country in turn tables a full package; the
    others accept or reject it; the first package that passes the decision rule (under unanimity: that all
    accept) is the agreement. The order is shuffled each round when ``protocol.random_order`` is on."""

    name = "alternating_offers"

    def play_round(self, table: Table) -> Agreements:
        agreed, open_ = self._none(), table.live.copy()
        order = self._order(table)
        for position in range(self.parties):
            if not some(open_):
                break
            self._offers(table, open_, agreed, position, order)
        return agreed


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
        text: (R, K) the current draft (normalised) of each replication.
        objections: (R, N) the countries that rejected the current draft (all, before round 1).
    """

    name = "single_text"
    per_replication = (*Protocol.per_replication, "text", "objections")
    mediator = "mediator"

    def __init__(self, table: Table):
        super().__init__(table)
        self.text = np.zeros((self.size, self.issues))
        self.objections = np.ones((self.size, self.parties), dtype=bool)

    def play_round(self, table: Table) -> Agreements:
        live = table.live
        positions = np.repeat(self.text[:, None, :], self.parties, axis=1)
        for agent in table.countries:
            rows = live & self.objections[:, agent.row]
            if some(rows):
                package = table.propose(np.full(self.size, agent.row), rows)
                table.table(np.full(self.size, agent.row), package, rows)
                positions[rows, agent.row] = package[rows]
        redraft = self.redraft if table.rule.unanimous else self.coalition_redraft
        self.text = np.where(live[:, None], redraft(table, positions, live), self.text)
        if live[0]:
            table.record(self.mediator, self.text[0])
        yes = table.answers(self.text, np.broadcast_to(live[:, None], self.objections.shape))
        self.objections = np.where(live[:, None], ~yes, self.objections)
        agreed = self._none()
        passed = live & table.passes(yes)
        if some(passed):
            agreed.sign(passed, self.text, True, yes, MEDIATOR)
        return agreed

    @staticmethod
    def redraft(table: Table, positions: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The mediator's text from the parties' positions (R, P, K): their average inside all red lines (where
        they overlap), snapped; on a categorical issue the option most of them state (ties: the first); on a
        discrete issue where red lines exclude options, the option nearest that (most stated) which no red line
        excludes, if there is one."""
        space = table.space
        text = np.zeros((positions.shape[0], positions.shape[2]))
        for _, prefs, members in table.groups_of(rows):
            text[members] = SingleText._redraft(prefs, space, positions[members])
        return text

    @staticmethod
    def coalition_redraft(table: Table, positions: np.ndarray, rows: np.ndarray, chunk: int = 256) -> np.ndarray:
        """Under a quota rule: the text that comes closest to the demands of a winning coalition. Each party's
        demand is its utility of the position it stated (of the text, if it accepted it); the text is the package
        whose worst shortfall from demand, over the veto parties and the others nearest their demands (as many as
        the rule needs; each within its red lines and walk-away value), is smallest, each shortfall a share of
        what the party could gain above its walk-away value; ties go to the largest sum of surpluses. The text
        thus moves toward the party that blocks it (Raiffa 1982, ch. 14: the mediator redrafts to meet the
        objections that stand in the way). Where the space is too large to weigh package by package: ``redraft``."""
        packages = offers.candidates(table.space)
        if packages is None:
            return SingleText.redraft(table, positions, rows)
        walk_away = np.stack([agent.walk_away for agent in table.countries], axis=1)  # (R, N)
        scale = np.maximum(1.0 - walk_away, 1e-9)
        n = walk_away.shape[1]
        text = np.zeros((positions.shape[0], positions.shape[2]))
        for _, prefs, members in table.groups_of(rows):
            u = prefs.utility(packages)  # (P, N)
            inside = prefs.within_red_lines(packages)
            for start in range(0, members.sum(), chunk):
                index = np.flatnonzero(members)[start:start + chunk]
                demand = prefs.utility(positions[index])[:, np.arange(n), np.arange(n)]  # (M, N)
                w, d = walk_away[index][:, None], scale[index][:, None]
                content = inside & (u >= w - 1e-12)  # (M, P, N)
                gap = np.where(content, (u - demand[:, None]) / d, -np.inf)
                score = offers.coalition_score(gap, table.rule, None)
                welfare = np.where(content, (u - w) / d, 0.0).sum(axis=-1)
                best = np.argmax(np.where(score == score.max(axis=1, keepdims=True), welfare, -np.inf), axis=1)
                text[index] = packages[best]
        return text

    @staticmethod
    def _redraft(prefs, space, positions: np.ndarray) -> np.ndarray:
        average = np.mean(positions, axis=1)
        lo, hi = prefs.lo.max(axis=0), prefs.hi.min(axis=0)
        room = lo <= hi + 1e-9  # red lines on ordinal issues sit on levels, so snapping keeps inside them
        text = space.snap(np.where(room, np.clip(average, lo, np.maximum(hi, lo)), average))
        if prefs.excluded is None and not space.categorical.any():
            return text
        stated = space.option_index(positions)  # (M, P, K)
        for j in np.flatnonzero(space.discrete):
            options = np.arange(space.sizes[j] + 1)
            blocked = np.zeros(len(options), dtype=bool) if prefs.excluded is None else \
                prefs.excluded.mask[:, j, :len(options)].any(axis=0)
            if room[j]:
                blocked |= (options / space.sizes[j] < lo[j] - 1e-9) | (options / space.sizes[j] > hi[j] + 1e-9)
            if space.categorical[j]:  # most stated first, ties by option
                key = (stated[:, :, j][:, :, None] == options).sum(axis=1) * (len(options) + 1) - options
                key = key.astype(float)
            else:  # nearest the average first, ties by option
                key = -np.abs(options / space.sizes[j] - text[:, j][:, None])
            first = key.argmax(axis=1)
            allowed = np.where(blocked, -np.inf, key)
            pick = np.where(np.isfinite(allowed).any(axis=1), allowed.argmax(axis=1), first)
            text[:, j] = pick / space.sizes[j]
        return text


class BilateralFirst(Protocol):
    """Two countries may sign first; the others may accede later or be left out.

    Rounds run as in alternating offers while a deal of all is possible (a package that passes the decision rule binds
    all). From the deadline round on, a package that the proposer and some but not all of the others accept may be
    signed by those who accept it (with a threatener in the scenario, only a group that includes it: only the country
    able to end NAFTA can replace it; with veto parties, only a group that includes them all). Under a quota rule no
    group signs first: a group the rule lets pass binds every country (a deal), and a smaller one is not enough. The
    countries left out may then accede to the signed text, unchanged, in any later round until the talks would end
    (notice expiry or horizon): a country accedes when it would accept the text. When all have signed the outcome is a
    ``deal``; otherwise, when talks end, it is ``bilateral`` and each country left out gets its termination value (the
    signatories' agreement replaces NAFTA, so the one left out keeps neither NAFTA nor the new text).

    Attributes:
        signed: The signed texts and their signatories while accession is open (``Agreements``).
    """

    name = "bilateral_first"
    per_replication = (*Protocol.per_replication, "signed")

    def __init__(self, table: Table):
        super().__init__(table)
        self.signed = self._none()

    def play_round(self, table: Table) -> Agreements:
        live, agreed = table.live, self._none()
        acceding = live & self.signed.rows
        open_ = live & ~acceding  # a signed text is open for accession only: nothing more is tabled
        if some(acceding):
            self._accession(table, acceding, agreed, now=True)
        order = self._order(table)
        threatener = table.threatener
        for position in range(self.parties):
            if not some(open_):
                break
            proposer, package, yes = self._offers(table, open_, agreed, position, order)
            # under a quota rule the rule says who must agree: a group it lets pass binds all (a deal), a smaller one
            # may not sign; a veto party (unanimity with a veto list) is in every group that signs
            group = (yes.sum(axis=1) >= 2) & table.rule.unanimous & yes[:, list(table.rule.veto)].all(axis=1)
            if threatener is not None:
                group &= yes[:, threatener]
            signing = open_ & group & (table.clock.round >= table.clock.deadline_round)
            if some(signing):
                self.signed.sign(signing, package, yes, yes, proposer)
                open_ &= ~signing
                self._accession(table, signing, agreed, now=False)
        return agreed

    def _accession(self, table: Table, rows: np.ndarray, agreed: Agreements, now: bool) -> None:
        """Let the countries left out accede (from the round after signing); close the signed texts when
        all have signed or the talks end this round."""
        signed = self.signed
        if now:
            joining = table.answers(signed.package, rows[:, None] & ~signed.signatories)
            signed.signatories |= joining
        close = rows & (signed.signatories.all(axis=1) | (table.clock.round >= table.last_round()))
        if some(close):
            agreed.sign(close, signed.package, signed.signatories, signed.signatories, signed.proposer)
            signed.drop(close)


PROTOCOLS: dict[str, type[Protocol]] = {cls.name: cls for cls in (AlternatingOffers, SingleText, BilateralFirst)}
