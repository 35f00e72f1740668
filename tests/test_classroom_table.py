"""Tables for a class: several students at one table, replayed from their moves; the store, the service
(codes, seats, clocks, the instructor), resuming after the server is killed, and the export."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bargaining
from bargaining.classroom import ClassroomError, Table
from bargaining.classroom.debrief import transcript_rows
from bargaining.classroom.export import FILES
from bargaining.classroom.service import ClassService
from bargaining.classroom.store import Store
from bargaining.cli import main

NAFTA = bargaining.load_scenario("nafta-2017")
PIE = bargaining.load_scenario("pie-split")
TOKEN = "instructor-token"


def facts(table: Table):
    """What a table has seen: every package tabled (or abstained) and every answer, the round, the outcome."""
    return ([(e.round, e.proposer, None if e.package is None else e.package.tolist(), e.answers)
             for e in table.transcript], table.round, table.model.outcome, [r.point for r in table.pending])


def scripted(request):
    """A deterministic student who is not the simulated negotiator: each seat asks for 2 points more regional
    content than the hint (within bounds) and accepts, within its red lines, packages worth its aspiration less 0.03."""
    if request.kind == "propose":
        package = dict(request.hint)
        package["auto_rvc"] = min(85.0, package["auto_rvc"] + 2.0)
        return package
    return request.within_red_lines and request.utility >= request.aspiration - 0.03


def play_to_end(table: Table, student=scripted):
    while not table.over:
        for request in list(table.pending):
            table.play(request.country, request.kind, student(request), request.point)


# ------------------------------------------------------------------------------------------ the engine

def test_three_students_playing_the_hints_reproduce_the_simulation():
    """Every seat a student, each playing the hint: the same packages, answers, outcome and round as
    bargaining.run with the same seed (students answering one package are asked together)."""
    baseline = bargaining.run(NAFTA, seed=7)
    table = Table(NAFTA, 7, ["US", "CA", "MX"])
    asked_together = 0
    while not table.over:
        asked_together = max(asked_together, len(table.pending))
        for request in list(table.pending):
            table.play(request.country, request.kind, request.hint, request.point)
    assert (table.model.outcome, table.round) == (baseline.outcome, baseline.round) == ("deal", 7)
    assert asked_together == 2  # the two seats that did not table a package answer it together
    tabled = [(r, who) for r, who, _ in table.model.records.tabled]
    assert tabled == list(zip(baseline.tabled["round"], baseline.tabled["proposer"], strict=True))
    assert dict(zip(NAFTA.countries, table.model.outcome_utilities(), strict=True)) == \
        pytest.approx(baseline.utilities, abs=1e-12)


def test_the_same_moves_rebuild_the_same_table():
    live = Table(NAFTA, 3, ["US", "MX"])
    for _ in range(9):
        request = live.pending[0]
        live.play(request.country, request.kind, scripted(request), request.point)
    rebuilt = Table(NAFTA, 3, ["US", "MX"], live.moves)
    assert facts(rebuilt) == facts(live) and rebuilt.round >= 2
    play_to_end(live)
    play_to_end(rebuilt)
    assert facts(rebuilt) == facts(live)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), moves=st.integers(1, 40), scenario=st.sampled_from(["nafta-2017", "pie-split"]))
def test_any_sequence_of_moves_replays_exactly(seed, moves, scenario):
    """Random packages, answers and abstentions: a table rebuilt from its log is the table that was played."""
    case = bargaining.load_scenario(scenario)
    rng = np.random.default_rng(seed)
    live = Table(case, seed % 1000, list(case.countries))
    for _ in range(moves):
        if live.over:
            break
        request = live.pending[rng.integers(len(live.pending))]
        if rng.random() < 0.15:
            live.abstain([request.country])
        elif request.kind == "propose":
            live.play(request.country, "propose", case.space.natural(case.space.snap(rng.random(len(case.space)))),
                      request.point)
        else:
            live.play(request.country, "answer", bool(rng.random() < 0.3), request.point)
    assert facts(Table(case, seed % 1000, list(case.countries), live.moves)) == facts(live)


def test_an_abstaining_seat_tables_nothing_and_rejects():
    """pie-split, both seats students: A abstains in its turn (nothing tabled, B asked nothing), B tables
    its package, A abstains on it (a rejection): round 1 ends with one package on the table and no deal."""
    table = Table(PIE, 0, ["A", "B"])
    assert [(r.country, r.kind) for r in table.pending] == [("A", "propose")]
    table.abstain()
    assert [(r.country, r.kind) for r in table.pending] == [("B", "propose")]
    table.play("B", "propose", {"share_A": 40.0})
    table.abstain()
    assert table.round == 2 and [(r.country, r.kind) for r in table.pending] == [("A", "propose")]
    first, second = table.transcript
    assert (first.proposer, first.package, first.answers) == ("A", None, {})
    assert (second.proposer, second.package.tolist(), second.answers) == ("B", [0.4], {"A": None})
    rows = transcript_rows(table)
    assert rows[0]["abstained"] and rows[0]["share_A"] is None
    assert rows[1]["answer_A"] == "abstain" and rows[1]["share_A"] == 40.0
    assert [m.abstained for m in table.moves] == [True, False, True]


def test_advance_ends_the_round_for_every_seat_still_to_move():
    table = Table(NAFTA, 7, ["US", "CA", "MX"])
    moved = table.advance()
    assert table.round == 2 and moved and all(m.abstained and m.round == 1 for m in moved)
    assert {m.country for m in moved} == {"US", "CA", "MX"}
    assert all(e.package is None for e in table.transcript)  # nobody tabled anything in round 1


def test_a_student_keeps_the_seat_after_an_election_changes_its_strategy():
    """Mexico's election (round 12) hands the seat a new strategy; the student still plays it. With the U.S.
    threat not credible and Mexico holding out for its ideal package, talks run to the horizon."""
    case = NAFTA.with_overrides({"US.termination_value": 0.05})
    table = Table(case, 1, ["MX"])
    proposing = set()
    while not table.over:
        request = table.pending[0]
        if request.kind == "propose":
            proposing.add(request.round)
        table.play("MX", request.kind, case.spec.countries["MX"].ideal if request.kind == "propose" else False,
                   request.point)
    assert table.model.outcome == "stalemate" and proposing == set(range(1, 25))


def test_moves_out_of_turn_are_refused_and_change_nothing():
    table = Table(PIE, 0, ["A", "B"])
    before = facts(table)
    with pytest.raises(ClassroomError, match="nothing is asked of B now: waiting for A"):
        table.play("B", "propose", {"share_A": 50.0})
    with pytest.raises(ClassroomError, match="expected a move of kind 'propose', found 'answer'"):
        table.play("A", "answer", True)
    with pytest.raises(ClassroomError, match="no longer open"):
        table.play("A", "propose", {"share_A": 50.0}, point=99)
    with pytest.raises(ClassroomError, match=r"package.share_A: expected a number in \[0, 100\], found 'x'"):
        table.play("A", "propose", {"share_A": "x"})
    assert facts(table) == before and table.moves == []
    table.play("A", "propose", {"share_A": 50.0})
    with pytest.raises(ClassroomError, match="answer: expected True"):
        table.play("B", "answer", "yes")
    assert len(table.moves) == 1
    with pytest.raises(ClassroomError, match="log does not fit"):
        Table(PIE, 0, ["A", "B"], [*table.moves, table.moves[0]])


# ------------------------------------------------------------------------------------------ the service

@pytest.fixture
def service(tmp_path):
    return ClassService(tmp_path / "class.sqlite", token=TOKEN)


def test_a_class_of_two_tables_plays_to_the_end_and_is_stored(service, tmp_path):
    c = service.create_class(TOKEN, "nafta-2017", ["US", "CA", "MX"], tables=2, seed=7)
    assert len(c.code) == 6 and service.free_seats(c.code)[:3] == [(1, "US"), (1, "CA"), (1, "MX")]
    keys = {(n, s): service.join(c.code.lower(), n, s, f"Student {s}{n}").key for n in (1, 2) for s in c.students}
    assert service.free_seats(c.code) == []
    for n in (1, 2):
        table = service.table(c.code, n)
        while not table.over:
            for r in list(table.pending):
                service.move(c.code, keys[(n, r.country)], r.kind, scripted(r) if n == 2 else r.hint, r.point)
    overview = service.overview(c.code)
    assert [row["outcome"] for row in overview] == ["deal", "deal"]
    assert overview[0]["utilities"] == pytest.approx(bargaining.run(NAFTA, seed=7).utilities)
    assert overview[1]["students"] == {"US": "Student US2", "CA": "Student CA2", "MX": "Student MX2"}
    # A second service on the same file (the server restarted) sees the same tables and outcomes.
    again = ClassService(tmp_path / "class.sqlite", token="another")
    assert [facts(again.table(c.code, n)) for n in (1, 2)] == [facts(service.table(c.code, n)) for n in (1, 2)]
    for n in (1, 2):
        stored = again.store.outcome(c.code, n)
        table = service.table(c.code, n)
        assert (stored["outcome"], stored["round"]) == (table.model.outcome, table.round)


def test_refusals_say_what_is_wrong_and_change_nothing(service):
    with pytest.raises(ClassroomError, match="wrong instructor token"):
        service.create_class("guess", "pie-split", ["A"])
    with pytest.raises(ClassroomError, match="student seats: expected one or more of"):
        service.create_class(TOKEN, "pie-split", ["Z"])
    with pytest.raises(ClassroomError, match="unknown scenario"):
        service.create_class(TOKEN, "no-such", ["A"])
    with pytest.raises(ClassroomError, match="tables: expected 1 to 50"):
        service.create_class(TOKEN, "pie-split", ["A"], tables=0)
    c = service.create_class(TOKEN, "pie-split", ["A", "B"], tables=1)
    with pytest.raises(ClassroomError, match="no class has the code 'ZZZZZZ'"):
        service.join("ZZZZZZ", 1, "A", "Ana")
    seat = service.join(c.code, 1, "A", "Ana")
    with pytest.raises(ClassroomError, match=r"A at table 1 is taken \(by Ana\)"):
        service.join(c.code, 1, "A", "Bob")
    with pytest.raises(ClassroomError, match="tables 1 to 1, not 2"):
        service.join(c.code, 2, "B", "Bob")
    with pytest.raises(ClassroomError, match="your name"):
        service.join(c.code, 1, "B", "   ")
    with pytest.raises(ClassroomError, match="no seat in class"):
        service.move(c.code, "not-a-key", "propose", {"share_A": 60.0})
    assert service.seat(c.code, seat.key).student == "Ana"
    service.move(c.code, seat.key, "propose", {"share_A": 60.0})
    with pytest.raises(ClassroomError, match="nothing is asked of A now: waiting for B"):
        service.move(c.code, seat.key, "propose", {"share_A": 60.0})
    with pytest.raises(ClassroomError, match="wrong instructor token"):
        service.close_class("guess", c.code)
    service.close_class(TOKEN, c.code)
    for attempt in (lambda: service.join(c.code, 1, "B", "Bob"),
                    lambda: service.move(c.code, seat.key, "answer", True),
                    lambda: service.advance(TOKEN, c.code, 1)):
        with pytest.raises(ClassroomError, match=f"class {c.code} is closed"):
            attempt()
    assert len(service.store.moves(c.code, 1)) == 1 and [s.student for s in service.seats(c.code)] == ["Ana"]


def test_a_round_whose_time_runs_out_ends_with_the_late_seats_abstaining(tmp_path):
    now = [0.0]
    service = ClassService(tmp_path / "c.sqlite", TOKEN, clock=lambda: now[0])
    c = service.create_class(TOKEN, "pie-split", ["A", "B"], round_seconds=60)
    a = service.join(c.code, 1, "A", "Ana")
    now[0] = 1000.0
    assert service.tick() == []  # the clock waits until every student seat is taken
    service.join(c.code, 1, "B", "Bob")
    assert service.tick() == [] and service.seconds_left(c.code, 1) == 60
    now[0] += 59
    assert service.tick() == [] and service.seconds_left(c.code, 1) == pytest.approx(1)
    now[0] += 1
    assert service.tick() == [(c.code, 1)]
    table = service.table(c.code, 1)
    assert table.round == 2 and service.store.who_moved(c.code, 1) == ["time"] * len(table.moves)
    service.tick()
    assert service.seconds_left(c.code, 1) == 60  # a new round, a new clock
    assert table.request("A").kind == "propose"
    service.move(c.code, a.key, "propose", {"share_A": 70.0})
    assert service.advance(TOKEN, c.code, 1) and table.round == 3
    assert service.store.who_moved(c.code, 1)[-3:] == ["student", "instructor", "instructor"]


KILLED = textwrap.dedent("""
    import json, sys, time
    from bargaining.classroom.service import ClassService
    from tests.test_classroom_table import scripted
    service = ClassService(sys.argv[1], token="t")
    c = service.create_class("t", "nafta-2017", ["US", "CA", "MX"], seed=3)
    keys = {s: service.join(c.code, 1, s, s).key for s in c.students}
    table = service.table(c.code, 1)
    while table.round < 4 or len(table.moves) % 2 == 0:  # stop in round 4, between two answers
        r = table.pending[0]
        service.move(c.code, keys[r.country], r.kind, scripted(r), r.point)
    print(json.dumps({"code": c.code, "keys": keys, "moves": len(table.moves)}), flush=True)
    time.sleep(600)
