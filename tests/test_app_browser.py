"""The app in a real browser: `bargaining app` on loopback, Debian's chromium driven by Playwright.

Skips (with the reason) when /usr/bin/chromium or playwright is missing, unless BARGAINING_REQUIRE_BROWSER=1
(set by .ci/run), in which case a missing browser fails the test. Playwright never downloads a browser
here: it launches the system chromium through ``executable_path``.
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
        deadline = time.monotonic() + 60
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
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(url)
    return page, problems


def _plots(page):
    """The plot images (matplotlib PNGs) on the page."""
    page.wait_for_function("document.querySelectorAll('img[src^=\"blob:\"]').length >= 2", timeout=60_000)
    return page.locator("img[src^='blob:']")


def _round(page, n: int) -> None:
    """Wait until the status line says round n (the bold "Round n")."""
    page.locator("b", has_text=re.compile(rf"^Round {n}$")).first.wait_for(timeout=30_000)


def _changed(locator, before: bytes, timeout: float = 20.0) -> bytes:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        now = locator.screenshot()
        if now != before:
            return now
        time.sleep(0.3)
    pytest.fail("the plot did not change")


def test_explorer_step_slider_and_reset_change_the_plots(app_url, browser):
    page, problems = _open(browser, app_url)
    plots = _plots(page)
    offers = plots.nth(0)
    _round(page, 0)
    before = offers.screenshot()

    page.get_by_role("button", name="Step").click()
    _round(page, 1)
    after_step = _changed(offers, before)
    page.get_by_role("button", name="Step").click()
    _round(page, 2)
    after_step = _changed(offers, after_step)

    # Move the deadline slider with the keyboard, then Reset: the new model has the new deadline.
    page.get_by_text("deadline round 8").first.wait_for()
    deadline = page.locator("text=Deadline round").locator("xpath=ancestor::div[contains(@class,'v-input')]")
    deadline.locator(".v-slider__thumb-container, [role=slider]").first.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("deadline round 12").first.wait_for(timeout=30_000)
    _round(page, 0)
    page.get_by_role("button", name="Step").click()
    _round(page, 1)
    after_reset = _changed(offers, after_step)

    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "app-explore.png"), full_page=True)

    # The scenario picker rebuilds the page for another scenario, sliders included.
    page.locator(".v-select").first.click()
    page.get_by_role("option", name="pie-split").click()
    page.get_by_text("deadline round 10").first.wait_for(timeout=30_000)
    assert page.get_by_text("A termination value").count() == 1
    page.get_by_role("button", name="Step").click()
    _round(page, 1)
    _changed(plots.nth(0), after_reset)

    # Play runs the rounds to the outcome, then the model stops (Step is disabled).
    page.get_by_role("button", name="▶").click()
    page.get_by_text("Outcome: deal").first.wait_for(timeout=60_000)
    _round(page, 6)  # pie-split, seed 0: A's Linear concession meets B's in round 6
    assert page.get_by_role("button", name="Step").is_disabled()
    assert problems == []
    page.close()


def test_classroom_page_plays_to_the_end_and_scores(app_url, browser):
    page, problems = _open(browser, app_url)
    page.get_by_role("tab", name="Classroom").click()
    page.locator(".v-select").nth(0).click()
    page.get_by_role("option", name="pie-split").click()
    page.get_by_text("Take B's seat in pie-split").wait_for(timeout=30_000)  # the seat follows the scenario
    page.get_by_role("button", name="Start the talks").click()
    page.get_by_text("Round 1 (2025-01), you are B").wait_for(timeout=30_000)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "app-classroom.png"), full_page=True)
    # The student rejects every offer and tables the package the controls show (the simulated
    # negotiator's, by default), move by move, until the talks end.
    for _ in range(40):
        if page.get_by_text("Talks over").count():
            break
        reject = page.get_by_role("button", name="Reject")
        button = reject if reject.count() else page.get_by_role("button", name="Table this package")
        button.click()
        page.wait_for_timeout(250)
    page.get_by_text("Talks over").wait_for(timeout=30_000)
    text = page.locator("pre").inner_text()
    # Tabling the hint and rejecting A's offers: A accepts B's package in round 6, as without the student.
    assert "B: deal in round 6" in text and "simulated negotiator in your seat (deal in round 6)" in text
    page.screenshot(path=str(SCREENSHOTS / "app-classroom-score.png"), full_page=True)
    assert problems == []
    page.close()
