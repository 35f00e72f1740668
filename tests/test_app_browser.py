"""The app in a real browser: `bargaining app` on loopback, Debian's chromium driven by Playwright.

Skips (with the reason, in pytest's summary of skips) when /usr/bin/chromium or playwright is missing, unless
BARGAINING_REQUIRE_BROWSER=1 (set by .ci/run), in which case a missing browser fails the test. Playwright never
downloads a browser here: it launches the system chromium through ``executable_path``.

Robust on a busy machine: every step waits for the page to show the state it expects (a text, a plot image
replaced by a new one), never for a fixed time, each wait bounded by ``TIMEOUT`` seconds (generous: 120 by
default, ``BARGAINING_BROWSER_TIMEOUT`` to change it).
"""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("BARGAINING_CHROMIUM", "/usr/bin/chromium")
TIMEOUT = float(os.environ.get("BARGAINING_BROWSER_TIMEOUT", 120))  # seconds, for every wait
SCREENSHOTS = Path(__file__).resolve().parents[1] / "output"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-extensions", "--no-first-run",
        "--disable-default-apps", "--metrics-recording-only", "--mute-audio"]


def _need_browser():
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"{CHROMIUM} not found (install Debian's chromium: apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright Python package is not installed (pip install -e '.[dev]')"
    if missing:
        if os.environ.get("BARGAINING_REQUIRE_BROWSER") == "1":
            pytest.fail(f"BARGAINING_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url():
    _need_browser()
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bargaining.cli", "app", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in first  # the command prints its URL
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the app did not start: {proc.stdout.read()}")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, url):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.set_default_timeout(TIMEOUT * 1000)
    page.set_default_navigation_timeout(TIMEOUT * 1000)
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(url)
    return page, problems


PLOTS = "img[src^='blob:']"  # the plot images (matplotlib PNGs, shown from blob URLs)


def _plots(page):
    """The plot images on the page, once there are two."""
    page.wait_for_function(f"document.querySelectorAll({PLOTS!r}).length >= 2")
    return page.locator(PLOTS)


def _round(page, n: int) -> None:
    """Wait until the status line says round n (the bold "Round n")."""
    page.locator("b", has_text=re.compile(rf"^Round {n}$")).first.wait_for()


def _changed(page, n: int, before: str) -> str:
    """Wait until plot ``n`` is a new image (another blob URL than ``before``); return its URL."""
    page.wait_for_function(f"([n, before]) => {{ const img = document.querySelectorAll({PLOTS!r})[n]; "
                           "return img && img.src !== before; }", arg=[n, before])
    return page.locator(PLOTS).nth(n).get_attribute("src")


def _next_move(page, before: str) -> str:
    """Wait until the classroom page shows the next move (a new heading: who tables what, your turn, or the
    talks are over) and the buttons that go with it; return the heading. The round's heading is another
    widget, which may change earlier or later, so it is not read."""
    return page.wait_for_function("""before => {
        const h = [...document.querySelectorAll('h4, h3')].map(e => e.textContent)
            .filter(t => !t.startsWith('Round ')).join('|');
        const b = [...document.querySelectorAll('button')].map(e => e.textContent.trim());
        const answer = h.includes(' tables a package ') && b.includes('Reject') && !b.includes('Table this package');
        const propose = h.includes('Your turn') && b.includes('Table this package') && !b.includes('Reject');
        return h !== before && (h.includes('Talks over') || answer || propose) && h;
    }""", arg=before).json_value()


def test_explorer_step_slider_and_reset_change_the_plots(app_url, browser):
    page, problems = _open(browser, app_url)
    plots = _plots(page)
    _round(page, 0)
    before = plots.nth(0).get_attribute("src")

    page.get_by_role("button", name="Step").click()
    _round(page, 1)
    after_step = _changed(page, 0, before)
    page.get_by_role("button", name="Step").click()
    _round(page, 2)
    after_step = _changed(page, 0, after_step)

    # Move the deadline slider with the keyboard, then Reset: the new model has the new deadline.
    page.get_by_text("deadline round 8").first.wait_for()
    deadline = page.locator("text=Deadline round").locator("xpath=ancestor::div[contains(@class,'v-input')]")
    deadline.locator(".v-slider__thumb-container, [role=slider]").first.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("deadline round 12").first.wait_for()
    _round(page, 0)
    page.get_by_role("button", name="Step").click()
    _round(page, 1)
    after_reset = _changed(page, 0, after_step)

    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "app-explore.png"), full_page=True)

    # The scenario picker rebuilds the page for another scenario, sliders included.
    page.locator(".v-select").first.click()
    page.get_by_role("option", name="pie-split").click()
    page.get_by_text("deadline round 10").first.wait_for()
    assert page.get_by_text("A termination value").count() == 1
    page.get_by_role("button", name="Step").click()
    _round(page, 1)
    _changed(page, 0, after_reset)

    # Play runs the rounds to the outcome, then the model stops (Step is disabled).
    page.get_by_role("button", name="▶").click()
    page.get_by_text("Outcome: deal").first.wait_for()
    _round(page, 6)  # pie-split, seed 0: A's Linear concession meets B's in round 6
    assert page.get_by_role("button", name="Step").is_disabled()
    assert problems == []
    page.close()


def test_classroom_page_plays_to_the_end_and_scores(app_url, browser):
    page, problems = _open(browser, app_url)
    page.get_by_role("tab", name="Classroom").click()
    page.locator(".v-select").nth(0).click()
    page.get_by_role("option", name="pie-split").click()
    page.get_by_text("Take B's seat in pie-split").wait_for()  # the seat follows the scenario
    page.get_by_role("button", name="Start the talks").click()
    page.get_by_text("Round 1 (2025-01), you are B").wait_for()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "app-classroom.png"), full_page=True)
    # The student rejects every offer and tables the package the controls show (the simulated
    # negotiator's, by default), move by move, until the talks end.
    state = ""
    for _ in range(40):
        state = _next_move(page, state)
        if "Talks over" in state:
            break
        page.get_by_role("button", name="Reject" if " tables a package " in state else "Table this package").click()
    assert "Talks over" in state
    text = page.locator("pre").inner_text()
    # Tabling the hint and rejecting A's offers: A accepts B's package in round 6, as without the student.
    assert "B: deal in round 6" in text and "simulated negotiator in your seat (deal in round 6)" in text
    page.screenshot(path=str(SCREENSHOTS / "app-classroom-score.png"), full_page=True)
    assert problems == []
    page.close()
