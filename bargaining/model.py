"""The negotiation model: one Mesa step is one negotiating round, in every replication of a batch at once.

Around the table (``protocols.py``) the model keeps the clock and the threat (docs/model.md):

* each round domestic politics acts first (scheduled events, then every constituency: ``domestic/``), then
  every country's walk-away value is recomputed from the threat and its current belief;
* the protocol plays the round; a signed package goes to ratification at home;
* the clock (``clock.py``) ends the round: a notice of withdrawal once the deadline passes with a credible
  threat (the partners' beliefs become 1), or, without one, the partners' beliefs erode by
  ``threat.belief_erosion`` (seed 002_049f4b7f3ef954d1.txt: "concede that his previous threats were a
  bluff"); the withdrawal takes effect ``threat.notice_rounds`` later, and without a notice talks end at
  ``protocol.horizon_round`` in a stalemate.

A model runs R replications of one scenario, one seed each, as arrays with a leading replication axis (a single
run is a batch of one): every random number is a pure function of (seed, round, country, purpose)
(``streams.py``), so replication r gives exactly what its seed gives alone. Replications that have ended are
masked out (``live``); what they ended with is kept (``outcomes``, ``final_utilities``, ...), and once most of a
large batch has ended the model leaves the ended replications out of the rounds' work altogether (``_compact``).
Replications share their preferences until domestic politics moves them apart (``groups``).
"""

from __future__ import annotations

import copy
import dataclasses
import secrets
import warnings
from collections.abc import Callable, Iterator, Sequence

import mesa
import numpy as np

from . import domestic, streams
from .agents import CountryAgent
from .clock import NO_NOTICE, Clock
from .domestic import Shock, applied_to_all
from .masks import columns, distinct, every, some
from .outcomes import Outcome
from .parameter_sets import Variants
from .per_replication import PerReplication, unnamed
from .preferences import Preferences, value, walk_away_values
from .protocols import PROTOCOLS, Agreements
from .records import Records
from .scalars import maximum, minimum
from .scenario import Scenario
from .strategies import STRATEGIES

#: Outcome codes of ``NegotiationModel.outcomes`` (-1: talks go on).
OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
LIVE = -1
#: From this many preference groups on, utilities and red lines are computed for every replication at once from the
#: groups' arrays stacked (``NegotiationModel._stacked``), not one group at a time (the same numbers).
STACK_GROUPS = 4
#: A single run's ``passes`` under unanimity: one of these (read-only: shared by every round that asks).
PASSED, NOT_PASSED = np.array([True]), np.array([False])
PASSED.flags.writeable = NOT_PASSED.flags.writeable = False


def _filled(shape: int | tuple[int, ...], value, dtype: type = float) -> np.ndarray:
    """``np.full(shape, value, dtype)`` without its Python-level wrapper (a batch of one pays it per array)."""
    out = np.empty(shape, dtype=dtype)
    out.fill(value)
    return out


