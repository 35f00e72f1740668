"""The clock of the talks: rounds, the deadline, the notice of withdrawal and when talks end.

One rule, owned by the model and read by protocols (docs/model.md, "Deadline and threat"):

* at the end of the deadline round (or any later round without a notice), a threatener whose threat is
  credible gives notice of withdrawal (NAFTA Art. 2205); without a credible threat the partners' beliefs
  erode instead (seed 002_049f4b7f3ef954d1.txt: "concede that his previous threats were a bluff");
* a notice takes effect ``notice_rounds`` rounds later (``withdrawal``) unless a deal comes first;
* without a notice, talks end at ``horizon_round`` (``stalemate``).

Every replication of a batch has its own notice; the rounds pass for all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .per_replication import PerReplication

NO_NOTICE = -1  # ``notice_round`` of a replication without a notice


@dataclass
class Clock(PerReplication):
    """Rounds and deadlines of a batch of R replications of one negotiation (rounds pass together; notices
    are per replication).

    Attributes:
        deadline_round: Round by which a deal is due.
        horizon_round: Last round if no notice of withdrawal is given.
        notice_rounds: Rounds between a notice and the withdrawal taking effect.
        threatened: Whether some country can withdraw.
        size: Replications R.
        round: The current round (1 in the first round; 0 before it).
        notice_round: (R,) round whose end saw the notice of withdrawal, or ``NO_NOTICE``.
    """

    per_replication = ("size", "notice_round")

    deadline_round: int
    horizon_round: int
    notice_rounds: int
    threatened: bool
    size: int = 1
    round: int = 0
    notice_round: np.ndarray = field(default=None)

    def __post_init__(self):
        if self.notice_round is None:
            self.notice_round = np.full(self.size, NO_NOTICE)

    def notice_due(self, credible: np.ndarray) -> np.ndarray:
        """(R,) whether the end of this round brings a notice of withdrawal (``credible``: (R,) bool)."""
        return self.threatened & credible & (self.notice_round == NO_NOTICE) & (self.round >= self.deadline_round)

    def last_round(self, credible: np.ndarray) -> np.ndarray:
        """(R,) the round at whose end the talks end unless a deal comes first (withdrawal or horizon)."""
        notice = np.where(self.notice_due(credible), self.round, self.notice_round)
        return np.where(notice == NO_NOTICE, self.horizon_round, notice + self.notice_rounds)

    @property
    def decides(self) -> bool:
        """Whether the end of the current round may bring a notice or erosion (from the deadline on, with a threat;
        neither before the deadline)."""
        return self.threatened and self.round >= self.deadline_round

    def end_round(self, credible: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Advance the replications ``rows`` past the end of the current round: give notice or let beliefs erode,
        as the rule says. Returns the (R,) masks of a notice and of erosion."""
        if not self.decides:
            none = np.zeros(self.size, dtype=bool)
            return none, none
        past = rows & (self.notice_round == NO_NOTICE)
        notice, erosion = past & credible, past & ~credible
        self.notice_round = np.where(notice, self.round, self.notice_round)
        return notice, erosion

    def end_round_one(self, credible: bool) -> tuple[bool, bool]:
        """``end_round`` of a batch of one replication, live, as Python bools (its one entry, without numpy's cost
        per call)."""
        if not self.decides or self.notice_round.item() != NO_NOTICE:
            return False, False
        if credible:
            self.notice_round = np.array([self.round])
        return credible, not credible

    def expired(self) -> tuple[np.ndarray, np.ndarray]:
        """The outcomes the clock imposes at the end of the current round: (R,) masks of withdrawal and of
        stalemate."""
        noticed = self.notice_round != NO_NOTICE
        stalemate = ~noticed if self.round >= self.horizon_round else np.zeros(self.size, dtype=bool)
        return noticed & (self.round >= self.notice_round + self.notice_rounds), stalemate

    def expired_one(self) -> tuple[bool, bool]:
        """``expired`` of a batch of one replication, as Python bools (its one entry, without numpy's cost per
        call)."""
        notice = self.notice_round.item()
        if notice != NO_NOTICE:
            return self.round >= notice + self.notice_rounds, False
        return False, self.round >= self.horizon_round
