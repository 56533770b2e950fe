"""The state's snapshot for a unit (issue 16.7) and Batch Report Complete alerts (issue 16.5): a state
member of the category takes a unit's snapshot outside any wizard; the unit's members are told and
review it at step 3 (Review State Snapshot); whoever queued a report or snapshot is told when it is done."""

from __future__ import annotations

import pytest

from certlib.errors import Refused
from certlib.services import Workspace

from .conftest import NOW, eoy_unit


def batch_alerts(ws: Workspace, user: str) -> list[str]:
    return [a.text for a in ws.messages(user) if a.process == "Batch Report Complete"]


def test_the_state_takes_a_units_snapshot_and_its_members_review_it(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    job = ws.queue_snapshot("state.approver", unit, NOW)
    assert job.title.startswith("End of Year Attendance Certification DC ")
    (done,) = ws.run_pending(NOW)
    assert done.status == "COMPLETED" and ws.store.snapshot_records(unit)[-1].taken_by == "state.approver"
    for member in ("ns.cert1", "ns.cert2", "ns.reviewer", "state.approver"):
        assert batch_alerts(ws, member) == [f"{job.title} Review Snapshot"], member
    assert batch_alerts(ws, "hw.cert1") == []  # another district is not told

    wiz = ws.wizard("ns.reviewer", unit, NOW)
    assert wiz.latest_snapshot_job()[0] is None and "step 2" in wiz.latest_snapshot_job()[1]
    wiz.run_district()
    report = wiz.queue_state_validation()
    ws.run_pending(NOW)
    assert f"{report.title} Review Report" in batch_alerts(ws, "ns.reviewer")
    wiz.open_report(report.id)
    found, note = wiz.latest_snapshot_job()
    assert found is not None and found.id == job.id and "taken by state.approver" in note
    wiz.open_report(found.id)  # Review State Snapshot: the state's snapshot pins step 3
    assert [s.status for s in wiz.steps()][:3] == ["COMPLETED"] * 3
    assert wiz.progress()[3].snapshot_sha256 == ws.store.snapshot_records(unit)[-1].sha256
    assert ws.run_pending(NOW) == [] and len(batch_alerts(ws, "ns.reviewer")) == 2  # each job alerts once


def test_only_members_in_scope_take_snapshots(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    with pytest.raises(Refused, match="outside scope"):
        ws.queue_snapshot("hw.cert1", unit, NOW)
    assert ws.jobs(unit) == []


def test_a_queued_report_is_stamped_with_the_clock_it_was_queued_on(ws: Workspace) -> None:
    """Issue 16.12: a worker running later (or without CERTLIB_NOW) stamps the report as of the
    workflow clock the job was queued on, not its own wall clock."""
    import json
    from datetime import datetime
    from pathlib import Path

    unit = eoy_unit(ws, "1071")
    wiz = ws.wizard("ns.cert1", unit, NOW)
    wiz.run_district()
    job = wiz.queue_state_validation()
    (done,) = ws.run_pending(datetime(2026, 1, 5, 8))  # the worker's clock is months later
    report = json.loads(Path(done.result["reports"]["json"]).read_text())
    assert report["generated_at"].startswith(NOW.date().isoformat()), report["generated_at"]
    assert job.queued_at.startswith(NOW.date().isoformat())


def test_a_state_users_wizard_does_not_speak_of_reviewers(ws: Workspace) -> None:
    step4 = ws.wizard("state.approver", eoy_unit(ws, "1071"), NOW).steps()[3]
    assert step4.status == "N/A" and "state console" in step4.reason and "reviewer" not in step4.reason
