"""A district reviewer in a real browser (issue 16 items 2-4): the events grid shows Open and Start
Certification; at step 2 the resync button is disabled naming the missing right (a resync changes
data: certifiers only); Close after step 3 is recorded, the row then reads Closed and Review Data.

The reviewer's steps 1-3 are walked through the services first (what the certifier test clicks);
this test clicks what only a reviewer sees. Its own workspace, so the session's stays as it was.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from certlib.services import Workspace
from tests.browser.conftest import (
    MarimoServer,
    cell_errors,
    make_demo_workspace,
    open_notebook,
    screenshot,
    wait_idle,
)

pytestmark = pytest.mark.browser

EVENT = "End of Year Attendance Certification"
REVIEWER = "ns.reviewer"
NOW = dt.datetime(2025, 7, 1, 10)


@pytest.fixture(scope="module")
def reviewer_ws(tmp_path_factory):
    root = make_demo_workspace(tmp_path_factory.mktemp("reviewer") / "workspace")
    with Workspace.open(root) as ws:
        unit = next(v.unit.id for v in ws.units_for(REVIEWER, NOW) if v.event.name == EVENT)
        wiz = ws.wizard(REVIEWER, unit, NOW)
        wiz.run_district()
        job = wiz.queue_state_validation()
        ws.run_pending(NOW)
        wiz.open_report(job.id)
        wiz.take_snapshot()
        ws.run_pending(NOW)
        wiz.review_snapshot()
        assert [s.status for s in wiz.steps()][:3] == ["COMPLETED"] * 3
    return root, unit


@pytest.fixture(scope="module")
def reviewer_server(reviewer_ws):
    server = MarimoServer(reviewer_ws[0], env={"CERTLIB_DEMO_USER": REVIEWER})
    yield server
    server.stop()


def _heading(page, pattern: str):
    page.get_by_role("heading", name=re.compile(pattern)).first.wait_for(timeout=60_000)
    wait_idle(page)


def test_reviewer_is_refused_a_resync_and_closes_the_wizard(reviewer_server, reviewer_ws, page):
    root, unit = reviewer_ws
    open_notebook(page, reviewer_server, "certify", "Certification Event Details")
    _heading(page, "Certification Event Details")
    row = page.get_by_role("row").filter(has_text=EVENT).filter(has_text="In Progress")
    assert "Open" in row.inner_text() and "Start Certification" in row.inner_text()
    row.get_by_role("checkbox").click()

    _heading(page, "1 District Validation")
    page.get_by_role("button", name="Next", exact=True).click()
    _heading(page, "2 State Validation")
    page.get_by_text("Compare district and state data").first.click()
    wait_idle(page)
    resync = page.get_by_role("button", name="Resync district data to the state")
    assert resync.is_disabled()
    note = page.get_by_text(re.compile("Resync is disabled: .*reviewers can only view event data"))
    note.first.wait_for(state="attached")  # the domain's sentence for people (the CLI shows the missing right)
    screenshot(page, "reviewer-step2-resync-refused")
    page.get_by_role("button", name="Next", exact=True).click()

    _heading(page, "3 Snapshot Validation")
    page.get_by_role("button", name="Close", exact=True).click()
    page.get_by_text("Close: done").first.wait_for(timeout=60_000)
    wait_idle(page)
    page.get_by_text("Select an event above to open its certification wizard").first.wait_for(timeout=60_000)
    row = page.get_by_role("row").filter(has_text=EVENT).filter(has_text="In Progress")
    assert "Closed" in row.inner_text() and "Review Data" in row.inner_text()
    assert cell_errors(page) == []
    screenshot(page, "reviewer-closed")

    with Workspace.open(root) as ws:
        view = ws.store.unit_view(REVIEWER, unit, NOW)
        assert (str(view.user_status), view.buttons) == ("Closed", ("View", "Review Data"))
        assert [r.action for r in ws.store.audit_rows(unit_id=unit)][-1] == "wizard closed"


@pytest.fixture(scope="module")
def certifier_server(reviewer_ws):
    server = MarimoServer(reviewer_ws[0], env={"CERTLIB_DEMO_USER": "ns.cert1"})
    yield server
    server.stop()


def test_certifier_sees_the_records_that_differ_and_resyncs(certifier_server, reviewer_ws, page):
    """Issue 16.1: step 2 lists the records (missing / extra / different with both values), filters by
    table, offers CSV/XLSX, shows the findings that touch a record; the certifier's Resync empties it."""
    root, unit = reviewer_ws
    with Workspace.open(root) as ws:
        wiz = ws.wizard("ns.cert1", unit, NOW)
        wiz.run_district()
        job = wiz.queue_state_validation()
        ws.run_pending(NOW)
        wiz.open_report(job.id)
        expected = {d.table for d in wiz.differences()}
    assert expected, "the demo's state copy of North Star lags its district copy"

    open_notebook(page, certifier_server, "certify", "Certification Event Details")
    _heading(page, "Certification Event Details")
    page.get_by_role("row").filter(has_text=EVENT).filter(has_text="In Progress").get_by_role("checkbox").click()
    _heading(page, "1 District Validation")
    page.get_by_role("button", name="Next", exact=True).click()
    _heading(page, "2 State Validation")
    page.get_by_text("Compare district and state data").first.click()
    _heading(page, "Which records differ")
    grid = page.get_by_role("row").filter(has_text="different")
    assert grid.count() >= 1
    assert page.get_by_text("Download CSV").first.is_visible() and page.get_by_text("Download XLSX").first.is_visible()
    grid.first.get_by_role("checkbox").click()
    page.get_by_text(re.compile(r"finding\(s\) of your latest state report")).first.wait_for(
        state="attached", timeout=60_000
    )
    screenshot(page, "certify-step2-differences")

    resync = page.get_by_role("button", name="Resync district data to the state")
    assert resync.is_enabled()
    resync.click()
    page.get_by_text("resync: done").first.wait_for(timeout=90_000)
    wait_idle(page)
    page.get_by_text("The state's copy holds the same records as yours.").first.wait_for(
        state="attached", timeout=60_000
    )
    assert cell_errors(page) == []

    with Workspace.open(root) as ws:
        assert ws.differences(unit) == []
        # the data changed under the reviewer's Close: they are Open again
        assert str(ws.store.unit_view(REVIEWER, unit, NOW).user_status) == "Open"


