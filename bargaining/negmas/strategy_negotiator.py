"""A bargaining strategy as a NegMAS SAO negotiator: ``bargaining.negmas.negotiator("boulware")``.

``BargainingNegotiator`` plays one of bargaining's strategies in any NegMAS mechanism or tournament (SAO). The
strategy sees the negotiation through a one-replication table view (``views.Negotiator``):

* **packages** are the NegMAS outcomes (a continuous issue cut into ``points`` values); **utility** is the
  negotiator's NegMAS utility rescaled to [0, 1] over the outcomes (its worst 0, its best 1), the reserved value
  with it (its walk-away value);
* **time**: NegMAS step ``s`` is round ``s + 1`` of a talk whose deadline and horizon are ``n_steps`` (a
  time-limited negotiation without steps: 100 rounds of its relative time);
* **what it tables** (``package_at``): the outcome worth at least its aspiration that is most like the others'
  latest offer (fewest issues apart: the similarity trade-off of Faratin, Sierra & Jennings 2002, "Using
  similarity criteria to make issue trade-offs"); before any offer, the one nearest its aspiration. Bargaining's
  own engine knows every party's preferences; a NegMAS negotiator knows only its own, so strategies that learn
  or inspect the others (``opponent_model``, ``rubinstein``) are refused;
* **what it accepts**: an offer worth at least its walk-away value that the strategy accepts.
"""

from __future__ import annotations

import numpy as np
from negmas.outcomes import ExtendedOutcome
from negmas.sao import ResponseType, SAONegotiator

from ..clock import Clock
from ..errors import UsageError
from ..rules import Rule
from ..strategies import STRATEGIES

#: Relative-time rounds of a NegMAS negotiation limited in time only.
TIME_ROUNDS = 100


class _View:
    """The table as the strategy sees it: one replication, packages are outcome numbers (R, 1)."""

    size = 1

    def __init__(self, negotiator: BargainingNegotiator, points: int):
        nmi, ufun = negotiator.nmi, negotiator.ufun
        self.countries = tuple(nmi.negotiator_ids)
        self.code = negotiator.id
        self.row = self.countries.index(self.code)
        self.rule = Rule.unanimity(len(self.countries))  # a NegMAS mechanism ends in an agreement of all
        self.outcomes = list(nmi.outcome_space.enumerate_or_sample(levels=points))
        self.index = {o: i for i, o in enumerate(self.outcomes)}
        raw = np.array([float(ufun(o)) for o in self.outcomes])
        self.lo, span = float(raw.min()), float(np.ptp(raw)) or 1.0
        self.scale = lambda u: (np.asarray(u, dtype=float) - self.lo) / span  # noqa: E731
        self.u = self.scale(raw)
        self.issues = np.array([list(o) for o in self.outcomes], dtype=object)
        steps = nmi.n_steps or TIME_ROUNDS
        self.clock = Clock(deadline_round=steps, horizon_round=steps, notice_rounds=0, threatened=False)
        self.walk_away = np.zeros(1)
        self.aspiration = np.ones(1)
        self.offer = np.zeros((1, 1))
        self.offered = np.zeros(1, dtype=bool)
        self.seeds = np.zeros(1, dtype=np.uint64)
        self.latest: tuple | None = None  # the others' latest offer

    def number(self, outcome: tuple, ufun) -> int:
        """The outcome's number (a new one for an outcome off the enumerated grid)."""
        if outcome not in self.index:
            self.index[outcome] = len(self.outcomes)
            self.outcomes.append(outcome)
            self.u = np.append(self.u, self.scale(float(ufun(outcome))))
            self.issues = np.vstack([self.issues, np.array([list(outcome)], dtype=object)])
        return self.index[outcome]

    def utility(self, packages: np.ndarray) -> np.ndarray:
        return self.u[packages[:, 0].astype(int)]

    def package_at(self, aspiration: np.ndarray, rows: np.ndarray) -> np.ndarray:
        worth = self.u >= float(aspiration[0]) - 1e-12
        if not worth.any():
            worth = self.u >= self.u.max() - 1e-12
        apart = 0 if self.latest is None else (self.issues != np.array(list(self.latest), dtype=object)).sum(axis=1)
        key = np.where(worth, apart * 2.0 + self.u, np.inf)  # fewest issues apart, then nearest the aspiration
        return np.array([[float(np.argmin(key))]])


