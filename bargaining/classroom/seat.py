"""One student in one country's seat against the simulated others (a ``Table`` with one student, in memory).

    from bargaining.classroom import Classroom
    room = Classroom("nafta-2017", seat="MX", seed=7)
    while (request := room.request) is not None:
        if request.kind == "propose":
            room.propose(request.hint)          # or any {issue: value} package
        else:
            room.answer(request.utility >= request.walk_away)
    print(room.score().summary())

A student who plays exactly as the scenario's own strategy would (the ``hint`` of every request) reproduces
``bargaining.run`` with the same seed, round by round. ``score()`` is ``debrief.score_seat``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..scenario import Scenario, load_scenario
from .debrief import Score, score_seat
from .table import ANSWER, PROPOSE, ClassroomError, Request, Table, read_package


class Classroom:
    """One student in one country's seat, playing a scenario to its end.

    Args:
        scenario: A Scenario, a bundled scenario name or a path to a TOML file.
        seat: Country code the student plays.
        seed: Seed of the model's random number generator (None: one is drawn and kept in ``seed``).
        overrides: Dotted-path overrides applied to the scenario first.

    Attributes:
        scenario: The scenario as played (overrides applied).
        table: The Table (its ``model`` is the NegotiationModel as it stands).
    """

    def __init__(self, scenario: Scenario | str, seat: str, seed: int | None = None,
                 overrides: list[str] | dict[str, Any] | None = None):
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        self.scenario = scenario.with_overrides(overrides)
        self.seat = seat
        self.table = Table(self.scenario, seed, [seat])
        self.seed = self.table.seed
        self._closed = False

    @property
    def model(self):
        return self.table.model

    @property
    def request(self) -> Request | None:
        """The move the student must make now; None once the talks are over (or the room closed)."""
        return None if self._closed else self.table.request(self.seat)

    @property
    def over(self) -> bool:
        return self.request is None

    def package(self, package: Mapping[str, Any]) -> np.ndarray:
        """A student's package {issue: natural value or level label} -> normalised vector, checked."""
        return read_package(self.scenario.space, package)

    def propose(self, package: Mapping[str, Any]) -> None:
        """Table a package in the seat's turn."""
        self._play(PROPOSE, package)

    def answer(self, accept: bool) -> None:
        """Accept (True) or reject (False) the package on the table."""
        self._play(ANSWER, bool(accept))

    def _play(self, kind: str, value) -> None:
        if self._closed:
            raise ClassroomError("the talks are over: no more moves")
        self.table.play(self.seat, kind, value)

    def close(self) -> None:
        """Leave the talks before their end."""
        self._closed = True

    def utility(self, package: Mapping[str, Any]) -> dict[str, float]:
        """Every country's utility of a student's package (to try packages before tabling one)."""
        u = self.scenario.preferences.utility(self.package(package))
        return dict(zip(self.scenario.countries, map(float, u), strict=True))

    def score(self) -> Score:
        """Score the finished talks (``debrief.score_seat``)."""
        if not self.table.over:
            raise ClassroomError("the talks are not over yet")
        return score_seat(self.table, self.seat)


def play_hints(room: Classroom) -> Score:
    """Play the seat exactly as the scenario's strategy would (every hint), to the end; return the score."""
    while (request := room.request) is not None:
        if request.kind == PROPOSE:
            room.propose(request.hint)
        else:
            room.answer(request.hint)
    return room.score()
