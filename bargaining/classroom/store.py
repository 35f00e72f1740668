"""The class store: classes, seats, every move, every package tabled and answered, and outcomes, in SQLite.

One file (default ``classroom.sqlite`` under the user's data directory, from ``platformdirs``; the app's
``--db`` chooses another). A table is rebuilt from its class's scenario and seed and its moves (``table.py``),
so the moves are what resuming needs; the transcript and outcome tables hold the same talks in readable
form, for any SQLite tool and for ``bargaining class export``. Every write is one transaction: a crash
leaves the file as it was before the write or after it, never between.

Each class keeps the scenario it was created with (its validated contents, overrides applied, and the
sources), so editing or updating a scenario file later does not change a class already played.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..scenario import Scenario, from_dict
from .debrief import transcript_rows
from .table import Move, Table

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS classes (
    code TEXT PRIMARY KEY, title TEXT NOT NULL, scenario_name TEXT NOT NULL, scenario TEXT NOT NULL,
    sources TEXT NOT NULL, seed INTEGER NOT NULL, students TEXT NOT NULL, tables INTEGER NOT NULL,
    round_seconds REAL, hide_utilities INTEGER NOT NULL, hide_hint INTEGER NOT NULL,
    created TEXT NOT NULL, closed TEXT);
CREATE TABLE IF NOT EXISTS seats (
    class TEXT NOT NULL REFERENCES classes(code), table_no INTEGER NOT NULL, country TEXT NOT NULL,
    student TEXT NOT NULL, key TEXT NOT NULL, joined TEXT NOT NULL, PRIMARY KEY (class, table_no, country));
CREATE TABLE IF NOT EXISTS moves (
    class TEXT NOT NULL REFERENCES classes(code), table_no INTEGER NOT NULL, point INTEGER NOT NULL,
    country TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, round INTEGER NOT NULL,
    by TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (class, table_no, point, country));
CREATE TABLE IF NOT EXISTS transcript (
    class TEXT NOT NULL REFERENCES classes(code), table_no INTEGER NOT NULL, seq INTEGER NOT NULL,
    round INTEGER NOT NULL, proposer TEXT NOT NULL, abstained INTEGER NOT NULL, package TEXT NOT NULL,
    answers TEXT NOT NULL, PRIMARY KEY (class, table_no, seq));
CREATE TABLE IF NOT EXISTS outcomes (
    class TEXT NOT NULL REFERENCES classes(code), table_no INTEGER NOT NULL, outcome TEXT NOT NULL,
    round INTEGER NOT NULL, utilities TEXT NOT NULL, agreement TEXT, PRIMARY KEY (class, table_no));
"""


def default_path() -> Path:
    """``classroom.sqlite`` in the user's data directory (``platformdirs.user_data_dir("bargaining")``)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("bargaining")) / "classroom.sqlite"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ClassSettings:
    """A class as the instructor created it.

    Attributes:
        code: The join code.
        title: A name for people.
        scenario: The scenario (overrides applied), as stored with the class.
        seed: Seed of every table (the same at every table, so tables differ only by what students do).
        students: The seats students take; simulated negotiators play the others.
        tables: Number of tables.
        round_seconds: Time per round, or None (no clock).
        hide_utilities: Students do not see what a package is worth to the other countries.
        hide_hint: Students do not see what the simulated negotiator in their seat would do.
        created, closed: When (ISO 8601, UTC); ``closed`` None while the class is open.
    """

    code: str
    title: str
    scenario: Scenario
    seed: int
    students: tuple[str, ...]
    tables: int
    round_seconds: float | None = None
    hide_utilities: bool = False
    hide_hint: bool = False
    created: str = ""
    closed: str | None = None

    def new_table(self, moves: list[Move] = ()) -> Table:
        return Table(self.scenario, self.seed, self.students, moves)


@dataclass(frozen=True)
class SeatRecord:
    """A student in a seat: table number, country, the student's name and the key that lets them back in."""

    table: int
    country: str
    student: str
    key: str
    joined: str


