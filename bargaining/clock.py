"""The clock of the talks: rounds, the deadline, the notice of withdrawal and when talks end.

One rule, owned by the model and read by protocols (docs/model.md, "Deadline and threat"):

* at the end of the deadline round (or any later round without a notice), a threatener whose threat is
  credible gives notice of withdrawal (NAFTA Art. 2205); without a credible threat the partners' beliefs
  erode instead (seed 002_049f4b7f3ef954d1.txt: "concede that his previous threats were a bluff");
* a notice takes effect ``notice_rounds`` rounds later (``withdrawal``) unless a deal comes first;
* without a notice, talks end at ``horizon_round`` (``stalemate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .outcomes import Outcome


class Tick(Enum):
    """What the end of a round brings besides the passing of time."""

    NONE = "none"
    NOTICE = "notice"  # the threatener gives notice of withdrawal: partners' beliefs become 1
    EROSION = "erosion"  # past the deadline with no credible threat: partners' beliefs erode


@dataclass
class Clock:
    """Rounds and deadlines of one negotiation.

    Attributes:
        deadline_round: Round by which a deal is due.
        horizon_round: Last round if no notice of withdrawal is given.
        notice_rounds: Rounds between a notice and the withdrawal taking effect.
        threatened: Whether some country can withdraw.
        round: The current round (1 in the first round; 0 before it).
        notice_round: Round whose end saw the notice of withdrawal, or None.
    """

    deadline_round: int
    horizon_round: int
    notice_rounds: int
    threatened: bool
    round: int = 0
    notice_round: int | None = None

    def notice_due(self, credible: bool) -> bool:
        """Whether the end of this round brings a notice of withdrawal."""
        return self.threatened and credible and self.notice_round is None and self.round >= self.deadline_round

    def last_round(self, credible: bool) -> int:
        """The round at whose end the talks end unless a deal comes first (withdrawal or horizon)."""
        notice = self.round if self.notice_due(credible) else self.notice_round
        return self.horizon_round if notice is None else notice + self.notice_rounds

    def end_round(self, credible: bool) -> Tick:
        """Advance past the end of the current round: give notice or let beliefs erode, as the rule says."""
        if not self.threatened or self.notice_round is not None or self.round < self.deadline_round:
            return Tick.NONE
        if credible:
            self.notice_round = self.round
            return Tick.NOTICE
        return Tick.EROSION

    def expired(self) -> Outcome | None:
        """The outcome the clock imposes at the end of the current round, if any."""
        if self.notice_round is not None:
            return Outcome.WITHDRAWAL if self.round >= self.notice_round + self.notice_rounds else None
        return Outcome.STALEMATE if self.round >= self.horizon_round else None
