"""The negotiation model: one Mesa step is one negotiating round.

Around the table (``protocols.py``) the model keeps the clock and the threat (DESIGN.md):

* each round every country's walk-away value is recomputed from the threat and its current belief;
* if the deadline round ends without a deal and the threatener's threat is credible (its termination
  value exceeds its status-quo utility), it gives notice of withdrawal (NAFTA Art. 2205): the partners'
  beliefs become 1, and the withdrawal takes effect ``threat.notice_rounds`` rounds later unless a deal
  is reached first;
* if the threat is not credible, every round past the deadline erodes the partners' beliefs by
  ``threat.belief_erosion`` (seed 002_049f4b7f3ef954d1.txt: "concede that his previous threats were a
  bluff"), and talks run on until ``protocol.horizon_round``: a stalemate, NAFTA unchanged.
"""

from __future__ import annotations

import mesa
import numpy as np

from . import constituencies as domestic
from . import offers
from .agents import CountryAgent
from .preferences import walk_away_values
from .protocols import PROTOCOLS, Agreement
from .scenario import Scenario
from .strategies import STRATEGIES

DEAL, WITHDRAWAL, STALEMATE = "deal", "withdrawal", "stalemate"
RATIFICATION_FAILED = "ratification_failed"
BILATERAL = "bilateral"  # an Agreement signed by some countries only (protocols.BilateralFirst)