class NegotiationModel(mesa.Model, PerReplication):
    """Multi-party, multi-issue bargaining under a withdrawal threat, for a batch of replications.

    Implements the :class:`~bargaining.views.Table` its protocol sees and the :class:`~bargaining.views.Home`
    its constituencies see.

    Args:
        case: The bargaining scenario (``case`` because Mesa's Model reserves ``scenario``).
        rng: Seed of a single run (an integer >= 0, below 2**64; None: a fresh one, kept in ``seeds``).
        record: Keep per-round records in ``self.records`` (a single run only; off for sweeps).
        seeds: Seeds of a batch of replications (instead of ``rng``), one per replication.
        variants: Per-replication parameters of a heterogeneous batch (``parameter_sets.Variants``: preferences
            and status quo, beliefs, noise, erosion, batched strategy parameters, constituencies' numbers; ``case``
            gives the rest); None: ``case``'s own.
        offer_rounds: Rounds whose offers to keep for every replication (``offers``): the light record a batch
            keeps (calibration's facts), where ``record`` keeps every round of a single run.

    Attributes:
        seeds: (R,) the replications' seeds.
        clock: Rounds, the deadline and the notices of withdrawal.
        countries: Country agents in scenario order.
        constituencies: Domestic constituency agents (``domestic/``), in acting order.
        live: (R,) replications still negotiating.
        outcomes: (R,) index into ``OUTCOMES`` of each replication's outcome, ``LIVE`` while talks go on.
        ended: (R,) round of each replication's outcome.
        final_utilities, final_walk_away: (R, N) each country's utility of the outcome and walk-away value in
            the round of the outcome.
        agreement: The signed packages (``protocols.Agreements``) of the replications that have one.
        ratified: (R, N) whether each country ratified the final package (all False without one).
        belief_path: Per round, every country's belief in the threat at the round's end, (R, N).
        failed_ratifications: (round, (R,) mask, (R, N) vetoes) of every failed ratification talks resumed from.
        records: Per-round records (``records.Records``), None when not recording.
        offers: (R, F, N, K) every country's offer (normalised) at the end of each of ``offer_rounds``, NaN where
            it tabled nothing that round or the replication had ended before it.
        index: (R,) each row's replication in the batch: ``arange(R)`` but while ended replications are left out
            (``_compact``), when the arrays above hold the live rows only (all of them again once every replication
            has ended).
    """

    #: The model's own arrays with a replication axis (``per_replication.PerReplication``); its agents,
    #: constituencies, protocol and clock name theirs.
    per_replication = ("size", "seeds", "group", "_termination", "variants", "live", "outcomes", "ended",
                       "final_utilities", "final_walk_away", "agreement", "ratified", "offers", "_aspiration_noise",
                       "_draws", "_order", "_everyone", "clock", "protocol")
    #: Ended replications leave the rounds' work once at most this share of the rows is live ...
    compact_share = 0.5
    #: ... in a model of at least this many rows (below, numpy's cost per call outweighs the rows' work).
    compact_min = 64
    _full: dict[tuple[str, str], np.ndarray] | None = None  # while compacted: every replication's results
    _index: np.ndarray | None = None
    _stored = (0, 0)  # rounds of ``belief_path``, entries of ``failed_ratifications`` already in the batch's order

    def __init__(self, case: Scenario, rng: int | None = None, record: bool = True,
                 seeds: Sequence[int] | np.ndarray | None = None, variants: Variants | None = None,
                 offer_rounds: Sequence[int] = ()):
        if seeds is None:
            seeds = [secrets.randbits(63) if rng is None else int(rng)]
        elif rng is not None:
            raise ValueError("give either rng (one run) or seeds (a batch), not both")
        self.seeds = np.asarray(seeds, dtype=np.uint64).reshape(-1)
        size = len(self.seeds)
        if record and size != 1:
            raise ValueError("records are kept for a single run only (a batch of one)")
        super().__init__(rng=int(self.seeds[0]))
        self.case = case
        spec = case.spec
        self.size = size
        self.space = case.space
        self.threatener = case.threatener
        self.rule = case.rule
        self.variants = variants
        if variants is None:
            self.groups: list[Preferences] = [case.preferences]
            self.group = np.zeros(size, dtype=int)
            self._status_quo: list[np.ndarray | None] = [self.space.status_quo]  # None: the scenario has none
            self._status_quo_utility = [case.status_quo_utility]
            self._termination = case.preferences.termination[None].repeat(size, axis=0)
        else:
            self.groups, self.group = list(variants.groups), variants.group.copy()
            self._status_quo = list(variants.status_quo)
            self._status_quo_utility = list(variants.status_quo_utility)
            self._termination = variants.termination.copy()
        self.clock = Clock(spec.protocol.deadline_round, spec.protocol.horizon_round, spec.threat.notice_rounds,
                           threatened=self.threatener is not None, size=size)

        n, k = len(case.countries), len(self.space)
        self.live = _filled(size, True, bool)
        self._everyone = _filled(size, True, bool)  # the rows of a shock for every replication (read only)
        self._everyone.flags.writeable = False
        self.outcomes = _filled(size, LIVE, int)
        self.ended = np.zeros(size, dtype=int)
        self.final_utilities = _filled((size, n), np.nan)
        self.final_walk_away = _filled((size, n), np.nan)
        self.agreement = Agreements.none(size, n, k)
        self.ratified = np.zeros((size, n), dtype=bool)
        self.failed_ratifications: list[tuple[int, np.ndarray, np.ndarray]] = []
        self.belief_path: list[np.ndarray] = []

        self.countries: list[CountryAgent] = []
        beliefs = self._initial_beliefs()
        for row, code in enumerate(case.countries):
            params = case.strategy_params(code) if variants is None else variants.params[code]
            strategy = STRATEGIES[spec.countries[code].strategy.name](params)
            self.countries.append(CountryAgent(self, code, row, strategy, beliefs[:, row].copy()))
        self._stack: dict | None = None  # ``_stacked``
        self.constituencies = domestic.build(self, self.countries, case,
                                             None if variants is None else variants.domestic)
        for agent in self.countries:
            agent.constituencies = [c for c in self.constituencies if c.country is agent]
            agent.anticipates[:] = spec.ratification.anticipate
        self.protocol = PROTOCOLS[spec.protocol.name](self)
        self.records = Records() if record else None
        self.offer_rounds = tuple(int(r) for r in offer_rounds)
        self.offers = _filled((size, len(self.offer_rounds), n, k), np.nan)
        self._aspiration_noise = np.asarray(spec.noise.aspiration, dtype=float) if variants is None else \
            variants.aspiration_noise[:, None]  # a 0-d array, not a float numpy converts every round
        self._noisy = bool((self._aspiration_noise > 0).any())
        self._draws = streams.Rounds(self.seeds, n, (streams.ORDER,) * spec.protocol.random_order
                                     + (streams.ASPIRATION,) * self._noisy)
        self._order: np.ndarray | None = None  # who proposes when the order is fixed (made when first asked)
        self._update_walk_away()

    def _initial_beliefs(self) -> np.ndarray:
        """(R, N) every country's initial belief in the threat, plus ``noise.belief`` for the partners of a
        threatener (each partner's own draw), kept in [0, 1]. The threatener holds none (NaN): the noise is added to
        every column at once, which leaves its NaN as it is (its draw is never used)."""
        if self.variants is None:
            beliefs, noise = self.case.initial_beliefs[None].repeat(self.size, axis=0), self.case.spec.noise.belief
        else:
            beliefs, noise = self.variants.beliefs.copy(), self.variants.belief_noise
        scalar = isinstance(noise, float | int)
        if self.threatener is None or not (noise > 0 if scalar else (np.asarray(noise) > 0).any()):
            return beliefs  # (adding 0 * noise elsewhere leaves a belief as it is)
        drawn = streams.normal(self.seeds[:, None], 0, np.arange(beliefs.shape[1], dtype=np.uint32), streams.BELIEF)
        belief = beliefs + (noise if scalar or np.ndim(noise) == 0 else noise[:, None]) * drawn
        return np.minimum(np.maximum(belief, 0.0), 1.0)

    # ------------------------------------------------------------------------------------- state
    @property
    def round(self) -> int:
        return self.clock.round

    @property
    def deadline_round(self) -> int:
        return self.clock.deadline_round

    @property
    def preferences(self) -> Preferences:
        """The preferences every replication holds (one group, one set of termination values); see ``groups_of``
        and ``termination`` when they may differ."""
        several = len(self.groups) > 1 and len(np.unique(self.group)) > 1
        if several or (self._termination != self._termination[0]).any():
            raise ValueError("the replications hold different preferences: use groups_of()")
        prefs, termination = self.groups[int(self.group[0])], self._termination[0]
        if not np.array_equal(prefs.termination, termination):
            prefs = dataclasses.replace(prefs, termination=termination.copy())
        return prefs

    @property
    def status_quo(self) -> np.ndarray | None:
        """(K,) the status quo of ``preferences``' group (normalised; None without one)."""
        return self._status_quo[int(self.group[0])]

    @property
    def status_quo_utility(self) -> np.ndarray:
        """(N,) utilities of the status quo under ``preferences``."""
        return self._status_quo_utility[int(self.group[0])]

    def groups_of(self, rows: np.ndarray) -> Iterator[tuple[int, Preferences, np.ndarray]]:
        """The replications ``rows`` (R,) by the preferences they hold: (group, Preferences, (R,) mask)."""
        if len(self.groups) == 1:
            if some(rows):
                yield 0, self.groups[0], rows
            return
        for g in distinct(self.group[rows], len(self.groups))[0]:
            yield int(g), self.groups[g], rows & (self.group == g)

    def _per_row(self, values: list[np.ndarray]) -> np.ndarray:
        """(R, ...) one array per preference group, spread to its replications."""
        return values[0][None] if len(values) == 1 else np.stack(values)[self.group]

    @property
    def termination(self) -> np.ndarray:
        """(R, N) every country's termination value, per replication (a preference group's own ``termination``
        is its first replication's: the model keeps them here)."""
        return self._termination

    def per_group(self, function: Callable[[Preferences, np.ndarray], np.ndarray], packages: np.ndarray) -> np.ndarray:
        """``function(preferences, packages)`` of each replication's package (R, K) under the preferences it holds,
        one call per preference group, gathered in replication order: (R, ...)."""
        if len(self.groups) == 1:
            return function(self.groups[0], packages)
        parts = [(rows, function(prefs, packages[rows]))
                 for _, prefs, rows in self.groups_of(np.ones(self.size, dtype=bool))]
        out = np.empty((self.size, *parts[0][1].shape[1:]), dtype=parts[0][1].dtype)
        for rows, part in parts:
            out[rows] = part
        return out

    def _row_wise(self, function: Callable[[Preferences, np.ndarray], np.ndarray], packages: np.ndarray
                  ) -> np.ndarray:
        """``per_group`` of a function whose rows are each its own (``Preferences.utility``, ``within_red_lines``):
        the largest group's on every row at once (no rows picked, nor put back), then the other groups' rows again
        under their own (a heterogeneous batch's few groups are often one large and a few small: the same
        numbers, the large group's work without the picking; tests hold them equal)."""
        counts = np.bincount(self.group, minlength=len(self.groups))
        largest = int(counts.argmax())
        out = function(self.groups[largest], packages)
        for g in np.flatnonzero(counts).tolist():
            if g != largest:
                rows = self.group == g
                out[rows] = function(self.groups[g], packages[rows])
        return out

    def utilities(self, packages: np.ndarray) -> np.ndarray:
        """(R, N) every country's utility of one package per replication (R, K)."""
        if len(self.groups) == 1:
            return self.groups[0].utility(packages)
        stacked = self._stacked()
        if stacked is None:
            return self._row_wise(Preferences.utility, packages)
        each = self._picked(stacked)  # ``Preferences.utility`` of each replication's group, the same operations
        v = value(packages[:, None, :], each["ideal"], each["reach"], each["exponent"], stacked["linear"])
        return (v * each["weights"]).sum(axis=-1)

    def _utilities_in(self, packages: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``utilities(packages)[rows]``, computed in the replications ``rows`` (R,) alone: a round's deals are often
        a few of a heterogeneous batch's rows, in several preference groups (a utility is its row's own: the same
        numbers; tests hold them equal)."""
        if len(self.groups) == 1:
            return self.groups[0].utility(packages[rows])
        index = np.flatnonzero(rows)
        groups, which = distinct(self.group[index], len(self.groups))
        out = np.empty((len(index), len(self.countries)))
        for i, g in enumerate(groups.tolist()):
            mine = which == i
            out[mine] = self.groups[g].utility(packages[index[mine]])
        return out

    def within_red_lines(self, packages: np.ndarray) -> np.ndarray:
        """(R, N) whether each package (R, K) is within each country's red lines."""
        if len(self.groups) == 1:
            return self.groups[0].within_red_lines(packages)
        stacked = self._stacked()
        if stacked is None:
            return self._row_wise(Preferences.within_red_lines, packages)
        each, picked = packages[:, None, :], self._picked(stacked)  # ``Preferences.within_red_lines`` of each
        return ((each >= picked["lo"]) & (each <= picked["hi"])).all(axis=-1)  # replication's group

    def _stacked(self) -> dict | None:
        """The preference groups' arrays stacked (G, N, ...), made again after ``apply`` changes the groups; None
        for fewer than ``STACK_GROUPS`` groups, value tables, excluded options, or linear and other shapes mixed."""
        if len(self.groups) < STACK_GROUPS:
            return None
        if self._stack is None:
            groups = self.groups
            linear = {g.linear for g in groups}
            if len(linear) > 1 or any(g.tables is not None or g.excluded is not None for g in groups):
                self._stack = {}
            else:
                self._stack = {"linear": linear.pop(), **{
                    name: np.stack([getattr(g, name) for g in groups]) for name in ("ideal", "reach", "weights")},
                    "exponent": np.stack([g.exponent[:, None] for g in groups]),
                    "lo": np.stack([g.tolerant_red_lines[0] for g in groups]),
                    "hi": np.stack([g.tolerant_red_lines[1] for g in groups])}
        return self._stack or None

    def _picked(self, stacked: dict) -> dict[str, np.ndarray]:
        """``_stacked``'s arrays picked for each replication's group (R, N, ...): once for the rows' groups as they
        are, not once a call (a heterogeneous batch's round asks ~10 times); made again when the groups change
        (``_move_group`` drops the stack) or the rows do (``_compact`` drops them; ``keep`` makes ``group`` a new
        array)."""
        picked = stacked.get("picked")
        if picked is None or picked[0] is not self.group:
            g = self.group
            picked = stacked["picked"] = (g, {name: stacked[name][g] for name in
                                              ("ideal", "reach", "exponent", "weights", "lo", "hi")})
        return picked[1]

    @property
    def threat_credible(self) -> np.ndarray:
        """(R,) the threat is credible when withdrawing beats the status quo for the threatener (strictly)."""
        if self.threatener is None:
            return np.zeros(self.size, dtype=bool)
        t = self.threatener
        return self._termination[:, t] > self._per_row(self._status_quo_utility)[:, t]

    @property
    def beliefs(self) -> np.ndarray:
        """(R, N) every country's belief in the threat."""
        return np.array([a.belief for a in self.countries]).T

    def last_round(self) -> np.ndarray:
        """(R,) the round at whose end the talks end unless a deal comes first (the clock's rule)."""
        return self.clock.last_round(self.threat_credible)

    def _update_walk_away(self) -> None:
        """Every country's walk-away value from the termination values, the status quo's utility and its belief
        (recomputed in a round only when a shock or the clock moved one of them: ``_moved``)."""
        self._moved = False
        if self.size == 1:  # a single run: ``walk_away_values``' operations on Python numbers (the same bits)
            termination, status_quo = self._termination[0].tolist(), self.status_quo_utility.tolist()
            for agent in self.countries:
                t, u = termination[agent.row], status_quo[agent.row]
                if agent.row == self.threatener:
                    agent.walk_away = np.array([maximum(t, u)])
                else:
                    p = agent.belief.item()
                    agent.walk_away = np.array([t if p >= 1.0 else p * t + (1.0 - p) * u])
            return
        status_quo = self._per_row(self._status_quo_utility)  # (R, N): so are the values
        values = walk_away_values(self.termination, status_quo, self.threatener,
                                  self.beliefs)  # (the threatener's NaN, no belief: its entry is not read)
        for agent in self.countries:
            agent.walk_away = values[:, agent.row]  # a column of a new array, never written in place

    # ------------------------------------------------------------------------------------- domestic politics
    def apply(self, shock: Shock) -> None:
        """Apply a shock from domestic politics to its country, in the replications it names (all by default);
        ideal points or red lines given per replication move each preference group's replications by their own
        values (``Shock.parts``)."""
        # walk-away values are recomputed when what they depend on moves: termination values, beliefs, the status
        # quo's utility (ideal points; red lines leave utilities as they are)
        self._moved |= shock.termination is not None or bool(shock.termination_shift or shock.belief_shift
                                                              or shock.ideal)
        rows = self._everyone if shock.rows is None else shock.rows
        country = self.groups[0].index(shock.country)  # (every group's countries are the scenario's, in its order)
        if (shock.termination is not None or shock.termination_shift) and self.size == 1:
            if rows[0]:  # a single run: the same operations on Python numbers (the same bits), not numpy's per call
                new = self._termination[0, country].item() + shock.termination_shift if shock.termination is None \
                    else np.asarray(shock.termination, dtype=float).item()
                self._termination[0, country] = minimum(maximum(new, 0.0), 1.0)
            shock = dataclasses.replace(shock, termination=None, termination_shift=0.0) if shock.moves else shock
        elif shock.termination is not None or shock.termination_shift:  # per replication, clipped to [0, 1]
            t = self._termination[:, country]
            new = t + shock.termination_shift if shock.termination is None else shock.termination
            new = np.minimum(np.maximum(new, 0.0), 1.0)
            self._termination[:, country] = new if every(rows) else np.where(rows, new, t)
            shock = dataclasses.replace(shock, termination=None, termination_shift=0.0) if shock.moves else shock
        if shock.moves:  # every group's parts, and what they move to, are found before any moves
            sizes = None if self.size == 1 else np.bincount(self.group, minlength=len(self.groups))
            parts = shock.parts(rows, self.group)
            # every run of the scenario meets the same shocks: their preferences are shared where the group's
            # fingerprint is known already or worth computing (the scenario's own: once per scenario); the others
            # (groups a batch's table made, not yet hashed) all at once
            fresh = [i for i, (g, _, _) in enumerate(parts)
                     if "fingerprint" not in self.groups[g].__dict__ and self.groups[g] is not self.case.preferences]
            moved = dict(zip(fresh, applied_to_all([parts[i][1] for i in fresh],
                                                   [self.groups[parts[i][0]] for i in fresh]), strict=True)
                         ) if fresh else {}
            for i, (g, part, mine) in enumerate(parts):
                prefs = self.groups[g]
                new = moved[i] if i in moved else self.case.cached(
                    ("shock", prefs.fingerprint, prefs.termination.tobytes(), part.key),
                    lambda part=part, prefs=prefs: part.applied_to(prefs))
                if new is not None:  # (a single replication is all its group)
                    self._move_group(g, prefs, new, mine, sizes is not None and int(np.count_nonzero(mine)) < sizes[g])
        agent = self.countries[country]
        if shock.belief_shift:
            agent.belief = np.where(rows, np.minimum(np.maximum(agent.belief + shock.belief_shift, 0.0), 1.0),
                                    agent.belief)
        if shock.aspiration_floor is not None:
            agent.aspiration_floor = np.where(rows, shock.aspiration_floor, agent.aspiration_floor)
        if shock.strategy is not None:  # a new government: one strategy object serves every replication
            if shock.rows is not None and not shock.rows.all():
                raise ValueError("a new strategy takes over in every replication at once (an election)")
            agent.strategy = shock.strategy

    def _move_group(self, g: int, prefs: Preferences, new: Preferences, members: np.ndarray, apart: bool) -> None:
        """Move preference group ``g`` from ``prefs`` to ``new`` (a shock's), in its replications ``members``;
        ``apart``: they are only some of the group's, which moves them to a new group."""
        self._stack = None  # the groups change: ``_stacked`` again
        moved = new.ideal is not prefs.ideal or new.lo is not prefs.lo or new.hi is not prefs.hi
        if apart:
            self.groups.append(prefs)
            self._status_quo.append(self._status_quo[g])
            self._status_quo_utility.append(self._status_quo_utility[g])
            g = len(self.groups) - 1
            self.group[members] = g
        self.groups[g] = new
        if moved:
            status_quo = self._status_quo[g]
            if status_quo is not None and "fingerprint" in new.__dict__:
                self._status_quo_utility[g] = self.case.cached(
                    ("status quo utility", new.fingerprint, status_quo.tobytes()), lambda: new.utility(status_quo))
            elif status_quo is not None:
                self._status_quo_utility[g] = new.utility(status_quo)
            for agent in self.countries:
                agent.forget_paths(g)

    # ------------------------------------------------------------------------------------- the table
    def proposer_order(self) -> np.ndarray:
        """(R, N) who proposes this round, in order, per replication: shuffled when the protocol says so."""
        if not self.case.spec.protocol.random_order:
            if self._order is None:
                n = len(self.countries)
                self._order = np.broadcast_to(np.arange(n), (self.size, n))
            return self._order
        return self._draws.permutation(self.round, streams.ORDER)

    def propose(self, proposer: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(R, K) the package each replication's ``proposer`` (R,) tables, in the replications ``rows``."""
        if self.size == 1:  # a single run: its one proposer, if asked
            return self.countries[int(proposer[0])].propose(rows) if rows[0] else np.zeros((1, len(self.space)))
        counts = np.bincount(proposer[rows], minlength=len(self.countries)).tolist()
        if self.size in counts:  # one country proposes in every replication
            return self.countries[counts.index(self.size)].propose(rows)
        packages = np.zeros((self.size, len(self.space)))
        for agent, count in zip(self.countries, counts, strict=True):
            if count:
                mine = rows & (proposer == agent.row)
                packages[mine] = agent.propose(mine)[mine]
        return packages

    def table(self, proposer: np.ndarray, packages: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Put each replication's package on the table (in ``rows``): the others observe it and its utility to
        them; recorded when recording. Returns the (R, N) utilities."""
        utility = self.utilities(packages)
        for agent in self.countries:
            if not agent.observes:
                continue
            seen = rows & (proposer != agent.row)
            if some(seen):
                agent.observe(proposer, packages, utility[:, agent.row], seen)
        if self.records is not None and rows[0]:
            self.record(self.case.countries[int(proposer[0])], packages[0])
        return utility

    def record(self, who: str, package: np.ndarray) -> None:
        """Keep a tabled package when recording (a single run)."""
        if self.records is not None:
            self.records.tabled.append((self.round, who, package))

    def answers(self, packages: np.ndarray, asked: np.ndarray, utility: np.ndarray | None = None) -> np.ndarray:
        """(R, N) the answers to each replication's package (R, K) of the countries ``asked`` (R, N); False
        where not asked. ``utility``: the packages' (R, N) utilities, if known."""
        utility = self.utilities(packages) if utility is None else utility
        within = self.within_red_lines(packages)
        yes = np.zeros(asked.shape, dtype=bool)
        ask_any = asked.tolist()[0] if len(asked) == 1 else columns(asked).tolist()  # a single run's one row
        for agent, ask in zip(self.countries, ask_any, strict=True):
            if ask:
                yes[:, agent.row] = agent.accepts(packages, utility[:, agent.row], within[:, agent.row])
        return yes if len(yes) == 1 else yes & asked  # a batch of one asked exactly the columns answered

    def passes(self, yes: np.ndarray) -> np.ndarray:
        """(R,) whether the supporters (R, N) pass a package under the decision rule."""
        if len(yes) == 1 and self.rule.unanimous:  # a single run: its one row read (a reduction costs ~9k a call)
            return PASSED if all(yes.tolist()[0]) else NOT_PASSED
        everyone = np.logical_and.reduce(yes, axis=1)
        return everyone if self.rule.unanimous else everyone | self.rule.passes(yes)

    # ------------------------------------------------------------------------------------- a round
    def step(self) -> None:
        """One round: domestic politics, walk-away values, aspirations, the protocol's round, then the clock."""
        self.clock.round = self.steps
        if self.constituencies or self.case.spec.events:
            for shock in domestic.event_shocks(self.case, self.round):
                self.apply(shock)
            for constituency in self.constituencies:
                for shock in constituency.act(self.live):
                    self.apply(shock)
        if self._moved:  # only a shock or the clock moves termination values, beliefs or the status quo's utility
            self._update_walk_away()
        noise = None
        if self._noisy:  # every country's at once: the same numbers as drawn one by one
            noise = self._aspiration_noise * self._draws.normal(self.round, streams.ASPIRATION)
            noise = noise[0].tolist() if self.size == 1 else noise.T  # a single run's: Python numbers (its own path)
        for agent in self.countries:
            agent.begin_round(None if noise is None else noise[agent.row])
        agreements = self.protocol.play_round(self)
        if some(agreements.rows):
            self._ratify(agreements)
        if some(self.live):
            self._advance_clock()
        self.running = bool(some(self.live))  # Mesa's convention: visualisations and batch runners stop
        self.belief_path.append(self.beliefs)
        if self.records is not None:
            self.records.collect(self)
        if self.round in self.offer_rounds:
            self._keep_offers()
        self._compact()

    # ------------------------------------------------------------------------------------- leaving ended rows out
    @property
    def index(self) -> np.ndarray:
        """(R,) each row's replication in the batch (see the class's attributes)."""
        return np.arange(self.size) if self._index is None else self._index

    def _compact(self) -> None:
        """Leave the ended replications out of the rounds' work once at most ``compact_share`` of the rows are live
        (in a model of at least ``compact_min`` rows): every state with a replication axis (``per_replication``: the
        model's, its agents' and their strategies', its constituencies', the protocol's, the clock's, the draws') is
        cut to the live rows, so a replication computes what it computed among all (each operation is per
        replication); what every replication ended with is kept at its position in the batch (``_store``), and
        the model's own arrays are that size again once the last one has ended (``_put_back``)."""
        if self._full is None and self.size < self.compact_min:  # never cut, nor ever to be (a single run)
            return
        live = int(np.count_nonzero(self.live))
        if live == 0:
            if self._full is not None:
                self._put_back()
            return
        if self.size < self.compact_min or live > self.compact_share * self.size or not self._cuttable():
            return
        self._store()
        rows = np.flatnonzero(self.live)
        index = self.index[rows]
        if self.variants is not None:  # the caller's: cut a copy
            self.variants = copy.copy(self.variants)
        self.keep(rows)
        if self._stack:  # (``_picked``'s arrays of every row: picked again for the rows kept when next asked)
            self._stack.pop("picked", None)
        for holder in (*self.countries, *self.constituencies):
            holder.keep(rows)
        self._index = index

    def _cuttable(self) -> bool:
        """Whether the batch may be cut: a strategy from outside the package (a user's own) that holds an array or
        list as long as the batch without naming it in ``per_replication`` (``per_replication.unnamed``) would be
        left with rows of ended replications, so the batch then keeps them all (the same results, more work) and
        says so once."""
        for agent in self.countries:
            strategy = agent.strategy
            if not type(strategy).__module__.startswith("bargaining.") and (names := unnamed(strategy, self.size)):
                warnings.warn(f"strategy {type(strategy).__name__!r} holds {', '.join(names)} per replication without "
                              "naming it in per_replication (docs/architecture.md, adding a strategy): the batch "
                              "keeps its ended replications, which costs time", stacklevel=2)
                self.compact_min = self.size + 1  # not again in this model
                return False
        return True

    def _holders(self) -> dict[str, PerReplication]:
        """What holds the results of the replications: the model, its agreements, its clock (notices)."""
        return {"model": self, "agreement": self.agreement, "clock": self.clock}

    def _store(self) -> None:
        """Write every row's results (the arrays of ``_holders``, ``belief_path``, ``failed_ratifications``) at
        its replication's position in the batch's arrays (made at the first compaction)."""
        if self._full is None:  # the first: every replication is here
            self._full = {(label, name): np.array(getattr(holder, name))
                          for label, holder in self._holders().items() for name in holder.per_replication
                          if isinstance(getattr(holder, name), np.ndarray) and getattr(holder, name).ndim}  # (0-d: all)
            self._stored = (len(self.belief_path), len(self.failed_ratifications))
            return
        index, holders = self._index, self._holders()
        for (label, name), full in self._full.items():
            full[index] = getattr(holders[label], name)
        paths, failed = self._stored
        for t in range(paths, len(self.belief_path)):  # a replication left out keeps its last beliefs
            full = self.belief_path[t - 1].copy()
            full[index] = self.belief_path[t]
            self.belief_path[t] = full
        size = len(self._full[("model", "live")])
        for i in range(failed, len(self.failed_ratifications)):
            round_, mask, vetoes = self.failed_ratifications[i]
            full_mask, full_vetoes = np.zeros(size, dtype=bool), np.zeros((size, vetoes.shape[1]), dtype=bool)
            full_mask[index], full_vetoes[index] = mask, vetoes
            self.failed_ratifications[i] = (round_, full_mask, full_vetoes)
        self._stored = (len(self.belief_path), len(self.failed_ratifications))

    def _put_back(self) -> None:
        """Every replication has ended: the model's own arrays (``_holders``) hold the whole batch again, in its
        order (its agents', constituencies' and protocol's state stays that of the last rows, never read again)."""
        self._store()
        holders = self._holders()
        for (label, name), full in self._full.items():
            setattr(holders[label], name, full)
        self.size = self.clock.size = len(self.live)
        self._full = self._index = None

    def _keep_offers(self) -> None:
        """Keep this round's offers in ``offers`` (what ``records`` keeps of the round, for every replication)."""
        reached = (self.outcomes == LIVE) | (self.ended == self.round)  # ended this round: its last offers
        for f, r in enumerate(self.offer_rounds):
            if r == self.round:
                for agent in self.countries:
                    self.offers[:, f, agent.row] = np.where((reached & agent.offered)[:, None], agent.offer, np.nan)

    def _end(self, rows: np.ndarray, outcome: Outcome) -> None:
        """End the talks in the replications ``rows`` with ``outcome``: keep what each country gets."""
        self.outcomes[rows] = OUTCOMES.index(outcome)
        self.ended[rows] = self.round
        self.live &= ~rows
        self.final_walk_away[rows] = np.array([a.walk_away[rows] for a in self.countries]).T
        self.final_utilities[rows] = self._outcome_utilities(rows, outcome)

    def _ratify(self, agreements: Agreements) -> None:
        """A signed package becomes final only when every country's constituencies ratify it (Putnam
        1988); otherwise the talks end (``ratification_failed``) or resume, as ``[ratification]`` says,
        and the countries whose ratification failed anticipate their ratifiers from then on."""
        rows = agreements.rows
        if self.size == 1:  # a single run, which has an agreement (``rows``): its one row as Python bools
            self._ratify_one(agreements)
            return
        vetoes = domestic.vetoes(self.constituencies, agreements.package, len(self.countries)) \
            & agreements.signatories & rows[:, None]  # only signatories ratify
        vetoed = vetoes.any(axis=1)
        passed, failed = rows & ~vetoed, rows & vetoed
        self.agreement.take(agreements, rows)
        self.ratified = np.where(rows[:, None], agreements.signatories & ~vetoes, self.ratified)
        if some(passed):
            everyone = agreements.signatories.all(axis=1)
            for outcome, which in ((Outcome.DEAL, passed & everyone), (Outcome.BILATERAL, passed & ~everyone)):
                if some(which):
                    self._end(which, outcome)
        if some(failed):
            if self.case.spec.ratification.on_failure == "fail":
                self._end(failed, Outcome.RATIFICATION_FAILED)
            else:
                self.failed_ratifications.append((self.round, failed, vetoes))
                self.agreement.drop(failed)
                self.ratified[failed] = False
                for agent in self.countries:
                    agent.anticipates |= vetoes[:, agent.row]

    def _ratify_one(self, agreements: Agreements) -> None:
        """``_ratify`` of a batch of one replication, which has an agreement: the same steps on its one row as
        Python bools, without numpy's cost per call on masks of one."""
        rows, signed = agreements.rows, agreements.signatories[0].tolist()
        vetoes = [no and yes for no, yes in zip(domestic.vetoes(self.constituencies, agreements.package,
                                                                len(self.countries))[0].tolist(), signed, strict=True)]
        self.agreement.take(agreements, rows)
        self.ratified = np.array([[yes and not no for yes, no in zip(signed, vetoes, strict=True)]])
        if not any(vetoes):
            self._end(rows.copy(), Outcome.DEAL if all(signed) else Outcome.BILATERAL)
        elif self.case.spec.ratification.on_failure == "fail":
            self._end(rows.copy(), Outcome.RATIFICATION_FAILED)
        else:
            self.failed_ratifications.append((self.round, rows.copy(), np.array([vetoes])))
            self.agreement.drop(rows)
            self.ratified[0] = False
            for agent in self.countries:
                agent.anticipates[0] |= vetoes[agent.row]

    def _advance_clock(self) -> None:
        if self.clock.decides:  # (neither a notice nor erosion before the deadline: the threat is not read)
            self._notice_or_erosion()
        if self.size == 1:  # a single run (live here): its one entry, not numpy's operations on masks of one
            withdrawal, stalemate = self.clock.expired_one()
            if withdrawal or stalemate:
                self._end(self.live.copy(), Outcome.WITHDRAWAL if withdrawal else Outcome.STALEMATE)
            return
        withdrawal, stalemate = self.clock.expired()
        for outcome, which in ((Outcome.WITHDRAWAL, withdrawal), (Outcome.STALEMATE, stalemate)):
            if some(which & self.live):
                self._end(which & self.live, outcome)

    def _notice_or_erosion(self) -> None:
        """The clock's notice of withdrawal (the partners' beliefs become 1) or erosion of their beliefs."""
        if self.size == 1:  # a single run (live here): its one entry as Python numbers and bools (the same bits)
            notice, erosion = self.clock.end_round_one(self.threat_credible.item())  # (from the deadline on only)
            self._moved |= notice or erosion
            rate = self.case.spec.threat.belief_erosion if self.variants is None else self.variants.erosion
            for agent in self.countries if notice or erosion else ():
                if agent.row != self.threatener:
                    agent.belief = np.array([1.0]) if notice else agent.belief * (1.0 - rate)
            return
        notice, erosion = self.clock.end_round(self.threat_credible, self.live)
        beliefs_move = some(notice) or some(erosion)
        self._moved |= beliefs_move
        for agent in self.countries if beliefs_move else ():
            if agent.row != self.threatener:
                agent.belief = np.where(notice, 1.0, agent.belief)
                rate = self.case.spec.threat.belief_erosion if self.variants is None else self.variants.erosion
                agent.belief = np.where(erosion, agent.belief * (1.0 - rate),
                                        agent.belief)

    def run(self) -> NegotiationModel:
        """Step until every replication has an outcome.

        Every round is Mesa's step: ``steps`` and ``time`` advance by one, and the default schedule's next event is
        one time unit on, as ``model.step()`` leaves them. With no other event scheduled, the model steps its
        rounds itself (the schedule paused, then resumed at the time reached): the same rounds, without Mesa
        making, queueing and running one event per round; Mesa's ``step`` otherwise, and from the moment a round
        schedules an event of its own.
        """
        schedule = getattr(self, "_default_schedule", None)  # (Mesa 3.5's: its ``step`` every 1.0 from 1.0)
        if (schedule is not None and self._simulator is None and len(self._event_list) == 1
                and schedule.next_scheduled_time == self.time + 1):
            schedule.pause()  # (cancels its event)
            events, queued = self._event_list._events, len(self._event_list._events)
            while some(self.live) and len(events) == queued:
                self.steps += 1
                self.time += 1  # (Mesa's: the event's time, then the step's end, both time + 1)
                self._user_step()  # (the model's own ``step``, a subclass's too)
                schedule._execution_count += 1
            schedule.resume()  # (its next event at time + 1)
        while some(self.live):
            self.step()
        return self

    def _outcome_utilities(self, rows: np.ndarray, outcome: Outcome) -> np.ndarray:
        """Each country's utility of the outcome in the replications ``rows``: the agreed package (binding every
        country, those that voted no included), termination after a withdrawal, the status quo after a stalemate
        or a failed ratification (termination values after a notice of withdrawal, or if ``protocol.no_deal =
        "termination"``; a country's reservation value if it has one)."""
        termination = self.termination[rows]  # (R, N) already
        if outcome in (Outcome.DEAL, Outcome.BILATERAL):
            agreed = self._utilities_in(self.agreement.package, rows)
            if outcome == Outcome.DEAL:
                return agreed  # those left out of a bilateral keep neither NAFTA nor the new text
            return np.where(self.agreement.signatories[rows], agreed, termination)
        status_quo = np.broadcast_to(self._per_row(self._status_quo_utility), (self.size, len(self.countries)))[rows]
        noticed = (self.clock.notice_round[rows] != NO_NOTICE)[:, None]
        if outcome == Outcome.WITHDRAWAL or self.case.spec.protocol.no_deal == "termination":
            return termination.copy()
        if outcome == Outcome.RATIFICATION_FAILED:
            return np.where(noticed, termination, np.where(self.case.no_deal_termination, termination, status_quo))
        return np.where(self.case.no_deal_termination, termination, status_quo)

    # ------------------------------------------------------------------------------------- a single run
    @property
    def outcome(self) -> Outcome | None:
        """The outcome of a single run (a batch of one): None while talks go on."""
        code = int(self._single(self.outcomes))
        return None if code == LIVE else OUTCOMES[code]

    @property
    def notice_round(self) -> int | None:
        """The round of a single run's notice of withdrawal, or None."""
        notice = int(self._single(self.clock.notice_round))
        return None if notice == NO_NOTICE else notice

    def outcome_utilities(self) -> np.ndarray:
        """(N,) each country's utility of a single run's outcome."""
        return self._single(self.final_utilities)

    def _single(self, values: np.ndarray):
        if self.size != 1:
            raise ValueError(f"a batch of {self.size} replications: read its arrays, not a single run's view")
        return values[0]