@pytest.fixture(scope="module")
def state_server(reviewer_ws):
    server = MarimoServer(reviewer_ws[0], env={"CERTLIB_DEMO_USER": "state.approver"})
    yield server
    server.stop()


def test_state_accepts_a_late_request_with_the_units_own_due_date(state_server, reviewer_ws, page):
    """Issue 16.6: Fall ANB ended 2024-11-15; accepting Hawthorne's request gives that unit its own due
    date (typed in the console), the event's end date stays for everyone else."""
    root, _ = reviewer_ws
    anb = "Fall ANB Certification 2024-25"
    open_notebook(page, state_server, "state_console", "Certification events")
    _heading(page, "Certification events")
    page.get_by_role("row").filter(has_text=anb).first.get_by_role("checkbox").click()
    _heading(page, "^Units$")
    page.get_by_role("row").filter(has_text="7988").filter(has_text="Recertification Request Sent").first.get_by_role(
        "checkbox"
    ).click()
    _heading(page, r"^Unit \d+")
    box = page.get_by_label(re.compile("New due date for this unit"))
    box.fill("2025-07-20")
    box.press("Tab")
    wait_idle(page)
    page.get_by_role("button", name="Accept request", exact=True).click()
    page.get_by_text(re.compile(r"accept_request unit \d+: done")).first.wait_for(timeout=60_000)
    assert cell_errors(page) == []
    screenshot(page, "state-console-late-recert")
    with Workspace.open(root) as ws:
        hw = next(v for v in ws.units_for("hw.cert1", NOW) if v.event.name == anb)
        assert (str(hw.unit.status), hw.unit.due_date, hw.as_dict()["due_date"]) == (
            "Recertification In Progress",
            dt.date(2025, 7, 20),
            "2025-07-20",
        )
        assert hw.buttons == ("View", "Start Certification")
        ns = next(v for v in ws.units_for("ns.cert1", NOW) if v.event.name == anb)
        assert ns.as_dict()["due_date"] == "2024-11-15"


@pytest.fixture(scope="module")
def cert2_server(reviewer_ws):
    server = MarimoServer(reviewer_ws[0], env={"CERTLIB_DEMO_USER": "ns.cert2"})
    yield server
    server.stop()


def test_certifier_follows_the_alert_and_reviews_the_state_snapshot(cert2_server, reviewer_ws, page):
    """Issues 16.5 and 16.7: the state takes North Star's snapshot; ns.cert2 gets a Batch Report
    Complete alert, opens its event from the Message Center, and at step 3 clicks Review State Snapshot."""
    root, unit = reviewer_ws
    with Workspace.open(root) as ws:
        job = ws.queue_snapshot("state.approver", unit, NOW)
        ws.run_pending(NOW)
        wiz = ws.wizard("ns.cert2", unit, NOW)
        wiz.run_district()
        report = wiz.queue_state_validation()
        ws.run_pending(NOW)
        wiz.open_report(report.id)
        state_sha = ws.store.snapshot_records(unit)[-1].sha256
    open_notebook(page, cert2_server, "certify", "Certification Event Details")
    page.get_by_text(re.compile("Message Center — ")).first.click()
    wait_idle(page)
    page.get_by_role("row").filter(has_text=f"{job.title} Review Snapshot").get_by_role("checkbox").click()
    wait_idle(page)
    page.get_by_role("button", name="Open its event").click()
    _heading(page, "1 District Validation")
    page.get_by_role("button", name="Next", exact=True).click()
    _heading(page, "2 State Validation")
    page.get_by_role("button", name="Next", exact=True).click()
    _heading(page, "3 Snapshot Validation")
    page.get_by_role("button", name="Review State Snapshot").click()
    page.get_by_text(re.compile(r"open report \d+: done")).first.wait_for(timeout=60_000)
    wait_idle(page)
    assert cell_errors(page) == []
    screenshot(page, "certify-review-state-snapshot")
    with Workspace.open(root) as ws:
        p = ws.store.progress("ns.cert2", unit)[3]
        assert (str(p.status), p.snapshot_sha256) == ("COMPLETED", state_sha)
