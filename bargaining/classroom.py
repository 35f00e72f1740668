"""The classroom seat: a student takes one country's seat against the simulated others.

The student drives a real ``NegotiationModel``. In the seat's turn the student tables a package (natural
units and level labels); when another country tables one, the student accepts or rejects it. Everything
else (the other countries, the clock, the threat and notice of withdrawal) is the ordinary model.

How the model pauses for the student: the model runs in a worker thread; the seat's strategy (``Seat``)
and the model's ``answers`` ask the student through a pair of queues and block until the student answers.
Nothing runs concurrently (exactly one side works at a time), so a seed gives one result, and a student
who plays exactly as the scenario's own strategy would (the ``hint`` of every request) reproduces
``bargaining.run`` with the same seed, round by round.

At the end ``Classroom.score()`` compares the student's utility with the walk-away value, the Nash and
Kalai-Smorodinsky deals (``sampled.reference_points``) and the outcome the simulated agents reach
without the student (same seed, the seat played by its scenario strategy).

    from bargaining.classroom import Classroom
    room = Classroom("nafta-2017", seat="MX", seed=7)
    while (request := room.request) is not None:
        if request.kind == "propose":
            room.propose(request.hint)          # or any {issue: value} package
        else:
            room.answer(request.utility >= request.walk_away)
    print(room.score().summary())
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .model import NegotiationModel
from .sampled import reference_points
from .scenario import Scenario, load_scenario
from .simulate import run
from .strategies import Strategy


class ClassroomError(ValueError):
    """A student's move that cannot be played (wrong kind of move, a package out of range)."""


class _Abandoned(Exception):
    """Raised in the model thread when the session is closed before the talks end."""


@dataclass(frozen=True)
class Request:
    """What the student must do now.

    Attributes:
        kind: ``"propose"`` (table a package) or ``"answer"`` (accept or reject ``package``).
        round: Current round; ``month`` its calendar month.
        country: The student's country.
        aspiration: The aspiration the scenario's strategy would hold in this seat this round.
        walk_away: The seat's current walk-away value.
        hint: What the scenario's strategy would do: a package {issue: value} to table, or True/False.
        proposer: Who tabled ``package`` (answer requests).
        package: The package on the table {issue: value} (answer requests).
        utility: Its utility to the student's country (answer requests).
        within_red_lines: Whether it respects the seat's red lines (answer requests).
        red_lines_crossed: Issues on which it crosses them.
    """

    kind: str
    round: int
    month: str
    country: str
    aspiration: float
    walk_away: float
    hint: Any
    proposer: str | None = None
    package: dict[str, Any] | None = None
    utility: float | None = None
    within_red_lines: bool | None = None
    red_lines_crossed: tuple[str, ...] = ()


@dataclass
class Score:
    """How the student did.

    Attributes:
        country: The seat.
        outcome, round: How and when the talks ended.
        agreement: The agreed package {issue: value}, or None.
        utility: The seat's utility of the outcome.
        walk_away: The seat's walk-away value at the end of talks.
        nash, kalai_smorodinsky: The seat's utility at the Nash / Kalai-Smorodinsky deal (None if no zone).
        reference: ``"analysis"`` or ``"sampled"``: where the Nash and K-S deals come from.
        baseline_outcome, baseline_round, baseline_utility: The same talks (same seed) with the seat played
            by its scenario strategy.
        utilities: Every country's utility of the outcome.
    """

    country: str
    outcome: str
    round: int
    agreement: dict[str, Any] | None
    utility: float
    walk_away: float
    nash: float | None
    kalai_smorodinsky: float | None
    reference: str
    baseline_outcome: str
    baseline_round: int
    baseline_utility: float
    utilities: dict[str, float] = field(default_factory=dict)

    @property
    def surplus(self) -> float:
        """Utility above the walk-away value (negative: the student did worse than walking away)."""
        return self.utility - self.walk_away

    @property
    def versus_baseline(self) -> float:
        """Utility gained (or lost) against the simulated negotiator in the same seat."""
        return self.utility - self.baseline_utility

    def summary(self) -> str:
        """A few lines for the student."""
        fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
        lines = [
            f"{self.country}: {self.outcome} in round {self.round}; your utility {self.utility:.3f}",
            f"  vs your walk-away value {self.walk_away:.3f}: {self.surplus:+.3f}",
            f"  vs the Nash deal {fmt(self.nash)} and the Kalai-Smorodinsky deal {fmt(self.kalai_smorodinsky)}"
            f" ({self.reference})",
            f"  vs the simulated negotiator in your seat ({self.baseline_outcome} in round "
            f"{self.baseline_round}): {self.baseline_utility:.3f}, {self.versus_baseline:+.3f}",
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in self.__dict__.items()}, "surplus": self.surplus,
                "versus_baseline": self.versus_baseline}


