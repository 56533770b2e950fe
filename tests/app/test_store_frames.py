"""The dashboard frames read from a real workspace (its store and the services' frames), and the
state console's flow: publish → approve → the frames follow."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from certlib.apps import certify as cert
from certlib.apps import common
from certlib.apps import dashboard as dash
from certlib.errors import Refused
from certlib.services import Workspace
from certlib.store import Store

NOW = dt.datetime(2025, 7, 1, 9)


def _store(tmp_path) -> Store:
    s = Store.open_workspace(tmp_path / "ws")
    s.load_people(
        {
            "districts": [{"number": "1071", "name": "North Star"}, {"number": "2002", "name": "Elm Valley"}],
            "schools": [
                {"code": "0588", "district": "1071", "name": "North Star 7-8"},
                {"code": "0700", "district": "2002", "name": "Elm Elementary"},
            ],
            "categories": [{"id": "ATT", "name": "Attendance"}],
            "users": [
                {"id": "sa", "name": "Sam State", "level": "state", "rights": ["read", "write", "add", "delete"]},
                {"id": "c1", "name": "Cora Cert", "level": "district", "district": "1071"},
            ],
            "memberships": [
                {"user": "sa", "category": "ATT", "role": "approver"},
                {"user": "c1", "category": "ATT", "role": "certifier", "primary": True},
            ],
        },
        NOW,
    )
    return s


def test_frames_from_workspace_follow_the_workflow(tmp_path):
    ws = Workspace.create(tmp_path / "ws")
    s = _store(tmp_path)
    e = s.create_event(
        "sa",
        NOW,
        name="Fall ANB",
        reporting_year=2025,
        category_id="ATT",
        level="school",
        groups=["Enrollment"],
        start_date="2025-06-15",
        certification_opens="2025-06-20",
        end_date="2025-06-30",
    )
    assert (
        dash.frames_from_workspace(ws, NOW.date(), "sa").units.height == 0
    )  # unpublished events are not on the dashboard
    s.publish_event("sa", e.id, NOW)
    unit = next(u for u in s.units(e.id) if u.school_code == "0588")
    s.approve("sa", unit.id, NOW + dt.timedelta(hours=1))
    f = dash.frames_from_workspace(ws, (NOW + dt.timedelta(days=1)).date(), "sa")
    assert f.units.height == 2 and f.units.columns[: len(dash.UNIT_SCHEMA)] == list(dash.UNIT_SCHEMA)
    row = f.units.filter(pl.col("unit_id") == unit.id).row(0, named=True)
    assert row["unit_status"] == "Certification Approved by State" and row["school_name"] == "North Star 7-8"
    assert row["approved_at"] == NOW + dt.timedelta(hours=1)
    assert f.users.filter(pl.col("unit_id") == unit.id)["user_status"].to_list() == ["Certification Complete"]
    k = {x.label: x.value for x in dash.kpis(f.units, dt.date(2025, 7, 2))}
    assert k["Approved"] == "50%" and k["Overdue units"] == "1"
    table = dash.events_table(f.units, f.users, dt.date(2025, 7, 2))
    assert set(table["School Name"]) == {"North Star 7-8", "Elm Elementary"}
    # a district user's frames hold their district only: units, members and findings
    mine = dash.frames_from_workspace(ws, (NOW + dt.timedelta(days=1)).date(), "c1")
    assert set(mine.units["district_number"]) == {"1071"} and mine.units.height == 1
    assert set(mine.users["unit_id"]) <= set(mine.units["unit_id"])
    assert set(dash.events_table(mine.units, mine.users, dt.date(2025, 7, 2))["School Name"]) == {"North Star 7-8"}
    other = f.units.filter(pl.col("district_number") == "2002")["unit_id"][0]
    with pytest.raises(Refused, match="outside scope"):
        dash.latest_report_html(ws, int(other), ws.user("c1"))
    assert dash.latest_report_html(ws, unit.id, ws.user("c1")) is None  # in scope: no report yet


def test_my_events_and_messages_frames(tmp_path):
    s = _store(tmp_path)
    e = s.create_event(
        "sa",
        NOW,
        name="Student Tardiness",
        reporting_year=2025,
        category_id="ATT",
        level="district",
        groups=["Enrollment"],
        start_date="2025-06-15",
        certification_opens="2025-06-20",
        end_date="2025-07-31",
    )
    s.publish_event("sa", e.id, NOW)
    mine = cert.my_events_frame(s.units_for("c1", NOW))
    assert mine.select(cert.MY_EVENTS_COLUMNS).row(0) == (
        "Student Tardiness",
        "",
        "Certification Incomplete",
        "In Progress",
        dt.date(2025, 7, 31),
        "View · Start Certification",
    )
    todo = cert.filter_my_events(
        mine, common.EventFilters(user_statuses=["Certification Incomplete", "Incomplete - Overdue"])
    )
    assert todo.height == 1
    inbox = cert.messages_frame(s.messages("c1"))
    assert inbox.height == 1 and inbox["Required"][0] == "Action required" and "Student Tardiness" in inbox["Name"][0]
    assert cert.filter_messages(inbox, name="tardiness").height == 1
    assert inbox["Read"][0] == "Unread" and cert.unread_count(inbox) == 1  # words, not True/False
    assert cert.filter_messages(inbox, name="nothing like it").height == 0