class BargainingNegotiator(SAONegotiator):
    """One of bargaining's strategies (``strategy``, with ``params``) as a NegMAS SAO negotiator.

    Args:
        strategy: A bargaining strategy name (``bargaining strategies``) that neither learns nor inspects the
            others.
        params: Its parameters (as under ``[countries.X.strategy]``).
        points: Values a continuous issue is cut into.
        **kwargs: For ``SAONegotiator`` (``name``, ``id``, ``preferences``, ``ufun``, ...).

    Raises:
        UsageError: An unknown strategy or one that needs the others' preferences or strategies.
    """

    def __init__(self, strategy: str = "boulware", params: dict | None = None, points: int = 11, **kwargs):
        super().__init__(**kwargs)
        cls = STRATEGIES.get(strategy)
        if cls is None or strategy.startswith("negmas:"):
            raise UsageError(f"strategy: expected one of {sorted(STRATEGIES)}, found {strategy!r}")
        if cls.classifier.get("learns_opponents") or cls.classifier.get("inspects_opponents"):
            raise UsageError(f"strategy: {strategy!r} needs the others' preferences or strategies, which a NegMAS "
                             "negotiator does not know; expected a time-dependent, reciprocal or hard-line one")
        try:
            self.strategy = cls(cls.Params(**(params or {})))
        except ValueError as exc:
            raise UsageError(f"strategy {strategy!r}: {exc}".splitlines()[0]) from None
        self.points = points
        self.view: _View | None = None
        self._round = 0

    def on_negotiation_start(self, state) -> None:
        super().on_negotiation_start(state)
        self.strategy.reset()
        self.view, self._round = None, 0

    def _begin(self, state) -> _View:
        """The view at this step: the round, the walk-away value and (once a step) the strategy's aspiration."""
        if self.view is None:
            self.view = _View(self, self.points)
        view = self.view
        steps = self.nmi.n_steps
        round_ = state.step + 1 if steps else int(state.relative_time * TIME_ROUNDS) + 1
        reserved = self.ufun.reserved_value
        view.walk_away[:] = 0.0 if reserved is None or not np.isfinite(reserved) else \
            float(np.clip(view.scale(reserved), 0.0, 1.0))
        if round_ != self._round:
            self._round = view.clock.round = round_
            aspiration = np.broadcast_to(self.strategy.aspiration(view), (1,))
            view.aspiration = np.minimum(np.maximum(aspiration, view.walk_away), 1.0)
        return view

    def propose(self, state, dest: str | None = None):
        view = self._begin(state)
        package = self.strategy.propose(view, np.ones(1, dtype=bool))
        view.offer, view.offered[:] = package, True
        return view.outcomes[int(package[0, 0])]

    def respond(self, state, source: str | None = None) -> ResponseType:
        offer = state.current_offer
        if offer is None:
            return ResponseType.REJECT_OFFER
        if isinstance(offer, ExtendedOutcome):
            offer = offer.outcome
        view = self._begin(state)
        package = np.array([[float(view.number(tuple(offer), self.ufun))]])
        utility = view.utility(package)
        proposer = np.array([view.countries.index(source) if source in view.countries else (view.row + 1)
                             % len(view.countries)])
        self.strategy.observe(view, proposer, package, utility, np.ones(1, dtype=bool))
        view.latest = tuple(offer)
        ok = utility[0] >= view.walk_away[0] - 1e-12 and bool(self.strategy.accepts(view, package, utility)[0])
        return ResponseType.ACCEPT_OFFER if ok else ResponseType.REJECT_OFFER