class _Desk:
    """The two queues between the model thread and the student."""

    def __init__(self):
        self.requests: queue.Queue = queue.Queue()
        self.replies: queue.Queue = queue.Queue()

    def ask(self, request: Request):
        self.requests.put(request)
        reply = self.replies.get()
        if reply is _Abandoned:
            raise _Abandoned
        return reply


class Seat(Strategy):
    """The student's strategy: the aspiration is the scenario strategy's; the moves are the student's.

    Wraps the seat's scenario strategy, which still sets the aspiration (so the random draws are the
    same as without the student) and supplies the hint for every move.
    """

    name = "student"
    classifier = {**Strategy.classifier, "human": True}

    def __init__(self, inner: Strategy, desk: _Desk):
        super().__init__(inner.params)
        self.inner, self.desk = inner, desk

    def aspiration(self, agent) -> float:
        return self.inner.aspiration(agent)

    def propose(self, agent) -> np.ndarray:
        model = agent.model
        hint = self.inner.propose(agent)
        package = self.desk.ask(Request(
            kind="propose", round=model.round, month=model.case.month(model.round), country=agent.code,
            aspiration=agent.aspiration, walk_away=agent.walk_away, hint=model.space.natural(hint)))
        return package

    def accepts(self, agent, package, utility) -> bool:
        return self.inner.accepts(agent, package, utility)

    def observe(self, agent, proposer, package, utility) -> None:
        self.inner.observe(agent, proposer, package, utility)

    def reset(self) -> None:
        self.inner.reset()


class ClassroomModel(NegotiationModel):
    """A NegotiationModel in which one country's moves come from a student (through ``Seat``).

    Args:
        case: The scenario.
        seat: Country code of the student's seat.
        desk: The queues to the student.
        rng, record: As for NegotiationModel.

    Attributes:
        seat: The seat's CountryAgent.
        history: Every package tabled: round, proposer, package (normalised) and each country's answer.
    """

    def __init__(self, case: Scenario, seat: str, desk: _Desk, rng=None, record: bool = True):
        super().__init__(case, rng=rng, record=record)
        if seat not in case.countries:
            raise ClassroomError(f"seat: expected one of {list(case.countries)}, found {seat!r}")
        self.seat = self.countries[case.countries.index(seat)]
        self.seat.strategy = Seat(self.seat.strategy, desk)
        self.desk = desk
        self.history: list[dict[str, Any]] = []

    def answers(self, package: np.ndarray, exclude=None, among=None) -> list[bool]:
        """As NegotiationModel.answers, but the student answers for the seat (the scenario strategy's
        answer is the hint; red lines and walk-away value are shown, not enforced)."""
        prefs = self.preferences
        utility, within = prefs.utility(package), prefs.within_red_lines(package)
        out = {}
        for a in self.countries if among is None else among:
            if a is exclude:
                continue
            hint = a.accepts(package, utility[a.row], within[a.row])
            if a is self.seat:
                crossed = tuple(i.name for i, e in zip(self.space, prefs.red_line_excess(package)[a.row],
                                                        strict=True) if e > 1e-9)
                hint = bool(self.desk.ask(Request(
                    kind="answer", round=self.round, month=self.case.month(self.round), country=a.code,
                    aspiration=a.aspiration, walk_away=a.walk_away, hint=hint,
                    proposer=exclude.code if exclude is not None else None,
                    package=self.space.natural(package), utility=float(utility[a.row]),
                    within_red_lines=bool(within[a.row]), red_lines_crossed=crossed)))
            out[a.code] = bool(hint)
        self.history.append({"round": self.round, "proposer": exclude.code if exclude is not None else None,
                             "package": package, "answers": out})
        return list(out.values())


