"""Classes and their tables, as the app serves them: join codes, seats, moves, round clocks, the instructor.

One ``ClassService`` lives in the app's process and is shared by every browser connected to it. It keeps
each open table in memory (a ``Table``, rebuilt from the store on first use: a restarted server resumes
every table where it was) and writes every move to the store before anyone sees its effect.

* The instructor (who holds the token printed when the app starts) creates a class: a scenario, the seats
  students take (simulated negotiators play the others), a number of tables, a seed (the same at every
  table), an optional time per round, and whether students see the other countries' utilities and the
  simulated negotiator's hint. The class gets a short join code.
* A student joins with the code, a table and a free seat, and gets a seat key (to come back to the seat
  from another browser or after a reload).
* A round advances when every student seat has made its moves; the instructor may end a round at once
  (``advance``); with a time per round, a round whose time runs out ends the same way (``tick``): the seats
  still to move abstain. A table's clock starts when all its student seats are taken, and restarts with the
  server (students need time to come back).

Every refusal (wrong or stale code, a taken seat, a closed class, a wrong token, a move out of turn) raises
``ClassroomError`` with one sentence for the person, and changes nothing.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..scenario import Scenario, ScenarioError, load_scenario
from .store import ClassSettings, SeatRecord, Store, now
from .table import ClassroomError, Move, Table

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read off a board
CODE_LENGTH = 6
MAX_TABLES = 50
MAX_NAME = 40


def new_token() -> str:
    """A fresh instructor token."""
    return secrets.token_urlsafe(12)


class ClassService:
    """The classes of one store, their tables and who sits where.

    Args:
        store: The Store (or a path to its file).
        token: The instructor's token.
        clock: Seconds, monotonic (tests pass a fake one).

    Attributes:
        version: Increases with every change; ``wait`` blocks until it moves.
    """

    def __init__(self, store: Store | str | Path, token: str, clock: Callable[[], float] = time.monotonic):
        self.store = store if isinstance(store, Store) else Store(store)
        self.token = token
        self.clock = clock
        self.version = 0
        self._changed = threading.Condition(threading.RLock())
        self._tables: dict[tuple[str, int], Table] = {}
        self._started: dict[tuple[str, int], tuple[int, float]] = {}  # round clock: (round, started at)

    # ------------------------------------------------------------------------------------------ changes
    def _notify(self) -> None:
        with self._changed:
            self.version += 1
            self._changed.notify_all()

    def wait(self, version: int, timeout: float) -> int:
        """Block until ``version`` is out of date or ``timeout`` seconds pass; return the current version."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != version, timeout)
            return self.version

    # ------------------------------------------------------------------------------------------ instructor
    def check_token(self, token: str | None) -> None:
        if not token or not secrets.compare_digest(str(token), self.token):
            raise ClassroomError("wrong instructor token: use the one the app printed when it started")

    def create_class(self, token: str, scenario: str | Scenario, students: Iterable[str], tables: int = 1,
                     seed: int = 0, round_seconds: float | None = None, hide_utilities: bool = False,
                     hide_hint: bool = False, title: str = "", overrides: list[str] | None = None) -> ClassSettings:
        """Create a class and return it (its ``code`` is the join code).

        Raises:
            ClassroomError: Wrong token, unknown scenario, seats that are not countries of the scenario,
                no student seat, a number of tables outside 1..50, a time per round not positive.
        """
        self.check_token(token)
        try:
            case = (scenario if isinstance(scenario, Scenario) else load_scenario(scenario)).with_overrides(overrides)
        except ScenarioError as exc:
            raise ClassroomError(str(exc)) from None
        students = tuple(students)
        unknown = [s for s in students if s not in case.countries]
        if unknown or not students or len(set(students)) != len(students):
            raise ClassroomError(f"student seats: expected one or more of {list(case.countries)}, found "
                                 f"{list(students)}")
        if not 1 <= int(tables) <= MAX_TABLES:
            raise ClassroomError(f"tables: expected 1 to {MAX_TABLES}, found {tables}")
        if round_seconds is not None and not round_seconds > 0:
            raise ClassroomError(f"time per round: expected a number of seconds > 0, found {round_seconds}")
        with self._changed:
            code = self._new_code()
            settings = ClassSettings(code=code, title=title or f"{case.name} class {code}", scenario=case,
                                     seed=int(seed), students=tuple(c for c in case.countries if c in students),
                                     tables=int(tables), round_seconds=round_seconds,
                                     hide_utilities=bool(hide_utilities), hide_hint=bool(hide_hint),
                                     created=now())
            self.store.add_class(settings)
        self._notify()
        return settings

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if self.store.get_class(code) is None:
                return code

    def close_class(self, token: str, code: str) -> None:
        """Close a class: nobody joins or moves any more; its record stays for the debrief and export."""
        self.check_token(token)
        self.open_class(code)
        self.store.close_class(code)
        self._notify()

    def advance(self, token: str, code: str, number: int) -> list[Move]:
        """End the current round of a table now: the seats still to move abstain."""
        self.check_token(token)
        self.open_class(code)
        return self._advance(code, number, "instructor")

    def _advance(self, code: str, number: int, by: str) -> list[Move]:
        with self._changed:
            table = self.table(code, number)
            moves = table.advance()
            if moves:
                self.store.save_moves(code, number, table, moves, by)
        if moves:
            self._notify()
        return moves

    def tick(self) -> list[tuple[str, int]]:
        """End every round whose time has run out (call about once a second); return the tables advanced."""
        advanced = []
        for settings in self.classes():
            if settings.closed or settings.round_seconds is None:
                continue
            taken = self._taken(settings.code)
            for number in range(1, settings.tables + 1):
                table = self.table(settings.code, number)
                key, t = (settings.code, number), self.clock()
                full = all((number, c) in taken for c in settings.students)
                if table.over or not full:
                    self._started.pop(key, None)
                    continue
                round_, started = self._started.setdefault(key, (table.round, t))
                if round_ != table.round:
                    self._started[key] = (table.round, t)
                elif t - started >= settings.round_seconds:
                    self._advance(settings.code, number, "time")
                    advanced.append(key)
        return advanced

    def seconds_left(self, code: str, number: int) -> float | None:
        """Seconds left in the current round of a table (None: no clock, or it has not started)."""
        settings = self.store.get_class(code)
        started = self._started.get((code, number))
        if settings is None or settings.round_seconds is None or started is None:
            return None
        if started[0] != self.table(code, number).round:
            return float(settings.round_seconds)
        return max(0.0, settings.round_seconds - (self.clock() - started[1]))

    def run_clock(self, stop: threading.Event, every: float = 1.0) -> threading.Thread:
        """Call ``tick`` every ``every`` seconds in a daemon thread until ``stop`` is set."""
        def loop():
            while not stop.wait(every):
                try:
                    self.tick()
                except Exception as exc:  # a clock that dies silently would freeze every timed class
                    print(f"classroom clock: {exc!r}", flush=True)
        thread = threading.Thread(target=loop, name="classroom-clock", daemon=True)
        thread.start()
        return thread

    # ------------------------------------------------------------------------------------------ reading
    def classes(self) -> list[ClassSettings]:
        return self.store.classes()

    def find_class(self, code: str) -> ClassSettings:
        """The class of a join code (case and spaces forgiven).

        Raises:
            ClassroomError: No class has this code.
        """
        settings = self.store.get_class(normalise_code(code))
        if settings is None:
            raise ClassroomError(f"no class has the code {code.strip()!r}: check the code on the board "
                                 "(it may belong to an earlier session)")
        return settings

    def open_class(self, code: str) -> ClassSettings:
        """As ``find_class``, and the class must still be open."""
        settings = self.find_class(code)
        if settings.closed:
            raise ClassroomError(f"class {settings.code} is closed: the instructor has ended it")
        return settings

    def table(self, code: str, number: int) -> Table:
        """A table of a class, rebuilt from the store the first time it is asked for."""
        key = (code, number)
        with self._changed:
            if key not in self._tables:
                settings = self.find_class(code)
                if not 1 <= number <= settings.tables:
                    raise ClassroomError(f"class {code} has tables 1 to {settings.tables}, not {number}")
                self._tables[key] = settings.new_table(self.store.moves(code, number))
            return self._tables[key]

    def seats(self, code: str) -> list[SeatRecord]:
        return self.store.seats(code)

    def _taken(self, code: str) -> dict[tuple[int, str], SeatRecord]:
        return {(s.table, s.country): s for s in self.store.seats(code)}

    def free_seats(self, code: str) -> list[tuple[int, str]]:
        """(table, country) of every student seat nobody has taken yet, table by table."""
        settings = self.open_class(code)
        taken = self._taken(settings.code)
        return [(n, c) for n in range(1, settings.tables + 1) for c in settings.students if (n, c) not in taken]

    # ------------------------------------------------------------------------------------------ students
    def join(self, code: str, number: int, country: str, student: str) -> SeatRecord:
        """Take a free seat; return it with its key (the student's way back to it).

        Raises:
            ClassroomError: Unknown or closed class, no such table, a seat played by the computer, a taken
                seat, an empty name.
        """
        settings = self.open_class(code)
        student = " ".join(str(student).split())[:MAX_NAME]
        if not student:
            raise ClassroomError("your name: please type the name the instructor will know you by")
        if not 1 <= int(number) <= settings.tables:
            raise ClassroomError(f"class {settings.code} has tables 1 to {settings.tables}, not {number}")
        if country not in settings.students:
            raise ClassroomError(f"{country} is played by the computer in this class; student seats: "
                                 f"{', '.join(settings.students)}")
        seat = SeatRecord(int(number), country, student, secrets.token_urlsafe(9), now())
        if not self.store.take_seat(settings.code, seat):
            holder = self._taken(settings.code)[(seat.table, country)].student
            raise ClassroomError(f"{country} at table {number} is taken (by {holder}): choose another seat")
        self._notify()
        return seat

    def seat(self, code: str, key: str) -> SeatRecord:
        """The seat a key opens (to come back after a reload).

        Raises:
            ClassroomError: Unknown class or key.
        """
        settings = self.find_class(code)
        for seat in self.store.seats(settings.code):
            if secrets.compare_digest(seat.key, str(key).strip()):
                return seat
        raise ClassroomError(f"no seat in class {settings.code} has this key: check it, or join a free seat")

    def move(self, code: str, key: str, kind: str, value: Any, point: int | None = None) -> Move:
        """Play a student's move at their seat (``Table.play``), stored before it counts."""
        settings = self.open_class(code)
        seat = self.seat(settings.code, key)
        with self._changed:
            table = self.table(settings.code, seat.table)
            move = table.play(seat.country, kind, value, point)
            try:
                self.store.save_moves(settings.code, seat.table, table, [move], "student")
            except BaseException:  # not stored: not played
                table.moves.remove(move)
                table.replay()
                raise
        self._notify()
        return move

    # ------------------------------------------------------------------------------------------ views
    def overview(self, code: str) -> list[dict[str, Any]]:
        """Every table of a class at a glance: round, who is to move and who has moved this round, the
        students, the outcome, every country's utility (of the outcome, or of the last package tabled) and
        walk-away value now."""
        settings = self.find_class(code)
        taken = self._taken(settings.code)
        rows = []
        for number in range(1, settings.tables + 1):
            table = self.table(settings.code, number)
            m = table.model
            tabled = [e for e in table.transcript if e.package is not None]
            utility = m.outcome_utilities() if m.outcome is not None else \
                settings.scenario.preferences.utility(tabled[-1].package) if tabled else None
            rows.append({
                "table": number, "round": table.round, "month": settings.scenario.month(max(table.round, 1)),
                "outcome": None if m.outcome is None else str(m.outcome),
                "students": {c: taken[(number, c)].student if (number, c) in taken else None
                             for c in settings.students},
                "to_move": sorted({r.country for r in table.pending}), "moved": sorted(table.acted()),
                "utilities": None if utility is None else dict(zip(settings.scenario.countries,
                                                                   map(float, utility), strict=True)),
                "walk_away": {a.code: float(a.walk_away[0]) for a in m.countries},
                "seconds_left": self.seconds_left(settings.code, number),
            })
        return rows

    def tables(self, code: str) -> dict[int, Table]:
        settings = self.find_class(code)
        return {n: self.table(settings.code, n) for n in range(1, settings.tables + 1)}

    def names(self, code: str) -> dict[tuple[int, str], str]:
        return {(s.table, s.country): s.student for s in self.store.seats(normalise_code(code))}


def normalise_code(code: str) -> str:
    """A join code as typed -> as stored (upper case, no spaces or dashes)."""
    return "".join(str(code).split()).replace("-", "").upper()
