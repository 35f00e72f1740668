"""A negotiating table where students hold some seats: a deterministic engine rebuilt by replaying moves.

A table is its scenario, its seed, the seats students hold (simulated negotiators fill the others) and the
ordered log of the students' moves. Its state is never saved as such: it is rebuilt by replaying the log
through an ordinary ``NegotiationModel`` from round 1, so the same scenario, seed and moves give the same
state, round by round. That is what makes stopping and restarting a class exact (``store.py`` keeps the
moves) and a table's history complete.

How the model waits for students: whenever it needs a student's move (a package in the seat's turn, an
answer to a package on the table) it looks the move up in the log by its *decision point*, the number of
times the table has asked students so far. When the move is not in the log yet, the replay stops there
(``_Waiting``) with the requests outstanding; students answering the same package are asked together.
A student's seat keeps its scenario strategy inside (``Student``), which still sets the aspiration, so the
random draws are those of ``bargaining.run``: students who play every hint reproduce it exactly.

A seat that does not move in time *abstains* (``Table.abstain``, ``Table.advance``): in its turn it tables
nothing (the others see no package and the turn passes), and it rejects whatever it is asked to answer.

    table = Table(load_scenario("nafta-2017"), seed=7, students=["US", "CA"])
    for request in table.pending:                  # what the students must do now
        ...
    table.play("US", "propose", {"auto_rvc": 75.0, ...})
    table.play("CA", "answer", False)
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model import NegotiationModel
from ..scenario import Scenario
from ..strategies import Strategy

PROPOSE, ANSWER = "propose", "answer"


class ClassroomError(ValueError):
    """A move that cannot be played (not the seat's turn, wrong kind of move, a package out of range)."""


@dataclass(frozen=True)
class Move:
    """One student's move, as the log keeps it.

    Attributes:
        point: The decision point it answers (see the module docstring).
        country: The seat.
        kind: ``"propose"`` or ``"answer"``.
        value: The package {issue: natural value or level label}, True/False, or None: the seat abstained.
        round: The round it was played in (for people reading the log; the replay does not need it).
    """

    point: int
    country: str
    kind: str
    value: Any
    round: int

    @property
    def abstained(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Request:
    """What a student must do now.

    Attributes:
        kind: ``"propose"`` (table a package) or ``"answer"`` (accept or reject ``package``).
        point: The decision point; a move must name it (a stale page cannot answer a later request).
        round: Current round; ``month`` its calendar month.
        country: The seat asked.
        aspiration: The aspiration the scenario's strategy would hold in this seat this round.
        walk_away: The seat's current walk-away value.
        hint: What the scenario's strategy would do: a package {issue: value} to table, or True/False.
        proposer: Who tabled ``package`` (answer requests; None when a seat left out of a signed text is asked
            whether to accede to it).
        package: The package on the table {issue: value} (answer requests).
        utility: Its utility to the seat (answer requests); ``utilities`` to every country.
        within_red_lines: Whether it respects the seat's red lines (answer requests).
        red_lines_crossed: Issues on which it crosses them.
    """

    kind: str
    point: int
    round: int
    month: str | None
    country: str
    aspiration: float
    walk_away: float
    hint: Any
    proposer: str | None = None
    package: dict[str, Any] | None = None
    utility: float | None = None
    utilities: dict[str, float] | None = None
    within_red_lines: bool | None = None
    red_lines_crossed: tuple[str, ...] = ()


@dataclass
class Entry:
    """One package on the table and its answers (the transcript).

    Attributes:
        round: The round.
        proposer: Who tabled it: a country, ``"mediator"`` (single text), or None for a signed text offered
            for accession.
        package: The package (normalised), None when the proposer abstained.
        answers: Country -> True (accept), False (reject) or None (abstained: counts as a rejection).
    """

    round: int
    proposer: str | None
    package: np.ndarray | None
    answers: dict[str, bool | None] = field(default_factory=dict)

    @property
    def abstained(self) -> bool:
        return self.package is None


def read_package(space, package: Mapping[str, Any]) -> np.ndarray:
    """A student's package {issue: natural value or level label} -> normalised vector, snapped to levels.

    Raises:
        ClassroomError: Naming the issue, what was expected and what was found.
    """
    if not isinstance(package, Mapping):
        raise ClassroomError(f"package: expected {{issue: value}}, found {package!r}")
    unknown = sorted(set(package) - set(space.names))
    if unknown:
        raise ClassroomError(f"package.{unknown[0]}: unknown issue; expected one of {space.names}")
    x = []
    for issue in space:
        if issue.name not in package:
            raise ClassroomError(f"package.{issue.name}: required but missing")
        value = package[issue.name]
        if not issue.discrete and isinstance(value, int | float | np.number) and not isinstance(value, bool):
            value = float(value)
        try:
            x.append(issue.normalise(value))
        except (ValueError, TypeError) as exc:
            raise ClassroomError(f"package.{issue.name}: {exc}") from None
    return space.snap(np.array(x))


def clean_package(space, package: Mapping[str, Any]) -> dict[str, Any]:
    """The package as the log keeps it: checked (``read_package``), numbers as floats, in issue order."""
    read_package(space, package)
    return {i.name: package[i.name] if i.discrete else float(package[i.name]) for i in space}


class _Waiting(Exception):
    """Raised inside the model when a student's move is not in the log yet."""

    def __init__(self, requests: list[Request]):
        super().__init__(requests)
        self.requests = requests


class Student(Strategy, register=False):
    """A student's seat: the aspiration is the scenario strategy's; the package tabled is the student's. A table
    is a single run (a batch of one), so each array here has one replication."""

    name = "student"
    classifier = {**Strategy.classifier, "human": True}

    def __init__(self, inner: Strategy, model: TableModel):
        super().__init__(inner.params)
        self.inner, self.model = inner, model

    def aspiration(self, agent):
        return self.inner.aspiration(agent)

    def propose(self, agent, rows) -> np.ndarray:
        return self.model.ask_package(agent, self.inner.propose(agent, rows)[0])[None, :]

    def accepts(self, agent, packages, utility):
        return self.inner.accepts(agent, packages, utility)

    def observe(self, agent, proposer, packages, utility, rows) -> None:
        self.inner.observe(agent, proposer, packages, utility, rows)

    def reset(self) -> None:
        self.inner.reset()


class TableModel(NegotiationModel):
    """A NegotiationModel whose student seats take their moves from a log (``Table`` replays it).

    Args:
        case: The scenario.
        students: Country codes of the students' seats.
        moves: The log: (point, country) -> Move.
        rng: Seed.

    Attributes:
        transcript: Every package on the table and its answers, in order (``Entry``).
        walk_away_start: Each country's walk-away value at the start of talks (before round 1).
        point: Decision points passed so far.
    """

    def __init__(self, case: Scenario, students: Iterable[str], moves: Mapping[tuple[int, str], Move], rng):
        super().__init__(case, rng=rng, record=True)  # records are cheap: plain lists (records.Records)
        self.students = frozenset(students)
        self.moves = moves
        self.point = 0
        self.used = 0  # moves consumed by the replay
        self.transcript: list[Entry] = []
        self.walk_away_start = {a.code: float(a.walk_away[0]) for a in self.countries}
        self._abstaining = None  # a seat that abstained in its turn: its package is not tabled
        self._skip = False  # ... and so its "package" is answered by nobody
        self._entry: Entry | None = None  # the package just put on the table, to be answered
        for agent in self.countries:
            if agent.code in self.students:
                agent.strategy = Student(agent.strategy, self)

    def apply(self, shock) -> None:
        """A shock may hand a seat a new strategy (an election): a student's seat stays the student's."""
        super().apply(shock)
        for agent in self.countries:
            if agent.code in self.students and not isinstance(agent.strategy, Student):
                agent.strategy = Student(agent.strategy, self)

    def _move(self, point: int, country: str, kind: str) -> Move | None:
        move = self.moves.get((point, country))
        if move is not None:
            if move.kind != kind:
                raise ClassroomError(f"the log does not fit the table: move {point} of {country} is a "
                                     f"{move.kind!r}, the table asks for {kind!r}")
            self.used += 1
        return move

    def _request(self, kind: str, agent, hint, **details) -> Request:
        return Request(kind=kind, point=self.point, round=self.round, month=self.case.month(self.round),
                       country=agent.code, aspiration=float(agent.aspiration[0]),
                       walk_away=float(agent.walk_away[0]), hint=hint, **details)

    def ask_package(self, agent, hint: np.ndarray) -> np.ndarray:
        """A student's package in the seat's turn (the hint when the seat abstains: it is not tabled)."""
        self.point += 1
        move = self._move(self.point, agent.code, PROPOSE)
        if move is None:
            raise _Waiting([self._request(PROPOSE, agent, self.space.natural(hint))])
        if move.abstained:
            self._abstaining = agent
            return hint
        return read_package(self.space, move.value)

    def table(self, proposer: np.ndarray, packages: np.ndarray, rows: np.ndarray) -> np.ndarray | None:
        who = self.countries[int(proposer[0])]
        if self._abstaining is who:
            self._abstaining, self._skip = None, True
            self.transcript.append(Entry(self.round, who.code, None))
            return None
        return super().table(proposer, packages, rows)

    def record(self, who: str, package: np.ndarray) -> None:
        super().record(who, package)
        self._skip = False  # a package on the table: what is answered next is this one
        self._entry = Entry(self.round, who, package)
        self.transcript.append(self._entry)

    def answers(self, packages: np.ndarray, asked: np.ndarray, utility: np.ndarray | None = None) -> np.ndarray:
        """As NegotiationModel.answers, but students answer for their seats (the scenario strategy's answer is
        the hint; red lines and walk-away values are shown to them, not enforced)."""
        skip, self._skip = self._skip, False
        entry, self._entry = self._entry, None
        yes = np.zeros(asked.shape, dtype=bool)
        if skip:  # the proposer abstained: nothing to answer
            return yes
        if entry is None:  # a signed text offered to the seats left out of it (bilateral_first)
            entry = Entry(self.round, None, packages[0])
            self.transcript.append(entry)
        package = packages[0]
        prefs = self.preferences
        utility, within = prefs.utility(package), prefs.within_red_lines(package)
        asked_agents = [a for a in self.countries if asked[0, a.row]]
        answers: dict[str, bool | None] = {a.code: bool(a.accepts(packages, utility[None, a.row],
                                                                  within[None, a.row])[0]) for a in asked_agents}
        students = [a for a in asked_agents if a.code in self.students]
        if students:
            self.point += 1
            waiting = []
            utilities = dict(zip(self.case.countries, map(float, utility), strict=True))
            for a in students:
                move = self._move(self.point, a.code, ANSWER)
                if move is not None:
                    answers[a.code] = None if move.abstained else bool(move.value)
                    continue
                crossed = tuple(i.name for i, e in zip(self.space, prefs.red_line_excess(package)[a.row],
                                                        strict=True) if e > 1e-9)
                proposer = entry.proposer if entry.proposer in self.case.countries else None
                waiting.append(self._request(
                    ANSWER, a, bool(answers[a.code]), proposer=proposer,
                    package=self.space.natural(package), utility=float(utility[a.row]), utilities=utilities,
                    within_red_lines=bool(within[a.row]), red_lines_crossed=crossed))
            if waiting:
                raise _Waiting(waiting)
        entry.answers = answers
        for a in asked_agents:
            yes[0, a.row] = bool(answers[a.code])
        return yes


class Table:
    """A table of a scenario with students in some seats, rebuilt from its log of moves.

    Args:
        scenario: The scenario (overrides applied).
        seed: Seed of the model's random number generator (None: a fresh one is drawn and kept in ``seed``).
        students: Seats the students hold; simulated negotiators play the others.
        moves: The log so far (as returned by ``moves`` or kept by the store).

    Attributes:
        model: The TableModel as the last replay left it (paused at the outstanding requests).
        pending: The requests outstanding, [] once the talks are over.
        moves: The log.
        transcript: Every package tabled and its answers (``Entry``).

    Raises:
        ClassroomError: For a seat that is not a country of the scenario, or a log the table cannot replay.
    """

    def __init__(self, scenario: Scenario, seed: int | None, students: Iterable[str], moves: Iterable[Move] = ()):
        self.scenario = scenario
        self.seed = secrets.randbits(32) if seed is None else int(seed)
        self.students = tuple(students)
        for code in self.students:
            if code not in scenario.countries:
                raise ClassroomError(f"seat: expected one of {list(scenario.countries)}, found {code!r}")
        self.moves: list[Move] = list(moves)
        self.replay()
        if self.model.used != len(self.moves):
            raise ClassroomError(f"the log does not fit the table: {len(self.moves) - self.model.used} of "
                                 f"{len(self.moves)} moves were never asked for")

    def replay(self) -> None:
        """Rebuild the model from round 1 with the log, up to the first move not in it."""
        log = {(m.point, m.country): m for m in self.moves}
        model = TableModel(self.scenario, self.students, log, rng=self.seed)
        try:
            model.run()
            pending = []
        except _Waiting as waiting:
            pending = waiting.requests
        self._state = (model, pending)  # one assignment: a reader in another thread sees both or neither

    @property
    def model(self) -> TableModel:
        return self._state[0]

    @property
    def pending(self) -> list[Request]:
        return self._state[1]

    # ------------------------------------------------------------------------------------------ state
    @property
    def over(self) -> bool:
        return self.model.outcome is not None

    @property
    def round(self) -> int:
        return self.model.round

    @property
    def transcript(self) -> list[Entry]:
        return self.model.transcript

    def request(self, country: str) -> Request | None:
        """The move the seat must make now, or None (waiting for others, or the talks are over)."""
        return next((r for r in self.pending if r.country == country), None)

    def acted(self) -> set[str]:
        """Student seats that have moved in the current round."""
        return {m.country for m in self.moves if m.round == self.round}

    # ------------------------------------------------------------------------------------------ moves
    def play(self, country: str, kind: str, value: Any, point: int | None = None) -> Move:
        """Play a student's move: a package (``kind="propose"``) or an answer (``kind="answer"``, True/False).

        Args:
            point: The decision point the student's page showed; a move for an older one is refused (the
                request it answered is gone).

        Raises:
            ClassroomError: The talks are over, the seat is not asked anything now, the move is of the
                wrong kind or for another request, or the package is out of range; the log is unchanged.
        """
        if self.over:
            raise ClassroomError("the talks are over: no more moves")
        if country not in self.students:
            raise ClassroomError(f"{country} is not a student's seat at this table")
        request = self.request(country)
        if request is None:
            raise ClassroomError(f"nothing is asked of {country} now: waiting for "
                                 f"{', '.join(sorted({r.country for r in self.pending}))}")
        if point is not None and point != request.point:
            raise ClassroomError("that request is no longer open: the table has moved on")
        if kind != request.kind:
            raise ClassroomError(f"expected a move of kind {request.kind!r}, found {kind!r}")
        if kind == PROPOSE:
            value = clean_package(self.scenario.space, value)
        elif not isinstance(value, bool | np.bool_):
            raise ClassroomError(f"answer: expected True (accept) or False (reject), found {value!r}")
        return self._log([Move(request.point, country, kind, value if kind == PROPOSE else bool(value),
                               request.round)])[0]

    def abstain(self, countries: Iterable[str] | None = None) -> list[Move]:
        """The outstanding requests of ``countries`` (default: all) are answered by abstaining."""
        chosen = None if countries is None else set(countries)
        return self._log([Move(r.point, r.country, r.kind, None, r.round) for r in self.pending
                          if chosen is None or r.country in chosen])

    def advance(self) -> list[Move]:
        """End the current round: every student seat still asked something in it abstains, until the table
        reaches the next round (or the end of the talks)."""
        now, played = self.round, []
        while self.pending and self.round == now:
            played += self.abstain()
        return played

    def _log(self, moves: list[Move]) -> list[Move]:
        if moves:
            self.moves.extend(moves)
            self.replay()
        return moves
