"""One events filter: :class:`EventFilters` means the same through every entry point — the CLI's
``ws.events_page`` rows, the dashboard's events table and the certify app's "my events" grid."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from certlib.apps import certify, dashboard
from certlib.errors import DataError
from certlib.services.events import EventFilters, filter_rows

# unit 2 is district-level: its district is called "North Star District" — the school filter must not match it
ROWS = [
    dict(
        unit_id=1,
        event_id=1,
        event_name="Student Tardiness",
        school="0601",
        school_name="North Star High",
        district="7988",
        district_name="Lakeview",
        user_status="Certification Incomplete",
        event_status="In Progress",
        due_date="2025-08-01",
        reporting_year=2025,
        event_publication="Published",
    ),
    dict(
        unit_id=2,
        event_id=1,
        event_name="Student Tardiness",
        school="",
        school_name="",
        district="7988",
        district_name="North Star District",
        user_status="Incomplete - Overdue",
        event_status="Not Started",
        due_date="2025-07-01",
        reporting_year=2025,
        event_publication="Published",
    ),
    dict(
        unit_id=3,
        event_id=2,
        event_name="EOY Attendance",
        school="0588",
        school_name="Elm Elementary",
        district="0100",
        district_name="Elm",
        user_status="Certification Complete",
        event_status="Certification Sent to State",
        due_date="2024-08-15",
        reporting_year=2024,
        event_publication="Closed",
    ),
]

CASES = [
    ({}, [1, 2, 3]),
    ({"event_name": "tardi"}, [1, 2]),
    ({"school_name": "north star"}, [1]),  # school name, case-insensitive; never the district's name
    ({"school_name": "0588"}, [3]),  # or the school code
    ({"school_name": "lakeview"}, []),  # a district name matches nothing
    ({"user_statuses": ["Certification Incomplete", "Incomplete - Overdue"]}, [1, 2]),
    ({"event_statuses": ["In Progress"]}, [1]),
    ({"due_after": "2025-07-01"}, [1, 2]),  # both ends included
    ({"due_before": dt.date(2025, 7, 1)}, [2, 3]),
    ({"year": "2024"}, [3]),
    ({"active_only": True}, [1, 2]),
    ({"keys": ["0601", "7988"]}, [1, 2]),  # school code, or district number for a district-level unit
    ({"event_ids": [2]}, [3]),
    ({"event_name": "tardi", "school_name": "high"}, [1]),
    ({"rule_ids": ["ATT-001"]}, [3]),
]
FINDINGS = pl.DataFrame({"unit_id": [3], "rule_id": ["ATT-001"]})


def _dashboard_table() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Event Name": [r["event_name"] for r in ROWS],
            "School Name": [r["school_name"] for r in ROWS],
            "District": [r["district_name"] for r in ROWS],
            "Event Status": [r["event_status"] for r in ROWS],
            "Due Date": [dt.date.fromisoformat(r["due_date"]) for r in ROWS],
            "unit_id": [r["unit_id"] for r in ROWS],
            "event_id": [r["event_id"] for r in ROWS],
            "key": [r["school"] or r["district"] for r in ROWS],
            "event_status": [r["event_publication"] for r in ROWS],
            "school_year": [r["reporting_year"] for r in ROWS],
            "user_statuses": [[r["user_status"], "Not Started"] for r in ROWS],  # a unit's several user statuses
            "school_code": [r["school"] or None for r in ROWS],
        }
    )


def _my_events() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Event Name": [r["event_name"] for r in ROWS],
            "School Name": [r["school_name"] for r in ROWS],
            "User Status": [r["user_status"] for r in ROWS],
            "Event Status": [r["event_status"] for r in ROWS],
            "Due Date": [dt.date.fromisoformat(r["due_date"]) for r in ROWS],
            "unit_id": [r["unit_id"] for r in ROWS],
            "event_id": [r["event_id"] for r in ROWS],
            "key": [r["school"] or r["district"] for r in ROWS],
            "year": [r["reporting_year"] for r in ROWS],
            "event_closed": [r["event_publication"] == "Closed" for r in ROWS],
            "school_code": [r["school"] for r in ROWS],
        }
    )


@pytest.mark.parametrize(("given", "expected"), CASES, ids=[str(c[0]) for c in CASES])
def test_every_entry_point_keeps_the_same_units(given, expected) -> None:
    f = EventFilters.of(given)
    assert [r["unit_id"] for r in filter_rows(ROWS, f, FINDINGS).rows] == expected
    assert dashboard.filter_events(_dashboard_table(), f, FINDINGS)["unit_id"].to_list() == expected
    if not f.rule_ids:  # the certify grid has no findings
        assert certify.filter_my_events(_my_events(), f)["unit_id"].to_list() == expected


def test_a_unit_with_several_user_statuses_is_kept_when_any_is_listed() -> None:
    f = EventFilters(user_statuses=("Not Started",))
    assert dashboard.filter_events(_dashboard_table(), f)["unit_id"].to_list() == [1, 2, 3]
    assert [r["unit_id"] for r in filter_rows(ROWS, f).rows] == []  # each row there is one user's status


def test_a_misspelt_filter_is_an_error_naming_it() -> None:
    with pytest.raises(DataError, match="unknown events filter.*\\bname\\b"):
        EventFilters.of({"name": "Tardiness"})


def test_paging_cuts_the_kept_rows_and_clamps_the_page() -> None:
    page = filter_rows(ROWS, EventFilters(page=9, page_size=2))
    assert (page.total, page.pages, page.page, [r["unit_id"] for r in page.rows]) == (3, 2, 2, [3])
