"""The workspace façade: demo contents, events filters, read-only deployments."""

from __future__ import annotations

import pytest

from certlib.errors import NotFound, ReadOnlyError
from certlib.services import Workspace

from .conftest import NOW, eoy_unit


def test_demo_has_every_status_and_a_verified_audit_chain(ws: Workspace) -> None:
    assert ws.store.verify_audit().ok
    rows = ws.events_for("state.admin", None, NOW)
    statuses = {r["event_status"] for r in rows}
    assert {
        "In Progress",
        "Certification Sent to State",
        "Certification Approved by State",
        "Recertification Request Sent",
    } <= statuses
    published = {str(v.event.status) for v in ws.store.events_for("state.admin", NOW)}
    assert {"Published", "Closed", "Unpublished"} <= published
    assert (ws.state_dir / "enrollments.parquet").exists() and (
        ws.district_dir("1071") / "enrollments.parquet"
    ).exists()
    overdue = ws.events_for("ns.cert1", {"user_statuses": ["Incomplete - Overdue"]}, NOW)
    assert [r["event_name"] for r in overdue] == ["Fall Enrollment and Program Participation 2024-25"]


def test_events_filters_and_paging(ws: Workspace) -> None:
    all_rows = ws.events_for("state.admin", None, NOW)
    page = ws.events_page("state.admin", {"page_size": 5, "page": 2}, NOW)
    assert page.total == len(all_rows) and page.rows == all_rows[5:10]
    lincoln = ws.events_for("state.admin", {"school_name": "Lincoln High"}, NOW)
    assert lincoln and all(r["school"] == "0688" for r in lincoln)
    assert all(r["reporting_year"] == 2024 for r in ws.events_for("state.admin", {"year": 2024}, NOW))
    assert not any(r["event_publication"] == "Closed" for r in ws.events_for("state.admin", {"active_only": True}, NOW))
    due = ws.events_for("state.admin", {"due_after": "2025-08-01", "due_before": "2025-08-20"}, NOW)
    assert due and all("2025-08-01" <= r["due_date"] <= "2025-08-20" for r in due)


def test_open_missing_workspace_says_what_to_do(tmp_path) -> None:
    with pytest.raises(NotFound, match="demo init"):
        Workspace.open(tmp_path / "nowhere")


def test_read_only_refuses_mutations(ws: Workspace, monkeypatch) -> None:
    monkeypatch.setenv("CERTLIB_READ_ONLY", "1")
    unit = eoy_unit(ws, "1071")
    before = (ws.state_dir / "enrollments.parquet").read_bytes()
    with pytest.raises(ReadOnlyError):
        ws.resync("ns.cert1", unit, NOW)
    with pytest.raises(ReadOnlyError):
        ws.wizard("ns.cert1", unit, NOW).run_district()
    assert (ws.state_dir / "enrollments.parquet").read_bytes() == before