""")


def test_a_killed_server_resumes_every_table_where_it_was(tmp_path):
    """The process holding the store is killed (SIGKILL) in the middle of round 4; a new service on the file
    has the table at the same round with the same packages and answers, and played on with the same moves it
    ends as a table that was never interrupted."""
    db = tmp_path / "class.sqlite"
    child = subprocess.Popen([sys.executable, "-c", KILLED, str(db)], stdout=subprocess.PIPE, text=True,
                             cwd=os.path.dirname(os.path.dirname(__file__)),
                             env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(__file__))})
    try:
        state = json.loads(child.stdout.readline())
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    reference = Table(NAFTA, 3, ["US", "CA", "MX"])
    while len(reference.moves) < state["moves"]:
        r = reference.pending[0]
        reference.play(r.country, r.kind, scripted(r), r.point)
    service = ClassService(db, token="new")
    resumed = service.table(state["code"], 1)
    assert resumed.round == reference.round == 4
    assert facts(resumed) == facts(reference) and len(resumed.pending) == 1  # one answer given, one to come
    while not resumed.over:
        r = resumed.pending[0]
        service.move(state["code"], state["keys"][r.country], r.kind, scripted(r), r.point)
    play_to_end(reference)
    assert facts(resumed) == facts(reference)
    assert service.store.outcome(state["code"], 1)["outcome"] == reference.model.outcome


# ------------------------------------------------------------------------------------------ the export

def test_export_holds_every_package_and_answer(service, tmp_path):
    c = service.create_class(TOKEN, "nafta-2017", ["US", "MX"], tables=2, seed=5)
    keys = {(n, s): service.join(c.code, n, s, f"{s}{n}").key for n in (1, 2) for s in c.students}
    table = service.table(c.code, 1)
    while not table.over:
        r = table.pending[0]
        service.move(c.code, keys[(1, r.country)], r.kind, scripted(r), r.point)
    service.advance(TOKEN, c.code, 2)  # table 2: one round, then left unfinished
    out = tmp_path / "export"
    assert main(["class", "export", c.code.lower(), "--out", str(out), "--db", str(service.store.path)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    record = json.loads((out / "transcript.json").read_text())
    first = record["tables"][0]
    assert first["students"] == {"US": "US1", "MX": "MX1"} and first["outcome"]["outcome"] == table.model.outcome
    assert [(m["point"], m["country"], m["kind"], m["value"]) for m in first["moves"]] == \
        [(m.point, m.country, m.kind, m.value) for m in table.moves]
    rows = first["transcript"]
    assert len(rows) == len(table.transcript)
    for row, entry in zip(rows, table.transcript, strict=True):
        assert row["proposer"] == entry.proposer
        assert {k: row[f"answer_{k}"] for k in entry.answers} == \
            {k: {True: "accept", False: "reject", None: "abstain"}[v] for k, v in entry.answers.items()}
        assert [row[i.name] for i in NAFTA.space] == list(NAFTA.space.natural(entry.package).values())
    assert {m["by"] for m in record["tables"][1]["moves"]} == {"instructor"}
    csv_lines = (out / "transcript.csv").read_text().splitlines()
    assert len(csv_lines) == 1 + len(rows) + len(record["tables"][1]["transcript"])
    debrief = (out / "debrief.csv").read_text().splitlines()
    assert len(debrief) == 1 + 2 and debrief[0].startswith("table,student,country,outcome,round,utility")
    assert (out / "debrief.png").read_bytes()[:4] == b"\x89PNG"


def test_export_refuses_clearly(tmp_path, capsys, service):
    assert main(["class", "export", "ABC", "--out", str(tmp_path / "x"), "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "no class store there" in capsys.readouterr().err and not (tmp_path / "none.sqlite").exists()
    service.create_class(TOKEN, "pie-split", ["A"])
    assert main(["class", "export", "NOPE", "--out", str(tmp_path / "x"), "--db", str(service.store.path)]) == 2
    assert capsys.readouterr().err.startswith("error: class 'NOPE': no such class in")
    assert not (tmp_path / "x").exists()
    assert main(["class", "list", "--db", str(service.store.path)]) == 0
    assert "pie-split" in capsys.readouterr().out


def test_a_store_that_is_not_a_store_is_refused(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a database")
    with pytest.raises(bargaining.errors.UsageError, match="cannot open the class store"):
        Store(bad)
