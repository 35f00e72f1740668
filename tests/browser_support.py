"""What the browser tests share: Debian's chromium through Playwright (never a downloaded browser), and
``bargaining app`` served on a free loopback port, which a test may kill and start again.

Every wait is for what the page shows (a text, a changed plot), never for a fixed time, and is bounded by
``WAIT`` ms (BARGAINING_BROWSER_TIMEOUT seconds, default 120): a busy machine slows the tests down without failing
them. A test skips (with the reason) when /usr/bin/chromium or playwright is missing, unless
BARGAINING_REQUIRE_BROWSER=1 (set by .ci/run), in which case a missing browser fails it.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

WAIT = int(float(os.environ.get("BARGAINING_BROWSER_TIMEOUT", "120")) * 1000)  # ms, for every wait
CHROMIUM = os.environ.get("BARGAINING_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "output"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-extensions", "--no-first-run",
        "--disable-default-apps", "--metrics-recording-only", "--mute-audio"]


def need_browser():
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App:
    """``bargaining app`` in a subprocess: started on a port with a store and a token, killed, started again."""

    def __init__(self, db: Path, token: str = "test-token", port: int | None = None):
        self.db, self.token, self.port = db, token, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc: subprocess.Popen | None = None
        self.banner: list[str] = []

    def start(self) -> "App":
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bargaining.cli", "app", "--port", str(self.port), "--db", str(self.db)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "BARGAINING_TOKEN": self.token}, start_new_session=True)
        self.banner = [self.proc.stdout.readline() for _ in range(3)]
        assert f"serving on {self.url}" in self.banner[0], self.banner  # the command prints its URL
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the app did not start: {self.proc.stdout.read()}")
                time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup (as a crash or a pulled plug)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def watch(page) -> list[str]:
    """Console errors, page errors and failed requests of a page, as they happen; its waits bounded by WAIT."""
    page.set_default_timeout(WAIT)
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    return problems
