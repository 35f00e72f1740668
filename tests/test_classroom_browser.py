"""A class in real browsers: the instructor creates a class, three students (three browser contexts) join one
nafta-2017 table as US, CA and MX and play it to its outcome; the server is killed in the middle of round 4
and started again, the students come back to their seats with their keys and the table goes on where it
was; the instructor's page shows the outcome and the debrief; the export holds every package and answer.

The test keeps its own copy of the table (``Table``, the same scenario, seed and moves) to know which student
must act and what each page must show: it waits on the page for that request (its round, the package's worth)
before acting, never on a fixed delay. Students play the hints, so the talks end as ``bargaining.run`` with
the same seed: a deal in round 7.
"""

import json
import re

import pytest
from browser_support import SCREENSHOTS, WAIT, App, launch, need_browser, watch

import bargaining
from bargaining.app.common import shown
from bargaining.classroom import Table
from bargaining.cli import main

SEED = 7


@pytest.fixture
def app(tmp_path):
    need_browser()
    app = App(tmp_path / "class.sqlite", token="secret-token").start()
    yield app
    app.stop()


def _body_changes(page, action) -> None:
    """Do ``action`` and wait until the page's text changes (the server has answered)."""
    before = page.locator("body").inner_text()
    action()
    page.wait_for_function("(before) => document.body.innerText !== before", arg=before, timeout=WAIT)


def _join(page, url, code, country, problems):
    problems += watch(page)
    page.goto(f"{url}?code={code}")
    page.get_by_label("Your name").fill(f"Student {country}")
    page.get_by_role("button", name="Find the class").click()
    page.get_by_role("button", name=re.compile(f"^Table 1: {country} ")).click()
    page.get_by_text("Table 1: you are").wait_for(timeout=WAIT)
    return re.search(r"Your seat key is (\S+):", page.locator("body").inner_text()).group(1)


def _back(page, url, code, key):
    page.goto(f"{url}?code={code}")
    page.get_by_text("Back to your seat").click()
    page.get_by_label("Seat key").fill(key)
    page.get_by_role("button", name="Back to my seat").click()
    page.get_by_text("Table 1: you are").wait_for(timeout=WAIT)


def _act(page, request, scenario):
    """Wait until the page shows this request, then play the hint."""
    page.locator("h4", has_text=re.compile(rf"^Round {request.round} \(")).first.wait_for(timeout=WAIT)
    if request.kind == "propose":
        page.get_by_text("Your turn: build a package and table it").wait_for(timeout=WAIT)
        _body_changes(page, page.get_by_role("button", name="Table this package").click)
    else:
        page.get_by_text(f"{request.proposer} tables a package worth {request.utility:.3f} to you").wait_for(
            timeout=WAIT)
        assert f"would {'accept' if request.hint else 'reject'}" in page.locator("body").inner_text()
        _body_changes(page, page.get_by_role("button", name="Accept" if request.hint else "Reject").click)


