"""Real-browser fixtures: a real `marimo run` server and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
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

    def __init__(self, workspace: Path, env: dict[str, str] | None = None, target: str = "notebooks"):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        marimo = Path(sys.executable).with_name("marimo")
        full_env = {**os.environ, "CERTLIB_WORKSPACE": str(workspace), **(env or {})}
        self.log = workspace.parent / f"marimo-{self.port}.log"
        self._log_fh = open(self.log, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(marimo), "run", str(REPO / target), "--host", "127.0.0.1", "--port", str(self.port),
             "--headless", "--no-token", "--no-skew-protection"],
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


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    p = ctx.new_page()
    yield p
    ctx.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot into the gitignored tests/screenshots/ folder."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def served(tmp_path_factory) -> Iterator[MarimoServer]:
    ws = tmp_path_factory.mktemp("browser") / "workspace"
    ws.mkdir()
    server = MarimoServer(ws)
    yield server
    server.stop()
    shutil.rmtree(ws, ignore_errors=True)