class NegotiationModel(mesa.Model):
    """Multi-party, multi-issue bargaining under a withdrawal threat.

    Args:
        case: The bargaining scenario (``case`` because Mesa's Model reserves ``scenario``).
        rng: Seed or numpy Generator; all randomness goes through ``self.rng``.
        record: Collect per-round records in ``self.datacollector`` (off for sweeps).

    Attributes:
        round: Current round (1 in the first step).
        countries: Country agents in scenario order.
        outcome: None while talks go on, then ``"deal"``, ``"withdrawal"``, ``"stalemate"`` or
            ``"ratification_failed"``.
        constituencies: Domestic constituency agents (``constituencies.py``), in acting order.
        ratified: Country -> whether it ratified the final package (all False without one).
        belief_path: Per round, every country's belief in the threat at the round's end.
        agreement: The Agreement of a deal.
        notice_round: Round whose end saw the notice of withdrawal, or None.
    """

    def __init__(self, case: Scenario, rng=None, record: bool = True):
        super().__init__(rng=rng)
        self.case = case
        spec = case.spec
        self.preferences = case.preferences
        self.space = case.space
        self.status_quo = self.space.status_quo
        self.status_quo_utility = self.preferences.utility(self.status_quo)
        self.deadline_round = spec.protocol.deadline_round
        self.horizon_round = spec.protocol.horizon_round
        self.threatener = case.threatener
        self.protocol = PROTOCOLS[spec.protocol.name]()
        self.round = 0
        self.notice_round: int | None = None
        self.outcome: str | None = None
        self.agreement: Agreement | None = None
        self.tabled: list[tuple[int, str, np.ndarray]] = []  # (round, proposer, package) when recording

        self.countries: list[CountryAgent] = []
        for row, (code, country) in enumerate(spec.countries.items()):
            strategy = STRATEGIES[country.strategy.name](case.strategy_params(code))
            belief = self._initial_belief(code, country.belief)
            self.countries.append(CountryAgent(self, code, row, strategy, belief))
        # domestic politics (constituencies.py): constituency agents, ratification, belief trajectory
        self.constituencies = domestic.build(self)
        self.ratified: dict[str, bool] = {a.code: False for a in self.countries}
        self.failed_ratifications: list[tuple[int, tuple[str, ...]]] = []  # (round, vetoing countries)
        self.belief_path: list[list[float]] = []
        if spec.ratification.anticipate:
            for agent in self.countries:
                agent.anticipates = True
        self.record = record
        self.datacollector = mesa.DataCollector(
            model_reporters={"notice": lambda m: m.notice_round is not None},
            agenttype_reporters={CountryAgent: {
                "aspiration": "aspiration", "walk_away": "walk_away", "belief": "belief",
                "offer_utility": lambda a: np.nan if a.offer is None else a.utility(a.offer),
                # the offer on each issue: natural value, or level index for ordinal issues
                **{issue.name: (lambda a, k=k, issue=issue: np.nan if a.offer is None else issue.numeric(a.offer[k]))
                   for k, issue in enumerate(self.space)},
            }, **domestic.reporters()},
        ) if record else None
        self._update_walk_away()

    def _initial_belief(self, code: str, belief: float | None) -> float:
        """Partners of the threatener start from their scenario belief (plus noise); with no threat,
        a no-deal end means the status quo (belief 0) or, with ``protocol.no_deal = "termination"``,
        no agreement at all (belief 1)."""
        threat = self.case.spec.threat
        if threat.country is None or code == threat.country:
            return float("nan") if threat.country else float(self.case.spec.protocol.no_deal == "termination")
        p = 0.0 if belief is None else belief
        noise = self.case.spec.noise.belief
        if noise > 0:
            p += noise * self.rng.standard_normal()
        return min(max(p, 0.0), 1.0)

    # ---------------------------------------------------------------------------------------------
    @property
    def threat_credible(self) -> bool:
        """The threat is credible when withdrawing beats the status quo for the threatener."""
        if self.threatener is None:
            return False
        return bool(self.preferences.termination[self.threatener] > self.status_quo_utility[self.threatener])

    @property
    def beliefs(self) -> np.ndarray:
        return np.array([a.belief for a in self.countries])

    def _update_walk_away(self) -> None:
        beliefs = np.nan_to_num(self.beliefs)
        values = walk_away_values(self.preferences.termination, self.status_quo_utility, self.threatener, beliefs)
        for agent, value in zip(self.countries, values.tolist(), strict=True):
            agent.walk_away = value

    def set_preferences(self, preferences, positions: bool = True) -> None:
        """Replace the preferences (constituencies and events do); ``positions``: ideal points, weights
        or red lines changed, so every country's concession path is rebuilt."""
        self.preferences = preferences
        if positions:
            self.status_quo_utility = preferences.utility(self.status_quo)
            for agent in self.countries:
                agent.forget_path()

    def concession_path(self, row: int):
        """Country ``row``'s concession path: shared by every run of the scenario while the preferences
        are the scenario's own, rebuilt when something (e.g. a constituency) changed them."""
        if self.preferences is self.case.preferences:
            return self.case.concession_path(row)
        p, paths = self.preferences, self.case._paths  # also shared: paths of changed preferences
        key = (row, p.ideal.tobytes(), p.weights.tobytes(), p.lo.tobytes(), p.hi.tobytes(), p.exponent.tobytes())
        if key not in paths:
            if len(paths) >= 4096:
                return offers.concession_path(p, self.space, row)
            paths[key] = offers.concession_path(p, self.space, row)
        return paths[key]

    def proposer_order(self) -> list[CountryAgent]:
        """Who proposes this round, in order: shuffled through ``self.rng`` when the protocol says so."""
        if not self.case.spec.protocol.random_order:
            return list(self.countries)
        return [self.countries[i] for i in self.rng.permutation(len(self.countries))]

    def table(self, proposer: CountryAgent, package: np.ndarray) -> None:
        """Put a package on the table: the others observe it; recorded when recording."""
        for agent in self.countries:
            if agent is not proposer:
                agent.observe(proposer.code, package)
        if self.record:
            self.tabled.append((self.round, proposer.code, package))

    def answers(self, package: np.ndarray, exclude: CountryAgent | None = None,
                among: list[CountryAgent] | None = None) -> list[bool]:
        """The answers to a package of the countries ``among`` (default: all), but ``exclude``."""
        utility = self.preferences.utility(package)
        within = self.preferences.within_red_lines(package)
        return [a.accepts(package, utility[a.row], within[a.row])
                for a in (self.countries if among is None else among) if a is not exclude]

    # ---------------------------------------------------------------------------------------------
    def step(self) -> None:
        """One round: walk-away values, aspirations, the protocol's round, then the clock and the threat."""
        self.round = self.steps
        if self.constituencies or self.case.spec.events:
            domestic.act(self)
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
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def _ratify(self, agreement: Agreement) -> None:
        """A signed package becomes final only when every country's constituencies ratify it (Putnam
        1988); otherwise the talks end (``ratification_failed``) or resume, as ``[ratification]`` says,
        and the countries whose ratification failed anticipate their ratifiers from then on."""
        vetoes = domestic.vetoes(self, agreement.package) if self.constituencies else []
        vetoes = [code for code in vetoes if code in agreement.signatories]  # only signatories ratify
        self.ratified = {a.code: a.code in agreement.signatories and a.code not in vetoes for a in self.countries}
        self.agreement = agreement
        if not vetoes:
            self.outcome = DEAL if len(agreement.signatories) == len(self.countries) else BILATERAL
        elif self.case.spec.ratification.on_failure == "fail":
            self.outcome = RATIFICATION_FAILED
        else:
            self.failed_ratifications.append((self.round, tuple(vetoes)))
            self.agreement, self.ratified = None, {a.code: False for a in self.countries}
            for agent in self.countries:
                agent.anticipates = agent.anticipates or agent.code in vetoes

    def _advance_clock(self) -> None:
        threat = self.case.spec.threat
        if self.threatener is not None and self.notice_round is None and self.round >= self.deadline_round:
            if self.threat_credible:
                self.notice_round = self.round
                for agent in self.countries:
                    if agent.row != self.threatener:
                        agent.belief = 1.0
            else:
                for agent in self.countries:
                    if agent.row != self.threatener:
                        agent.belief *= 1.0 - threat.belief_erosion
        if self.notice_round is not None and self.round >= self.notice_round + threat.notice_rounds:
            self.outcome = WITHDRAWAL
        elif self.notice_round is None and self.round >= self.horizon_round:
            self.outcome = STALEMATE

    def run(self) -> str:
        """Step until an outcome; return it."""
        while self.outcome is None:
            self.step()
        return self.outcome

    def outcome_utilities(self) -> np.ndarray:
        """Each country's utility of the outcome: the agreed package, termination after a withdrawal,
        the status quo after a stalemate or a failed ratification (termination values after a notice of
        withdrawal, or if ``protocol.no_deal = "termination"``)."""
        if self.outcome == DEAL:
            return self.preferences.utility(self.agreement.package)
        if self.outcome == BILATERAL:  # those left out keep neither NAFTA nor the new text
            signed = np.isin(self.case.countries, self.agreement.signatories)
            return np.where(signed, self.preferences.utility(self.agreement.package), self.preferences.termination)
        withdrawn = self.outcome == RATIFICATION_FAILED and self.notice_round is not None
        if self.outcome == WITHDRAWAL or withdrawn or self.case.spec.protocol.no_deal == "termination":
            return self.preferences.termination.copy()
        return self.status_quo_utility.copy()