def test_a_class_plays_a_table_to_its_outcome_through_a_server_crash(app, tmp_path):
    from playwright.sync_api import sync_playwright

    scenario = bargaining.load_scenario("nafta-2017")
    shadow = Table(scenario, SEED, scenario.countries)
    problems: list[str] = []
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        # The instructor: a wrong token is refused; the right one opens the page; a class is created.
        instructor = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        problems += watch(instructor)
        instructor.goto(f"{app.url}?token=wrong")
        instructor.get_by_text("wrong instructor token").wait_for(timeout=WAIT)
        instructor.goto(f"{app.url}?token={app.token}")
        instructor.get_by_label("Seed (the same at every table)").fill(str(SEED))
        instructor.get_by_label("Seed (the same at every table)").press("Enter")
        instructor.get_by_role("button", name="Create the class").click()
        instructor.get_by_text("Join code:").wait_for(timeout=WAIT)
        code = re.search(r"Join code: (\w+)", instructor.locator("body").inner_text()).group(1)
        instructor.get_by_text(f"seed {SEED}, 1 table(s)").wait_for()

        # A wrong code is refused with a clear message; then three students take the three seats.
        stranger = browser.new_context().new_page()
        stranger.goto(f"{app.url}?code=ZZZZZZ")
        stranger.get_by_role("button", name="Find the class").click()
        stranger.get_by_text("no class has the code 'ZZZZZZ'").wait_for(timeout=WAIT)
        pages, keys = {}, {}
        for country in scenario.countries:
            pages[country] = browser.new_context(viewport={"width": 1300, "height": 1000}).new_page()
            keys[country] = _join(pages[country], app.url, code, country, problems)
        instructor.get_by_text("US: Student US; CA: Student CA; MX: Student MX").wait_for(timeout=WAIT)

        def play_until(stop):
            while not shadow.over and not stop():
                request = shadow.pending[0]
                _act(pages[request.country], request, scenario)
                hint = shown(scenario, request.hint) if request.kind == "propose" else request.hint
                shadow.play(request.country, request.kind, hint, request.point)

        # Into round 4, between the two answers to a package: then the server is killed (SIGKILL).
        play_until(lambda: shadow.round == 4 and len(shadow.pending) == 1 and shadow.pending[0].kind == "answer")
        pages["US"].screenshot(path=str(SCREENSHOTS / "class-student.png"), full_page=True)
        instructor.screenshot(path=str(SCREENSHOTS / "class-instructor.png"), full_page=True)
        tabled = len(shadow.transcript)
        app.kill()
        app.start()
        for country, page in pages.items():  # every student comes back with the seat key
            _back(page, app.url, code, keys[country])
            page.locator("h4", has_text=re.compile(r"^Round 4 \(")).first.wait_for(timeout=WAIT)
            assert page.locator("table.transcript tr").count() == 1 + tabled  # the same packages, kept
        waiting = shadow.pending[0].country
        assert any(p.get_by_text(f"Waiting for {waiting}.").count() for c, p in pages.items() if c != waiting)

        play_until(lambda: False)
        assert (shadow.model.outcome, shadow.round) == ("deal", 7)  # as bargaining.run with seed 7
        for country, page in pages.items():
            page.get_by_text("Talks over").wait_for(timeout=WAIT)
            assert f"{country}: deal in round 7" in page.locator("pre").inner_text()
        pages["MX"].screenshot(path=str(SCREENSHOTS / "class-student-score.png"), full_page=True)

        # The instructor's page (reloaded after the restart) shows the outcome and the debrief.
        instructor.goto(f"{app.url}?token={app.token}")
        instructor.locator("table.overview").get_by_text("deal").wait_for(timeout=WAIT)
        debrief = instructor.locator("table.debrief")
        debrief.wait_for(timeout=WAIT)
        assert debrief.locator("tr").count() == 1 + 3 and "Student MX" in debrief.inner_text()
        instructor.locator("img").first.wait_for(timeout=WAIT)  # the class figure
        instructor.screenshot(path=str(SCREENSHOTS / "class-debrief.png"), full_page=True)
        browser.close()
    assert problems == []

    # The export holds every package and every answer, as the table played them.
    out = tmp_path / "export"
    assert main(["class", "export", code, "--out", str(out), "--db", str(app.db)]) == 0
    record = json.loads((out / "transcript.json").read_text())["tables"][0]
    assert [(m["point"], m["country"], m["kind"], m["value"]) for m in record["moves"]] == \
        [(m.point, m.country, m.kind, m.value) for m in shadow.moves]
    assert [(r["round"], r["proposer"]) for r in record["transcript"]] == \
        [(e.round, e.proposer) for e in shadow.transcript]
    answers = {True: "accept", False: "reject"}
    for row, entry in zip(record["transcript"], shadow.transcript, strict=True):
        assert {c: row[f"answer_{c}"] for c in entry.answers} == {c: answers[a] for c, a in entry.answers.items()}
    assert record["outcome"]["outcome"] == "deal" and record["outcome"]["round"] == 7
