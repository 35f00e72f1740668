"""The negotiation model: one Mesa step is one negotiating round.

Around the table (``protocols.py``) the model keeps the clock and the threat (docs/model.md):

* each round domestic politics acts first (scheduled events, then every constituency: ``domestic/``), then
  every country's walk-away value is recomputed from the threat and its current belief;
* the protocol plays the round; a signed package goes to ratification at home;
* the clock (``clock.py``) ends the round: a notice of withdrawal once the deadline passes with a credible
  threat (the partners' beliefs become 1), or, without one, the partners' beliefs erode by
  ``threat.belief_erosion`` (seed 002_049f4b7f3ef954d1.txt: "concede that his previous threats were a
  bluff"); the withdrawal takes effect ``threat.notice_rounds`` later, and without a notice talks end at
  ``protocol.horizon_round`` in a stalemate.
"""

from __future__ import annotations

import mesa
import numpy as np

from . import domestic
from .agents import CountryAgent
from .clock import Clock, Tick
from .domestic import Shock
from .outcomes import Outcome
from .preferences import Preferences, walk_away_values
from .protocols import PROTOCOLS, Agreement
from .records import Records
from .scenario import Scenario
from .strategies import STRATEGIES


class NegotiationModel(mesa.Model):
    """Multi-party, multi-issue bargaining under a withdrawal threat.

    Implements the :class:`~bargaining.views.Table` its protocol sees and the :class:`~bargaining.views.Home`
    its constituencies see.

    Args:
        case: The bargaining scenario (``case`` because Mesa's Model reserves ``scenario``).
        rng: Seed or numpy Generator; all randomness goes through ``self.rng``.
        record: Keep per-round records in ``self.records`` (off for sweeps).

    Attributes:
        clock: Rounds, the deadline and the notice of withdrawal.
        countries: Country agents in scenario order.
        outcome: None while talks go on, then an :class:`~bargaining.outcomes.Outcome`.
        constituencies: Domestic constituency agents (``domestic/``), in acting order.
        ratified: Country -> whether it ratified the final package (all False without one).
        belief_path: Per round, every country's belief in the threat at the round's end.
        agreement: The Agreement of a deal.
        records: Per-round records (``records.Records``), None when not recording.
    """

    def __init__(self, case: Scenario, rng=None, record: bool = True):
        super().__init__(rng=rng)
        self.case = case
        spec = case.spec
        self.preferences = case.preferences
        self.space = case.space
        self.status_quo = self.space.status_quo  # None when the scenario has none (then never used)
        self.status_quo_utility = case.status_quo_utility
        self.threatener = case.threatener
        self.rule = case.rule
        self.clock = Clock(spec.protocol.deadline_round, spec.protocol.horizon_round, spec.threat.notice_rounds,
                           threatened=self.threatener is not None)
        self.protocol = PROTOCOLS[spec.protocol.name]()
        self.outcome: Outcome | None = None
        self.agreement: Agreement | None = None

        self.countries: list[CountryAgent] = []
        for row, code in enumerate(case.countries):
            strategy = STRATEGIES[spec.countries[code].strategy.name](case.strategy_params(code))
            belief = self._with_noise(float(case.initial_beliefs[row]))
            self.countries.append(CountryAgent(self, code, row, strategy, belief))
        self.constituencies = domestic.build(self, self.countries, case)
        for agent in self.countries:
            agent.constituencies = [c for c in self.constituencies if c.country is agent]
            agent.anticipates = spec.ratification.anticipate
        self.ratified: dict[str, bool] = {a.code: False for a in self.countries}
        self.failed_ratifications: list[tuple[int, tuple[str, ...]]] = []  # (round, vetoing countries)
        self.belief_path: list[list[float]] = []
        self.records = Records() if record else None
        self._update_walk_away()

    def _with_noise(self, belief: float) -> float:
        """A partner's initial belief in the threat, plus ``noise.belief`` (drawn only for partners of a
        threatener), kept in [0, 1]."""
        noise = self.case.spec.noise.belief
        if self.threatener is None or np.isnan(belief):
            return belief
        if noise > 0:
            belief += noise * self.rng.standard_normal()
        return min(max(belief, 0.0), 1.0)

    # ------------------------------------------------------------------------------------- state
    @property
    def round(self) -> int:
        return self.clock.round

    @property
    def notice_round(self) -> int | None:
        return self.clock.notice_round

    @property
    def deadline_round(self) -> int:
        return self.clock.deadline_round

    @property
    def threat_credible(self) -> bool:
        """The threat is credible when withdrawing beats the status quo for the threatener (strictly)."""
        if self.threatener is None:
            return False
        return bool(self.preferences.termination[self.threatener] > self.status_quo_utility[self.threatener])

    @property
    def beliefs(self) -> np.ndarray:
        return np.array([a.belief for a in self.countries])

    def last_round(self) -> int:
        """The round at whose end the talks end unless a deal comes first (the clock's rule)."""
        return self.clock.last_round(self.threat_credible)

    def _update_walk_away(self) -> None:
        beliefs = np.nan_to_num(self.beliefs)
        values = walk_away_values(self.preferences.termination, self.status_quo_utility, self.threatener, beliefs)
        for agent, value in zip(self.countries, values.tolist(), strict=True):
            agent.walk_away = value

    # ------------------------------------------------------------------------------------- domestic politics
    def set_preferences(self, preferences: Preferences, positions: bool = True) -> None:
        """Replace the preferences; ``positions``: ideal points, weights or red lines changed, so every
        country's concession path is rebuilt."""
        self.preferences = preferences
        if positions and self.status_quo is not None:
            self.status_quo_utility = preferences.utility(self.status_quo)
            for agent in self.countries:
                agent.forget_path()

    def apply(self, shock: Shock) -> None:
        """Apply a shock from domestic politics to its country."""
        old, preferences = self.preferences, shock.applied_to(self.preferences)
        if preferences is not None:
            moved = any(getattr(preferences, key) is not getattr(old, key) for key in ("ideal", "lo", "hi"))
            self.set_preferences(preferences, positions=moved)
        agent = self.countries[self.preferences.index(shock.country)]
        if shock.belief_shift:
            agent.belief = min(max(agent.belief + shock.belief_shift, 0.0), 1.0)
        if shock.aspiration_floor is not None:
            agent.aspiration_floor = shock.aspiration_floor
        if shock.strategy is not None:
            agent.strategy = shock.strategy

    # ------------------------------------------------------------------------------------- the table
    def proposer_order(self) -> list[CountryAgent]:
        """Who proposes this round, in order: shuffled through ``self.rng`` when the protocol says so."""
        if not self.case.spec.protocol.random_order:
            return list(self.countries)
        return [self.countries[i] for i in self.rng.permutation(len(self.countries))]

    def table(self, proposer: CountryAgent, package: np.ndarray) -> None:
        """Put a package on the table: the others observe it and its utility to them; recorded when recording."""
        utility = self.preferences.utility(package)
        for agent in self.countries:
            if agent is not proposer:
                agent.observe(proposer.code, package, float(utility[agent.row]))
        self.record(proposer.code, package)

    def record(self, who: str, package: np.ndarray) -> None:
        """Keep a tabled package when recording."""
        if self.records is not None:
            self.records.tabled.append((self.round, who, package))

    def answers(self, package: np.ndarray, exclude: CountryAgent | None = None,
                among: list[CountryAgent] | None = None) -> list[bool]:
        """The answers to a package of the countries ``among`` (default: all), but ``exclude``."""
        utility = self.preferences.utility(package)
        within = self.preferences.within_red_lines(package)
        return [a.accepts(package, utility[a.row], within[a.row])
                for a in (self.countries if among is None else among) if a is not exclude]

    # ------------------------------------------------------------------------------------- a round
    def step(self) -> None:
        """One round: domestic politics, walk-away values, aspirations, the protocol's round, then the clock."""
        self.clock.round = self.steps
        if self.constituencies or self.case.spec.events:
            for shock in domestic.event_shocks(self.case, self.round):
                self.apply(shock)
            for constituency in self.constituencies:
                for shock in constituency.act():
                    self.apply(shock)
        self._update_walk_away()
        for agent in self.countries:
            agent.begin_round()
        agreement = self.protocol.play_round(self)
        if agreement is not None:
            self._ratify(agreement)
        if self.outcome is None:
            self._advance_clock()
        self.running = self.outcome is None  # Mesa's convention: visualisations and batch runners stop
        self.belief_path.append([a.belief for a in self.countries])
        if self.records is not None:
            self.records.collect(self)

    def _ratify(self, agreement: Agreement) -> None:
        """A signed package becomes final only when every country's constituencies ratify it (Putnam
        1988); otherwise the talks end (``ratification_failed``) or resume, as ``[ratification]`` says,
        and the countries whose ratification failed anticipate their ratifiers from then on."""
        vetoes = [code for code in domestic.vetoes(self.constituencies, agreement.package)
                  if code in agreement.signatories]  # only signatories ratify
        self.ratified = {a.code: a.code in agreement.signatories and a.code not in vetoes for a in self.countries}
        self.agreement = agreement
        if not vetoes:
            self.outcome = Outcome.DEAL if len(agreement.signatories) == len(self.countries) else Outcome.BILATERAL
        elif self.case.spec.ratification.on_failure == "fail":
            self.outcome = Outcome.RATIFICATION_FAILED
        else:
            self.failed_ratifications.append((self.round, tuple(vetoes)))
            self.agreement, self.ratified = None, {a.code: False for a in self.countries}
            for agent in self.countries:
                agent.anticipates = agent.anticipates or agent.code in vetoes

    def _advance_clock(self) -> None:
        tick = self.clock.end_round(self.threat_credible)
        partners = [a for a in self.countries if a.row != self.threatener]
        if tick is Tick.NOTICE:
            for agent in partners:
                agent.belief = 1.0
        elif tick is Tick.EROSION:
            for agent in partners:
                agent.belief *= 1.0 - self.case.spec.threat.belief_erosion
        self.outcome = self.clock.expired()

    def run(self) -> Outcome:
        """Step until an outcome; return it."""
        while self.outcome is None:
            self.step()
        return self.outcome

    def outcome_utilities(self) -> np.ndarray:
        """Each country's utility of the outcome: the agreed package (binding every country, those that voted no
        included), termination after a withdrawal, the status quo after a stalemate or a failed ratification
        (termination values after a notice of withdrawal, or if ``protocol.no_deal = "termination"``; a
        country's reservation value if it has one)."""
        if self.outcome == Outcome.DEAL:
            return self.preferences.utility(self.agreement.package)
        if self.outcome == Outcome.BILATERAL:  # those left out keep neither NAFTA nor the new text
            signed = np.isin(self.case.countries, self.agreement.signatories)
            return np.where(signed, self.preferences.utility(self.agreement.package), self.preferences.termination)
        withdrawn = self.outcome == Outcome.RATIFICATION_FAILED and self.notice_round is not None
        if self.outcome == Outcome.WITHDRAWAL or withdrawn or self.case.spec.protocol.no_deal == "termination":
            return self.preferences.termination.copy()
        return np.where(self.case.no_deal_termination, self.preferences.termination, self.status_quo_utility)
