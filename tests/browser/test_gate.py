"""Security suite (issue 12 item 1): every app behind the identity gate, in a deployed server.

A `marimo run notebooks` server with ``CERTLIB_AUTH_HEADER=X-Forwarded-User`` (the trusted header of
an auth proxy) is asked for every app with no identity, an unknown one, and a district user from
district 1071 (out of scope for everything of districts 7988 and 9604). Two clients:

* real Chromium (the header set on every request, as a proxy would), reading every text in the page,
  shadow roots included;
* plain HTTP: the page itself, then a websocket client speaking marimo's session protocol: every
  message the kernel sends and every virtual file it links are read, so data hidden from view
  (dropdown options, table pages) counts too.

A leak is any other district's number, district or school name, member, or student id in what the
client received. Read-only deployments are asked the same over the websocket.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import io
import json
import re
import shutil
import urllib.request
import uuid
from pathlib import Path

import polars as pl
import pytest

from tests.browser.conftest import MarimoServer, cell_errors, screenshot, wait_idle

pytestmark = pytest.mark.browser

HEADER = "X-Forwarded-User"
APPS = ["home", "dashboard", "certify", "rule_lab", "state_console"]
MINE = "1071"
ME = "ns.cert1"  # Nora North Star, a primary certifier of district 1071
STOPS = {None: "Not signed in", "mallory": "Unknown user"}


def _markers(ws: Path, districts: set[str]) -> set[str]:
    """Words that only the data of ``districts`` contains: numbers, district/school/member names,
    student state ids of the state copy."""
    import tomllib

    from certlib.config import package_data

    people = tomllib.loads((package_data("sample_data") / "scenario" / "people.toml").read_text())
    out = set(districts)
    out |= {d["name"] for d in people["districts"] if d["number"] in districts}
    out |= {s["name"] for s in people["schools"] if s["district"] in districts}
    out |= {s["code"] for s in people["schools"] if s["district"] in districts}
    out |= {u["name"] for u in people["users"] if u.get("district") in districts}
    out |= {u["id"] for u in people["users"] if u.get("district") in districts}
    students = pl.read_parquet(ws / "data" / "state" / "students.parquet")
    out |= set(students.filter(pl.col("district_number").is_in(sorted(districts)))["student_state_id"].to_list())
    return {m for m in out if m}


@pytest.fixture(scope="module")
def markers(demo_workspace) -> dict[str, set[str]]:
    others = _markers(demo_workspace, {"7988", "9604"})
    return {"others": others, "all": others | _markers(demo_workspace, {MINE})}


def _leaks(text: str, words: set[str]) -> list[str]:
    tokens = set(re.findall(r"[\w.-]+", text))
    return sorted(w for w in words if (w in tokens if re.fullmatch(r"[\w.-]+", w) else w in text))


@pytest.fixture(scope="module")
def deployed(demo_workspace, tmp_path_factory):
    ws = tmp_path_factory.mktemp("deployed") / "workspace"
    shutil.copytree(demo_workspace, ws)
    server = MarimoServer(ws, env={"CERTLIB_AUTH_HEADER": HEADER})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def deployed_read_only(demo_workspace, tmp_path_factory):
    ws = tmp_path_factory.mktemp("deployed-ro") / "workspace"
    shutil.copytree(demo_workspace, ws)
    server = MarimoServer(ws, env={"CERTLIB_AUTH_HEADER": HEADER, "CERTLIB_READ_ONLY": "1"})
    yield server
    server.stop()


# ---- the websocket client ------------------------------------------------------------------------


async def _session(url: str, app: str, user: str | None, click: str | None = None) -> str:
    """Everything the kernel sends one session of ``app`` until its first run completes (and, when
    ``click`` names a button, until the run that button starts completes), virtual files included."""
    import websockets

    headers = {HEADER: user} if user is not None else {}
    ws_url = url.replace("http://", "ws://") + f"/ws?session_id=s_{uuid.uuid4().hex[:12]}&file={app}.py"
    received: list[str] = []
    async with websockets.connect(ws_url, additional_headers=headers, max_size=2**26) as ws:
        while True:
            msg = await asyncio.wait_for(ws.recv(), 120)
            received.append(msg)
            if json.loads(msg).get("op") == "completed-run":
                break
    page = urllib.request.Request(f"{url}/?file={app}.py", headers=headers)  # the page itself, plain HTTP
    with urllib.request.urlopen(page, timeout=30) as resp:
        received.append(resp.read().decode("utf-8", "replace"))
    text = html.unescape("\n".join(received))
    for f in sorted(set(re.findall(r"\./@file/[\w.-]+", text))):
        with urllib.request.urlopen(url + "/" + f[2:], timeout=30) as resp:
            data = resp.read()
        # table pages are Arrow IPC: read them as a table (string buffers have no separators)
        text += "\n" + (
            pl.read_ipc(io.BytesIO(data)).write_csv() if f.endswith(".arrow") else data.decode("utf-8", "replace")
        )
    return text


def _ws_text(server: MarimoServer, app: str, user: str | None) -> str:
    # a thread of its own: playwright's sync API may already run an event loop in this worker process
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _session(server.url, app, user)).result()


# ---- the checks ---------------------------------------------------------------------------------

TRIED: list[tuple[str, str, str | None, bool]] = []  # (client, app, identity, leaked) for the summary


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("user", [None, "mallory"])
def test_websocket_nobody_and_unknown_get_nothing(deployed, markers, app, user):
    text = _ws_text(deployed, app, user)
    leaked = _leaks(text, markers["all"])
    TRIED.append(("websocket", app, user, bool(leaked)))
    assert STOPS[user] in text
    assert leaked == []


@pytest.mark.parametrize("app", APPS)
def test_websocket_district_user_sees_only_their_district(deployed, markers, app):
    text = _ws_text(deployed, app, ME)
    leaked = _leaks(text, markers["others"])
    TRIED.append(("websocket", app, ME, bool(leaked)))
    assert leaked == []
    if app == "state_console":
        assert "Not available to you" in text and "Hawthorne" not in text
    elif app in ("dashboard", "certify"):
        assert "North Star" in text  # their own district is there: the check reads real content


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("user", [None, "mallory", ME])
def test_read_only_deployment_is_gated_the_same(deployed_read_only, markers, app, user):
    text = _ws_text(deployed_read_only, app, user)
    leaked = _leaks(text, markers["all" if user != ME else "others"])
    TRIED.append(("websocket read-only", app, user, bool(leaked)))
    assert leaked == []
    if user in STOPS:
        assert STOPS[user] in text


# ---- real Chromium ------------------------------------------------------------------------------

_ALL_TEXT = """() => {
  const parts = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) walk(el.shadowRoot);
      if (el.tagName === 'OPTION' || el.tagName === 'INPUT') parts.push(el.value || '', el.label || '');
    }
    parts.push(root.textContent || '');
  };
  walk(document);
  return parts.join('\\n');
}"""


def _browser_page(browser, user: str | None):
    ctx = browser.new_context(
        viewport={"width": 1400, "height": 1000}, extra_http_headers={HEADER: user} if user is not None else {}
    )
    return ctx, ctx.new_page()


def _open(page, server: MarimoServer, app: str, ready: str) -> str:
    page.goto(f"{server.url}/?file={app}.py")
    page.get_by_text(ready).first.wait_for(timeout=90_000)
    wait_idle(page)
    return page.evaluate(_ALL_TEXT)


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("user", [None, "mallory"])
def test_browser_nobody_and_unknown_see_only_the_stop_page(deployed, browser, markers, app, user):
    ctx, page = _browser_page(browser, user)
    try:
        text = _open(page, deployed, app, STOPS[user])
        leaked = _leaks(text, markers["all"])
        TRIED.append(("chromium", app, user, bool(leaked)))
        assert leaked == []
        assert cell_errors(page) == []
        if app == "state_console":
            assert page.get_by_text(re.compile(r"^Categories \(\d+\) and members")).count() == 0
        screenshot(page, f"gate-{app}-{user or 'nobody'}")
    finally:
        ctx.close()


@pytest.mark.parametrize(
    ("app", "ready"),
    [
        ("home", "Signed in as"),
        ("dashboard", "Certification Event Details"),
        ("certify", "Certification Event Details"),
        ("rule_lab", "Compiles cleanly"),
        ("state_console", "Not available to you"),
    ],
)
def test_browser_district_user_sees_only_their_district(deployed, browser, markers, app, ready):
    ctx, page = _browser_page(browser, ME)
    try:
        text = _open(page, deployed, app, ready)
        if app == "rule_lab":  # a rule listing every student, run on the state's copy (the first source)
            editor = page.locator(".cm-content").first
            editor.click()
            page.keyboard.press("Control+a")
            page.keyboard.insert_text(
                "-- id: LAB-ALL\n-- title: every student\n-- severity: info\n-- group: Enrollment\n"
                "-- description: d\n-- resolution: r\n"
                "SELECT s.district_number, s.local_student_id, s.student_state_id, s.last_name FROM students AS s\n"
            )
            page.locator("h1").first.click()
            page.get_by_text("Compiles cleanly").wait_for(timeout=60_000)
            page.get_by_text(re.compile(r"tables read: students")).first.wait_for(timeout=60_000)
            wait_idle(page)
            page.get_by_role("button", name="Run rule").click()
            page.get_by_text("Rows found").wait_for(timeout=90_000)
            wait_idle(page)
            text = page.evaluate(_ALL_TEXT)
            assert "District 7988" not in text and "District 1071" in text  # the sources offered
            shown = re.search(r"([\d,]+) shown", text)
            assert shown and int(shown.group(1).replace(",", "")) > 0, "the run found no student at all"
        leaked = _leaks(text, markers["others"])
        TRIED.append(("chromium", app, ME, bool(leaked)))
        assert leaked == []
        assert cell_errors(page) == []
        screenshot(page, f"gate-{app}-district-user")
    finally:
        ctx.close()


def test_zz_summary(capsys):
    """Print the figures for the issue: requests tried per client and how many leaked (must be 0)."""
    if not TRIED:
        pytest.skip("run with the other tests of this module")
    by_client: dict[str, list[int]] = {}
    for client, _app, _user, leaked in TRIED:
        n = by_client.setdefault(client, [0, 0])
        n[0] += 1
        n[1] += int(leaked)
    with capsys.disabled():
        for client, (tried, leaked) in sorted(by_client.items()):
            print(f"\n[gate] {client}: {tried} requests with no/unknown/out-of-scope identity, {leaked} leaked")
    assert sum(n[1] for n in by_client.values()) == 0


def test_browser_rule_lab_query_runs_in_a_worker_and_stops(deployed, browser):
    """Issue 12 item 5: a runaway rule-lab query keeps the page live and the Stop button ends it."""
    ctx, page = _browser_page(browser, "state.approver")
    try:
        _open(page, deployed, "rule_lab", "Compiles cleanly")
        editor = page.locator(".cm-content").first
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(
            "-- id: LAB-RUNAWAY\n-- title: a join without its key\n-- severity: info\n-- group: Enrollment\n"
            "-- description: d\n-- resolution: r\n"
            "SELECT a.enrollment_id, a.attendance_date FROM attendance_daily AS a\n"
            "JOIN attendance_daily AS b ON a.district_number = b.district_number\n"
            "JOIN attendance_daily AS c ON c.district_number = a.district_number\n"
        )
        page.locator("h1").first.click()
        page.get_by_text(re.compile(r"tables read: attendance_daily")).first.wait_for(timeout=60_000)
        wait_idle(page)
        page.get_by_role("button", name="Run rule").click()
        page.get_by_text("Running in a worker process").first.wait_for(timeout=60_000)
        page.get_by_role("button", name="Stop").click()
        page.get_by_text("stopped on request").first.wait_for(timeout=60_000)
        assert cell_errors(page) == []
        screenshot(page, "rule_lab-stopped")
    finally:
        ctx.close()
