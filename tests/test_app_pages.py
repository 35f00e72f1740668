"""The class pages rendered without a browser (solara.render): what a student and the instructor see, the hidden
utilities and hints, and live updates when another student moves."""

import time

import ipyvuetify as v
import pytest
import solara

from bargaining.app import common
from bargaining.app.instructor import Instructor
from bargaining.app.join import SeatPage

TOKEN = "page-token"


RENDERED = []


@pytest.fixture
def svc(tmp_path, monkeypatch):
    service = common.ClassService(tmp_path / "pages.sqlite", TOKEN)
    monkeypatch.setattr(common, "_service", service)
    yield service
    while RENDERED:  # unmount the pages (their threads stop) while the test's service is still the app's
        RENDERED.pop().close()


def render(element):
    _, rc = solara.render(element, handle_error=False)
    RENDERED.append(rc)
    return rc


def text(rc) -> str:
    return " ".join(str(w.unsafe_innerHTML) for w in rc.find(solara.widgets.HTML).widgets)


def until(condition, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "the page did not change"
        time.sleep(0.05)


@pytest.mark.parametrize("hide", [False, True])
def test_a_student_sees_the_request_and_what_the_instructor_hides(svc, hide):
    c = svc.create_class(TOKEN, "pie-split", ["A", "B"], hide_utilities=hide, hide_hint=hide)
    a, b = svc.join(c.code, 1, "A", "Ana"), svc.join(c.code, 1, "B", "Bob")
    page_b = render(SeatPage(c.code, b.key))
    assert "Waiting for A." in " ".join(str(w.children) for w in page_b.find(v.Alert).widgets)
    page_a = render(SeatPage(c.code, a.key))
    assert "Your turn: build a package and table it" in text(page_a)
    assert ("Worth: A" in text(page_a)) is not hide and ("Worth to you" in text(page_a)) is hide
    assert bool(page_a.find(v.Btn, children=["Use the simulated negotiator's package"])) is not hide
    page_a.find(v.Btn, children=["Table this package"]).widget.click()
    until(lambda: "tables a package worth" in text(page_b))  # B's page follows without a reload
    assert ("Worth to each country" in text(page_b)) is not hide
    assert ("The simulated negotiator in your seat would" in text(page_b)) is not hide
    # A tabled a pie all its own (its hint in round 1, and its ideal, where the editor starts when the hint is
    # hidden); B's history shows its worth to every country, or to B alone.
    assert "What has been tabled" in text(page_b) and ("A 1.00, B 0.00" in text(page_b)) is not hide


def test_the_instructor_page_needs_the_token_and_shows_every_table(svc):
    refused = render(Instructor("wrong"))
    assert "wrong instructor token" in " ".join(str(w.children) for w in refused.find(v.Alert).widgets)
    c = svc.create_class(TOKEN, "pie-split", ["B"], tables=2)
    page = render(Instructor(TOKEN))
    assert f"Join code: <b>{c.code}</b>" in text(page) and "B: (empty)" in text(page)
    svc.join(c.code, 2, "B", "Bea")
    until(lambda: "B: Bea" in text(page))
    page.find(v.Btn, children=["End round 1 at table 1"]).widget.click()
    assert svc.table(c.code, 1).round == 2 and svc.store.who_moved(c.code, 1) == ["instructor"] * 2
