"""``bargaining class export CLASS --out DIR``: a class's record as files, from the store alone (no server).

Writes, for every table of the class:

* ``transcript.csv``: one row per package on the table (class, table, round, month, proposer, whether a
  student tabled it, the package in natural units, every country's utility of it, every answer);
* ``transcript.json``: the class (scenario, seed, seats, settings), and per table the students, every move
  in the order played (and whether the student, the round's clock or the instructor made it), the
  transcript and the outcome;
* ``debrief.csv`` and ``debrief.png``: each student's score (``debrief.debrief_rows``) and the class figure
  (``debrief.class_figure``).

Each file is written to a temporary name and renamed into place when complete.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from ..figures.run import save_figure
from ..files import write_text
from .debrief import class_figure, debrief_rows, transcript_rows
from .store import Store
from .table import Table

FILES = ("transcript.csv", "transcript.json", "debrief.csv", "debrief.png")


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


def class_record(store: Store, code: str) -> tuple[dict[str, Any], dict[int, Table]]:
    """Everything about a class as plain data (the contents of ``transcript.json``), and its tables.

    Raises:
        KeyError: No class has this code.
    """
    settings = store.get_class(code)
    if settings is None:
        raise KeyError(code)
    seats, tables, played = store.seats(code), {}, []
    for number in range(1, settings.tables + 1):
        moves, by = store.moves(code, number), store.who_moved(code, number)
        table = tables[number] = settings.new_table(moves)
        played.append({
            "table": number,
            "students": {s.country: s.student for s in seats if s.table == number},
            "round": table.round,
            "moves": [{"point": m.point, "round": m.round, "country": m.country, "kind": m.kind,
                       "value": m.value, "by": who} for m, who in zip(moves, by, strict=True)],
            "transcript": transcript_rows(table),
            "outcome": store.outcome(code, number),
        })
    record = {"class": {"code": settings.code, "title": settings.title, "scenario": settings.scenario.name,
                        "seed": settings.seed, "student_seats": list(settings.students), "tables": settings.tables,
                        "round_seconds": settings.round_seconds, "hide_utilities": settings.hide_utilities,
                        "hide_hint": settings.hide_hint, "created": settings.created, "closed": settings.closed,
                        "scenario_spec": settings.scenario.raw},
              "tables": played}
    return record, tables


def export_class(store: Store, code: str, out: str | Path) -> list[Path]:
    """Write the class's files (``FILES``) into ``out``; return their paths.

    Raises:
        KeyError: No class has this code.
    """
    record, tables = class_record(store, code)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    transcript = [{"class": code, "table": t["table"], **row} for t in record["tables"] for row in t["transcript"]]
    debrief = debrief_rows(tables, {(s.table, s.country): s.student for s in store.seats(code)})
    write_text(out / "transcript.csv", _csv(transcript))
    write_text(out / "transcript.json", json.dumps(record, indent=1, default=float) + "\n")
    write_text(out / "debrief.csv", _csv(debrief))
    save_figure(class_figure(tables[1].scenario, debrief), out / "debrief.png", dpi=110)
    return [out / name for name in FILES]
