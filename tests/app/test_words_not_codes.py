"""Numbers that are names and statuses in words (issue 17 items 6 and 12): years and identifiers are shown
as written ("2025", "1001001", never "2,025"), a rule that found rows reports findings (not "failed"),
the Message Center says "Action required"/"Unread" (not "!"/False)."""

from __future__ import annotations

from types import SimpleNamespace

import polars as pl
import pytest

from certlib.apps import certify as cert
from certlib.apps import common
from certlib.apps import rule_lab as lab
from certlib.apps import state_console as console

ROWS = pl.DataFrame(
    {
        "id": [7],
        "reporting_year": [2025],
        "SchoolYear": [2026],
        "StudentUSI": [1001001],
        "SchoolId": [255901001],
        "unit_id": [1234],
        "district_number": ["1071"],
        "Event Name": ["EOY"],
        "count": [12_345],
        "days_overdue": [3],
        "round": [2],
        "share": [0.5],
    }
)


def test_identifier_and_year_columns_are_found_by_name():
    assert common.identifier_columns(ROWS) == [
        "id",
        "reporting_year",
        "SchoolYear",
        "StudentUSI",
        "SchoolId",
        "unit_id",
        "round",
    ]


def test_identifiers_are_shown_as_written():
    shown = common.as_identifiers(ROWS)
    assert shown.row(0, named=True) == {
        **ROWS.row(0, named=True),
        "id": "7",
        "reporting_year": "2025",
        "SchoolYear": "2026",
        "StudentUSI": "1001001",
        "SchoolId": "255901001",
        "unit_id": "1234",
        "round": "2",
    }
    assert shown["count"].dtype == pl.Int64  # a count stays a number
    fmt = common.identifier_format(ROWS)
    assert set(fmt) == set(common.identifier_columns(ROWS)) and fmt["StudentUSI"](1001001) == "1001001"
    assert fmt["id"](None) == ""
    rows = [{"unit_id": 1001, "district": "1071", "round": 1}]
    assert set(console.identifier_format(rows)) == {"unit_id", "round"}
    assert console.identifier_format([]) == {}


def test_state_console_tables_show_years_without_separators():
    view = SimpleNamespace(as_dict=lambda: {"id": 12, "name": "EOY", "reporting_year": 2025, "unit_counts": {}})
    frame = console.views_frame([view])
    assert console.as_identifiers(frame)["reporting_year"][0] == "2025"
    assert "reporting_year" in console.identifier_format(frame)


def _run(status, count, error=""):
    return SimpleNamespace(
        status=status,
        count=count,
        shown=count,
        error=error,
        rows=pl.DataFrame({"StudentUSI": [1001001] * count, "SchoolYear": [2025] * count}),
    )


@pytest.mark.parametrize(
    ("status", "count", "value", "caption"),
    [
        ("failed", 3, "Findings", "each row it returned is a finding for the district to fix"),
        ("failed", 1, "Findings", "the row it returned is a finding for the district to fix"),
        ("passed", 0, "No findings", "the rule returned no row on this data"),
    ],
)
def test_rule_lab_words_a_rule_that_found_rows_as_findings(status, count, value, caption):
    stat = lab.result_stat(_run(status, count))
    assert stat["value"] == value and stat["caption"] == caption
    assert "failed" not in str(stat).lower()


def test_rule_lab_error_and_rows():
    stat = lab.result_stat(_run("error", 0, "column x not found\nmore"))
    assert stat["value"] == "Rule error" and stat["caption"] == "column x not found"
    assert lab.shown_rows(_run("failed", 2))["StudentUSI"].to_list() == ["1001001", "1001001"]


def test_message_center_flags_in_words():
    alert = SimpleNamespace(
        id=1,
        required=True,
        process="Certification",
        text="Certify EOY",
        posted_at="2025-07-01 09:00",
        due_date=None,
        read=False,
        unit_id=3,
    )
    seen = SimpleNamespace(**{**vars(alert), "id": 2, "required": False, "read": True})
    inbox = cert.messages_frame([alert, seen])
    assert sorted(inbox["Required"].to_list()) == ["Action required", "For information"]
    assert sorted(inbox["Read"].to_list()) == ["Read", "Unread"] and cert.unread_count(inbox) == 1
    assert cert.unread_count(cert.messages_frame([])) == 0