class Classroom:
    """One student in one country's seat, playing a scenario to its end.

    Args:
        scenario: A Scenario, a bundled scenario name or a path to a TOML file.
        seat: Country code the student plays.
        seed: Seed of the model's random number generator.
        overrides: Dotted-path overrides applied to the scenario first.

    Attributes:
        scenario: The scenario as played (overrides applied).
        model: The ClassroomModel.
    """

    def __init__(self, scenario: Scenario | str, seat: str, seed: int | None = None,
                 overrides: list[str] | dict[str, Any] | None = None):
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        self.scenario = scenario.with_overrides(overrides)
        self.seat, self.seed = seat, seed
        self._desk = _Desk()
        self.model = ClassroomModel(self.scenario, seat, self._desk, rng=seed)
        self._current: Request | None = None
        self._done = False
        self._error: BaseException | None = None
        self._score: Score | None = None
        self._thread = threading.Thread(target=self._play, name=f"classroom-{seat}", daemon=True)
        self._thread.start()

    def _play(self) -> None:
        try:
            while self.model.outcome is None:
                self.model.step()
        except _Abandoned:
            pass
        except BaseException as exc:  # re-raised in the student's thread
            self._error = exc
        finally:
            self._desk.requests.put(None)

    # ------------------------------------------------------------------------------------------ moves
    @property
    def request(self) -> Request | None:
        """The move the student must make now; None once the talks are over."""
        if self._current is None and not self._done:
            self._current = self._desk.requests.get()
            if self._current is None:
                self._done = True
                self._thread.join()
                if self._error is not None:
                    raise self._error
        return self._current

    @property
    def over(self) -> bool:
        return self.request is None

    def _reply(self, kind: str, value) -> None:
        request = self.request
        if request is None:
            raise ClassroomError("the talks are over: no more moves")
        if request.kind != kind:
            raise ClassroomError(f"expected a move of kind {request.kind!r}, found {kind!r}")
        self._current = None
        self._desk.replies.put(value)

    def package(self, package: Mapping[str, Any]) -> np.ndarray:
        """A student's package {issue: natural value or level label} -> normalised vector, checked.

        Raises:
            ClassroomError: naming the issue, what was expected and what was found.
        """
        space = self.scenario.space
        unknown = sorted(set(package) - set(space.names))
        if unknown:
            raise ClassroomError(f"package.{unknown[0]}: unknown issue; expected one of {space.names}")
        x = []
        for issue in space:
            if issue.name not in package:
                raise ClassroomError(f"package.{issue.name}: required but missing")
            value = package[issue.name]
            if not issue.discrete and isinstance(value, int | float | np.number):
                value = float(value)
            try:
                x.append(issue.normalise(value))
            except (ValueError, TypeError) as exc:
                raise ClassroomError(f"package.{issue.name}: {exc}") from None
        return space.snap(np.array(x))

    def propose(self, package: Mapping[str, Any]) -> None:
        """Table a package in the seat's turn."""
        x = self.package(package)
        self._reply("propose", x)

    def answer(self, accept: bool) -> None:
        """Accept (True) or reject (False) the package on the table."""
        self._reply("answer", bool(accept))

    def close(self) -> None:
        """Leave the talks before their end (the model thread stops)."""
        if not self._done:
            if self.request is not None:
                self._current = None
                self._desk.replies.put(_Abandoned)
            while self._desk.requests.get() is not None:
                self._desk.replies.put(_Abandoned)
            self._done = True
            self._thread.join()

    # ------------------------------------------------------------------------------------------ state
    def utility(self, package: Mapping[str, Any]) -> dict[str, float]:
        """Every country's utility of a student's package (to try packages before tabling one)."""
        u = self.scenario.preferences.utility(self.package(package))
        return dict(zip(self.scenario.countries, map(float, u), strict=True))

    def score(self) -> Score:
        """Score the finished talks (see the module docstring)."""
        if not self.over:
            raise ClassroomError("the talks are not over yet")
        if self._score is None:
            m, row = self.model, self.model.seat.row
            utilities = m.outcome_utilities()
            refs = reference_points(self.scenario)
            prefs = self.scenario.preferences
            baseline = run(self.scenario, seed=self.seed, record=False)
            self._score = Score(
                country=self.seat, outcome=m.outcome, round=m.round,
                agreement=self.scenario.space.natural(m.agreement.package) if m.outcome.signed else None,
                utility=float(utilities[row]), walk_away=float(m.seat.walk_away),
                nash=None if refs.nash is None else float(prefs.utility(refs.nash)[row]),
                kalai_smorodinsky=None if refs.kalai_smorodinsky is None
                else float(prefs.utility(refs.kalai_smorodinsky)[row]),
                reference=refs.source,
                baseline_outcome=baseline.outcome, baseline_round=baseline.round,
                baseline_utility=baseline.utilities[self.seat],
                utilities=dict(zip(self.scenario.countries, map(float, utilities), strict=True)),
            )
        return self._score


def play_hints(room: Classroom) -> Score:
    """Play the seat exactly as the scenario's strategy would (every hint), to the end; return the score."""
    while (request := room.request) is not None:
        if request.kind == "propose":
            room.propose(request.hint)
        else:
            room.answer(request.hint)
    return room.score()