class Store:
    """Classes in one SQLite file (safe to share between the app's threads).

    Raises:
        UsageError: When the file cannot be opened or created, or is not a class store.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise UsageError(f"{self.path}: a class store of version {version}; this bargaining reads "
                                 f"version {SCHEMA_VERSION}")
            self._db.executescript(f"BEGIN; {SCHEMA} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")
        except (sqlite3.Error, OSError) as exc:
            raise UsageError(f"{self.path}: cannot open the class store: {exc}") from None
        self._lock = threading.RLock()
        self._scenarios: dict[str, Scenario] = {}  # a class's scenario never changes: validated once

    def close(self) -> None:
        self._db.close()

    def _write(self, statements: list[tuple[str, tuple]]) -> None:
        """Run statements in one transaction."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    self._db.execute(sql, args)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # ------------------------------------------------------------------------------------------ classes
    def add_class(self, c: ClassSettings) -> None:
        s = c.scenario
        self._write([("INSERT INTO classes VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      (c.code, c.title, s.origin, json.dumps(s.raw), json.dumps(s.sources), c.seed,
                       json.dumps(list(c.students)), c.tables, c.round_seconds, int(c.hide_utilities),
                       int(c.hide_hint), c.created, c.closed))])

    def classes(self) -> list[ClassSettings]:
        """Every class, oldest first."""
        return [self._class(row) for row in self._rows("SELECT * FROM classes ORDER BY created, code")]

    def get_class(self, code: str) -> ClassSettings | None:
        rows = self._rows("SELECT * FROM classes WHERE code = ?", (code,))
        return self._class(rows[0]) if rows else None

    def _class(self, row: tuple) -> ClassSettings:
        (code, title, name, raw, sources, seed, students, tables, seconds, hide_u, hide_h, created, closed) = row
        if code not in self._scenarios:
            self._scenarios[code] = from_dict(json.loads(raw), name, json.loads(sources))
        return ClassSettings(code=code, title=title, scenario=self._scenarios[code],
                             seed=seed, students=tuple(json.loads(students)), tables=tables, round_seconds=seconds,
                             hide_utilities=bool(hide_u), hide_hint=bool(hide_h), created=created, closed=closed)

    def close_class(self, code: str) -> None:
        self._write([("UPDATE classes SET closed = ? WHERE code = ? AND closed IS NULL", (now(), code))])

    # ------------------------------------------------------------------------------------------ seats
    def seats(self, code: str) -> list[SeatRecord]:
        return [SeatRecord(*row) for row in self._rows(
            "SELECT table_no, country, student, key, joined FROM seats WHERE class = ? ORDER BY table_no, country",
            (code,))]

    def take_seat(self, code: str, seat: SeatRecord) -> bool:
        """Give a free seat to a student; False (nothing written) when the seat is taken."""
        try:
            self._write([("INSERT INTO seats VALUES (?,?,?,?,?,?)",
                          (code, seat.table, seat.country, seat.student, seat.key, seat.joined))])
        except sqlite3.IntegrityError:
            return False
        return True

    # ------------------------------------------------------------------------------------------ tables
    def moves(self, code: str, table: int) -> list[Move]:
        """A table's log of moves, in the order played."""
        return [Move(point, country, kind, json.loads(value), round_) for point, country, kind, value, round_ in
                self._rows("SELECT point, country, kind, value, round FROM moves WHERE class = ? AND table_no = ? "
                           "ORDER BY rowid", (code, table))]

    def who_moved(self, code: str, table: int) -> list[str]:
        """For each move of ``moves``: ``student``, ``time`` (the round's clock ran out) or ``instructor``."""
        return [by for (by,) in self._rows("SELECT by FROM moves WHERE class = ? AND table_no = ? ORDER BY rowid",
                                           (code, table))]

    def save_moves(self, code: str, number: int, table: Table, moves: list[Move], by: str) -> None:
        """Add moves just played at a table, with its transcript and outcome as they now stand (one transaction)."""
        when = now()
        statements = [("INSERT INTO moves VALUES (?,?,?,?,?,?,?,?,?)",
                       (code, number, m.point, m.country, m.kind, json.dumps(m.value), m.round, by, when))
                      for m in moves]
        statements.append(("DELETE FROM transcript WHERE class = ? AND table_no = ?", (code, number)))
        for row in transcript_rows(table):
            package = {i.name: row[i.name] for i in table.scenario.space} if not row["abstained"] else None
            answers = {c: row[f"answer_{c}"] for c in table.scenario.countries if row[f"answer_{c}"]}
            statements.append(("INSERT INTO transcript VALUES (?,?,?,?,?,?,?,?)",
                               (code, number, row["seq"], row["round"], row["proposer"], int(row["abstained"]),
                                json.dumps(package), json.dumps(answers))))
        m = table.model
        if m.outcome is not None:
            utilities = dict(zip(table.scenario.countries, map(float, m.outcome_utilities()), strict=True))
            agreement = table.scenario.space.natural(m.agreement.package[0]) if m.outcome.signed else None
            statements.append(("INSERT OR REPLACE INTO outcomes VALUES (?,?,?,?,?,?)",
                               (code, number, str(m.outcome), m.round, json.dumps(utilities), json.dumps(agreement))))
        self._write(statements)

    def outcome(self, code: str, table: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT outcome, round, utilities, agreement FROM outcomes WHERE class = ? AND table_no = ?",
                          (code, table))
        if not rows:
            return None
        outcome, round_, utilities, agreement = rows[0]
        return {"outcome": outcome, "round": round_, "utilities": json.loads(utilities),
                "agreement": json.loads(agreement)}
