"""Dashboard frames and the latest report: what the analyst app charts comes from real store and job data."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from certlib.services import Workspace

from .conftest import NOW, eoy_unit


def test_units_frame_has_every_published_unit_with_its_status(ws: Workspace) -> None:
    f = ws.dashboard_frames(today=NOW.date())
    units = f["units"]
    events = set(units["event"].unique())
    assert "Student Tardiness" in events and "Fall ANB Certification 2024-25" in events
    assert "Fall Enrollment 2025-26" not in events  # the unpublished draft is not charted
    anb = units.filter(pl.col("event") == "Fall ANB Certification 2024-25").sort("district_number")
    # approved by the state, one recertification request pending (the scenario)
    assert sorted(anb["unit_status"]) == [
        "Certification Approved by State",
        "Certification Approved by State",
        "Recertification Request Sent",
    ]
    approved = anb.filter(pl.col("unit_status") == "Certification Approved by State")
    assert approved["approved_at"].null_count() == 0 and approved["sent_at"].null_count() == 0
    assert units["unit_id"].is_unique().all()
    assert units.select("event_id", "unit_id").rows() == sorted(units.select("event_id", "unit_id").rows())


def test_users_frame_derives_overdue_from_the_clock(ws: Workspace) -> None:
    users = ws.dashboard_frames(today=NOW.date())["users"]
    units = ws.dashboard_frames(today=NOW.date())["units"]
    fall = units.filter(pl.col("event") == "Fall Enrollment and Program Participation 2024-25")["unit_id"]
    certs = users.filter(pl.col("unit_id").is_in(fall.implode()) & (pl.col("role") == "certifier"))
    # past the due date: whoever has not submitted is overdue (one certifier did submit in the scenario)
    assert "Incomplete - Overdue" in set(certs["user_status"])
    assert set(certs["user_status"]) <= {"Incomplete - Overdue", "Certification Complete"}
    assert set(users.filter(pl.col("role") == "reviewer")["user_status"]) == {"Open"}


def test_findings_and_latest_report_come_from_the_latest_state_validation(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    assert ws.latest_report(unit) is None
    assert ws.dashboard_frames(today=NOW.date())["findings"].filter(pl.col("unit_id") == unit).height == 0
    wiz = ws.wizard("ns.cert1", unit, NOW)
    wiz.run_district()
    wiz.queue_state_validation()
    [job] = ws.run_pending(NOW)
    assert job.status == "COMPLETED"
    files = job.result["reports"]
    assert sorted(files) == ["csv", "html", "json", "xlsx"] and all(Path(p).stat().st_size > 0 for p in files.values())
    assert not list(ws.reports_dir.glob(".*.tmp"))  # reports are renamed into place, no leftovers
    found = ws.dashboard_frames(today=NOW.date())["findings"].filter(pl.col("unit_id") == unit)
    expected = {(r["rule_id"], r["count"]) for r in job.result["findings"]}
    assert expected and set(zip(found["rule_id"], found["count"], strict=True)) == expected
    assert set(found["district_number"]) == {"1071"}
    rep = ws.latest_report(unit)
    assert rep.job_id == job.id and rep.title == job.title and "<html" in rep.html.lower()
