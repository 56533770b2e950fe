"""Real-browser fixtures: a real `marimo run` server and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CERTLIB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = REPO / "tests" / "screenshots"
DEMO_NOW = "2025-07-01T10:00:00"  # the demo scenario's today (as `make run`)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"marimo exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"marimo did not answer on {url} within {timeout}s")


class MarimoServer:
    """One `marimo run` process serving the notebooks folder on a free loopback port."""

    def __init__(
        self,
        workspace: Path,
        env: dict[str, str] | None = None,
        target: str = "notebooks",
        extra_args: tuple[str, ...] = ("--show-tracebacks",),
    ):
        self.extra_args = extra_args
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        marimo = Path(sys.executable).with_name("marimo")
        full_env = {**os.environ, "CERTLIB_WORKSPACE": str(workspace), "CERTLIB_NOW": DEMO_NOW, **(env or {})}
        self.log = workspace.parent / f"marimo-{self.port}.log"
        self._log_fh = open(self.log, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                str(marimo),
                "run",
                str(REPO / target),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--headless",
                "--no-token",
                "--no-skew-protection",
                *self.extra_args,
            ],
            cwd=REPO,
            env=full_env,
            stdout=self._log_fh,
            stderr=subprocess.STDOUT,
            text=True,
        )
        _wait_for(self.url + "/", self.proc)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log_fh.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture
def page(browser, request):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    p = ctx.new_page()
    yield p
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:  # keep what the browser showed when a test failed
        try:
            screenshot(p, f"FAILED-{request.node.name}")
        except Exception:  # noqa: BLE001 - a failed screenshot must not hide the failure
            pass
    ctx.close()


_TALLEST_SCROLLER = """() => {
  let h = document.documentElement.scrollHeight;
  for (const el of document.querySelectorAll('*')) {
    const s = getComputedStyle(el);
    if ((s.overflowY === 'auto' || s.overflowY === 'scroll') && el.scrollHeight > el.clientHeight) {
      h = Math.max(h, el.scrollHeight + el.getBoundingClientRect().top);
    }
  }
  return Math.ceil(h);
}"""


def screenshot(page, name: str, max_height: int = 9000) -> Path:
    """Save a screenshot of the whole notebook into the gitignored tests/screenshots/ folder.

    marimo scrolls inside its own container, so ``full_page`` alone shows one screen; the viewport
    is grown to the tallest scroller's height for the shot and restored afterwards.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size or {"width": 1400, "height": 1000}
    height = min(max(int(page.evaluate(_TALLEST_SCROLLER)), size["height"]), max_height)
    page.set_viewport_size({"width": size["width"], "height": height})
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def make_demo_workspace(path: Path) -> Path:
    """Create the demo workspace (``certlib demo init``) at ``path``."""
    certlib = Path(sys.executable).with_name("certlib")
    subprocess.run(
        [str(certlib), "demo", "init", "--workspace", str(path), "--now", DEMO_NOW],
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return path


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> Path:
    """One demo workspace for the whole browser session (tests that mutate it run last)."""
    return make_demo_workspace(tmp_path_factory.mktemp("browser") / "workspace")


@pytest.fixture(scope="session")
def served(demo_workspace) -> Iterator[MarimoServer]:
    """One `marimo run notebooks` server on the demo workspace for the whole session."""
    server = MarimoServer(demo_workspace)
    yield server
    server.stop()


ERRORED_CELLS = ".marimo-cell.has-error"


def cell_errors(page) -> list[str]:
    """Texts of cells that raised (the server runs with --show-tracebacks so errors are in the DOM;
    ``mo.stop`` gates are not errors)."""
    return [el.inner_text()[:2000] for el in page.locator(ERRORED_CELLS).all()]


def open_notebook(page, server: MarimoServer, name: str, ready_text: str | None = None, timeout: float = 60_000):
    """Open ``<url>/?file=<name>.py``, wait until ``ready_text`` shows and no cell is still running."""
    page.goto(f"{server.url}/?file={name}.py")
    if ready_text:
        page.get_by_text(ready_text).first.wait_for(timeout=timeout)
    wait_idle(page, timeout)


def wait_idle(page, timeout: float = 60_000) -> None:
    """Give marimo a moment to finish re-running cells (tests then wait for the text they expect)."""
    try:
        page.wait_for_load_state("networkidle", timeout=min(timeout, 5_000))
    except Exception:  # noqa: BLE001 - marimo keeps a websocket open; idleness is best effort
        pass
    page.wait_for_timeout(600)
