"""Behaviour-dependent tactics: reciprocate the others' concessions (Faratin, Sierra & Jennings 1998, s. 4.3).

Faratin et al. copy the opponent's concession on each issue value. Here a concession is measured where a
country can measure it, in its own utility: every package another country tables is valued by the
reciprocating country (``observe``), and the change in that value between the other's successive offers
is the concession it reciprocates, with its aspiration. With several others the concessions are averaged
over those who tabled something new since the last round (in table order).

* relative tit-for-tat: the others cut what they ask of this country, 1 - u(their offer), by some share;
  it cuts its own demand above its walk-away value, aspiration - walk-away, by the same share;
* absolute tit-for-tat: it lowers its aspiration by the utility the others' last offers gained it.

Under a quota rule (docs/model.md, "Coalitions") a country needs only a winning coalition, and the others' offers
go to coalitions of their own, so a package that leaves it out is no retreat toward it. There it reciprocates
multilaterally: each other's concession is measured in that country's own surplus (what it gave up to the table,
as a share of what it could gain), and averaged over the members of the coalition it needs (its veto parties
and the others its own offer serves best); its aspiration never asks more than the best package that passes
as it believes gives it. When its coalition concedes nothing in a round (with few packages, offers stand still
once the concessions shrink below a step between packages) it makes the opening move again: generous
tit-for-tat (Nowak & Sigmund 1992), which breaks the deadlock of reciprocators that wait for each other.
Relative shares are averaged geometrically there (their product telescopes to the coalition's total
concession; an arithmetic mean of noisy ratios drifts upward). From the deadline round on it also accepts a package
worth at least the best the others offered it in the last round (AC_combi, Baarslag, Hindriks & Jonker 2014), and
in the last round anything it would sign at all (their AC_time): a coalition that stands on a package which passes no
longer waits for a reciprocator's last small concession.

``delta`` is Faratin's window: reciprocate the concession made ``delta`` offers back. Like Axelrod's
TIT FOR TAT it opens nicely: in round 2, before any concession can be seen, it concedes ``first_move``.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from .base import Strategy, StrategyParams, coalition_ceilings, coalition_members, surpluses


class _Reciprocal(Strategy):
    classifier = {**Strategy.classifier, "reciprocal": True, "time_dependent": True}  # opens in round 2
    per_replication = ("target", "seen", "count", "used", "offered", "offered_last")

    class Params(StrategyParams):
        delta: int = Field(1, ge=1, description="reciprocate the concession made this many offers back")
        first_move: float = Field(0.05, ge=0, le=1, description="utility conceded in round 2, before any "
                                  "concession of the others can be seen")

    def __init__(self, params=None):
        super().__init__(params)
        self.target: np.ndarray | None = None  # (R,) aspiration before noise
        self.seen: np.ndarray | None = None  # (R, N, delta + 1) own utility of each other's last offers (a ring)
        self.count: np.ndarray | None = None  # (R, N) offers seen from each other
        self.used: np.ndarray | None = None  # (R, N) offers already reciprocated
        self.multilateral = False  # under a quota rule (set each round)
        self.offered: np.ndarray | None = None  # (R,) the best the others' offers this round gave it
        self.offered_last: np.ndarray | None = None  # (R,) the same, last round

    def _start(self, agent) -> None:
        if self.target is None:
            size, n = agent.size, len(agent.countries)
            self.target = np.ones(size)
            self.seen = np.zeros((size, n, self.params.delta + 1))
            self.count = np.zeros((size, n), dtype=int)
            self.used = np.zeros((size, n), dtype=int)
            self.offered = np.full(size, -np.inf)
            self.offered_last = np.full(size, -np.inf)

    def observe(self, agent, proposer, packages, utility, rows) -> None:
        self._start(agent)
        r = rows.nonzero()[0]  # np.flatnonzero of (R,) rows, without its wrapper: every package seen
        who = proposer[r]
        self.offered[r] = np.maximum(self.offered[r], utility[r])
        if not agent.rule.unanimous:  # what the proposer keeps back: 1 - its own surplus share
            surplus = surpluses(agent, packages)
            utility = 1.0 - surplus[np.arange(agent.size), proposer]
        self.seen[r, who, self.count[r, who] % (self.params.delta + 1)] = utility[r]
        self.count[r, who] += 1

    def aspiration(self, agent):
        self._start(agent)
        self.offered_last, self.offered = self.offered, np.full(agent.size, -np.inf)
        delta, ring = self.params.delta, self.params.delta + 1
        new = (self.count > self.used) & (self.count > delta)  # (R, N): a pair to reciprocate
        self.multilateral = not agent.rule.unanimous
        if self.multilateral:  # only the coalition it needs; its aspiration within what can pass
            self.target = np.minimum(self.target, coalition_ceilings(agent))
            new &= coalition_members(agent, agent.offer)
        rows = np.arange(agent.size)[:, None]
        others = np.arange(new.shape[1])[None, :]
        before = self.seen[rows, others, (self.count - delta - 1) % ring]
        after = self.seen[rows, others, (self.count - delta) % ring]
        self.used = np.where(new, self.count, self.used)
        paired = new.any(axis=1)
        target = np.where(paired, self.reciprocate(new, before, after, agent.walk_away), self.target)
        if self.multilateral and agent.clock.round >= 2:  # a standstill of its coalition: a generous move
            target = np.where(target >= self.target - 1e-12, target - self.params.first_move, target)
        elif agent.clock.round == 2:
            target = np.where(paired, target, target - self.params.first_move)
        self.target = np.minimum(np.maximum(target, agent.walk_away), 1.0)
        return self.target

    def accepts(self, agent, packages, utility):
        """At its aspiration; under a quota rule, from the deadline round on, also a package worth at least the best
        the others offered it last round: AC_combi(MAX^W) of Baarslag, Hindriks & Jonker (2014), a window of one
        round (reciprocators whose coalition stands on a package that passes would otherwise wait for each other's
        last small concession past the horizon); in the last round, anything (the agent checks its walk-away value
        and red lines: no deal gives it no more), their AC_time."""
        ok = super().accepts(agent, packages, utility)
        if agent.rule.unanimous or agent.clock.round < agent.clock.deadline_round:
            return ok
        return ok | (utility >= self.offered_last - 1e-12) | np.logical_or(*agent.clock.expired())

    def reciprocate(self, new: np.ndarray, before: np.ndarray, after: np.ndarray, walk_away: np.ndarray):
        """(R,) new aspiration from the (earlier, later) own utilities (R, N) of the others' offers, where
        ``new`` (R, N) marks a pair to reciprocate."""
        raise NotImplementedError

    @staticmethod
    def _mean(new: np.ndarray, values: np.ndarray) -> np.ndarray:
        """(R,) the mean of ``values`` (R, N) where ``new``, summed in table order (NaN-free where none)."""
        total = np.zeros(len(new))
        for o in range(new.shape[1]):
            total = total + np.where(new[:, o], values[:, o], 0.0)
        return total / np.maximum(new.sum(axis=1), 1)


class RelativeTitForTat(_Reciprocal):
    """Concede, in proportion, what the others conceded (Faratin et al. 1998, relative tit-for-tat)."""

    name = "tit_for_tat_relative"

    def reciprocate(self, new, before, after, walk_away):
        with np.errstate(divide="ignore", invalid="ignore"):
            shares = np.where(1.0 - before > 1e-12, (1.0 - after) / (1.0 - before), 1.0)
        if self.multilateral:  # ratios average geometrically: their product telescopes, noise adds no drift
            return walk_away + (self.target - walk_away) * np.exp(self._mean(new, np.log(np.maximum(shares, 1e-12))))
        return walk_away + (self.target - walk_away) * self._mean(new, shares)


class AbsoluteTitForTat(_Reciprocal):
    """Concede as much utility as the others conceded (Faratin et al. 1998, absolute tit-for-tat)."""

    name = "tit_for_tat_absolute"

    def reciprocate(self, new, before, after, walk_away):
        return self.target - self._mean(new, after - before)
