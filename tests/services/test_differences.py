"""Step 2's record-level differences (issue 16.1): which keys are missing in the state copy, extra
there, or different (which columns, both values); filter by table and kind, paging, CSV/XLSX, and
the findings of the user's state report that touch a record."""

from __future__ import annotations

import csv
import io

import openpyxl
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certlib.errors import DataError
from certlib.services import Workspace
from certlib.services import differences as dif
from certlib.services.compare import diff_frames

from .conftest import NOW, eoy_unit

RESULT = {
    "students": {
        "key_columns": ["student_id"],
        "missing_in_state": [[3], [1]],
        "extra_in_state": [[9]],
        "changed": [
            {"key": [2], "column": "last_name", "district": "=SUM(A1)", "state": "Smith"},
            {"key": [2], "column": "grade", "district": "07", "state": None},
        ],
    },
    "enrollments": {
        "key_columns": ["enrollment_id", "school"],
        "missing_in_state": [],
        "extra_in_state": [],
        "changed": [],
    },
}


def test_lines_are_ordered_by_table_kind_record_and_column():
    got = [(d.table, d.kind, d.record, d.column, d.district, d.state) for d in dif.difference_lines(RESULT)]
    assert got == [
        ("students", "missing in state", "student_id=1", "", "", ""),
        ("students", "missing in state", "student_id=3", "", "", ""),
        ("students", "extra in state", "student_id=9", "", "", ""),
        ("students", "different", "student_id=2", "grade", "07", ""),
        ("students", "different", "student_id=2", "last_name", "=SUM(A1)", "Smith"),
    ]


def test_filters_by_table_and_kind_and_refuses_unknown_names():
    assert dif.difference_lines(RESULT, table="enrollments") == []
    assert {d.kind for d in dif.difference_lines(RESULT, kinds=["different"])} == {"different"}
    with pytest.raises(DataError, match="no table 'nope'.*tables: enrollments, students"):
        dif.difference_lines(RESULT, table="nope")
    with pytest.raises(DataError, match="unknown difference kind"):
        dif.difference_lines(RESULT, kinds=["changed"])


def test_paging():
    lines = dif.difference_lines(RESULT)
    p = dif.page_of(lines, 2, 2)
    assert (p.page, p.pages, p.total, [d.record for d in p.lines]) == (2, 3, 5, ["student_id=9", "student_id=2"])
    assert p.caption == "3 - 4 of 5 items"
    assert dif.page_of(lines, 99, 2).page == 3  # past the end: the last page
    assert dif.page_of(lines, 1, 0).lines == tuple(lines)
    assert dif.page_of([], 1, 25).caption == "0 of 0 items"
    with pytest.raises(DataError, match="page must be 1 or more"):
        dif.page_of(lines, 0, 2)


def test_csv_and_xlsx_hold_every_line_and_never_a_formula():
    lines = dif.difference_lines(RESULT)
    rows = list(csv.reader(io.StringIO(dif.render(lines, "csv").decode())))
    assert rows[0] == list(dif.COLUMNS) and len(rows) == 6
    assert rows[5][4] == "'=SUM(A1)"  # a spreadsheet shows the text, it does not run it
    book = openpyxl.load_workbook(io.BytesIO(dif.render(lines, "xlsx")))
    sheet = book["Differences"]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0] == list(dif.COLUMNS) and len(values) == 6
    assert sheet.cell(6, 5).data_type == "s" and sheet.cell(6, 5).value == "=SUM(A1)"
    with pytest.raises(DataError, match="csv or xlsx"):
        dif.render(lines, "pdf")


def test_findings_touching_a_record_match_its_key_not_just_its_district():
    line = dif.difference_lines(RESULT, kinds=["extra in state"])[0]
    report = {
        "rules": [
            {
                "id": "R1",
                "severity": "fatal",
                "title": "t",
                "columns": ["student_id", "x"],
                "rows": [{"student_id": 9, "x": 1}, {"student_id": 8, "x": 2}],
            },
            {
                "id": "R2",
                "severity": "info",
                "title": "t",
                "columns": ["district_number"],
                "rows": [{"district_number": "1"}],
            },
        ]
    }
    assert [(f["rule_id"], f["row"]["x"]) for f in dif.findings_touching(report, line)] == [("R1", 1)]
    assert dif.findings_touching(report, line, scope_columns=["student_id"]) == []


keys = st.lists(st.integers(0, 12), unique=True, max_size=10)


@settings(max_examples=60, deadline=None)
@given(keys, keys, st.data())
def test_lines_agree_with_a_set_oracle(a_keys, b_keys, data):
    """Missing = district keys minus state keys, extra = the reverse, different = shared keys whose value
    differs, one line per differing column (both values shown)."""
    va = {k: data.draw(st.sampled_from(["x", "y", None])) for k in a_keys}
    vb = {k: data.draw(st.sampled_from(["x", "y", None])) for k in b_keys}
    a = pl.DataFrame({"id": list(va), "v": list(va.values())}, schema={"id": pl.Int64, "v": pl.String})
    b = pl.DataFrame({"id": list(vb), "v": list(vb.values())}, schema={"id": pl.Int64, "v": pl.String})
    d = diff_frames(a, b, ["id"])
    result = {
        "t": {
            "key_columns": ["id"],
            "missing_in_state": d.missing_in_b,
            "extra_in_state": d.extra_in_b,
            "changed": [
                {"key": c["key"], "column": c["column"], "district": c["a"], "state": c["b"]} for c in d.changed
            ],
        }
    }
    lines = dif.difference_lines(result)
    assert {d.key[0] for d in lines if d.kind == dif.MISSING} == set(va) - set(vb)
    assert {d.key[0] for d in lines if d.kind == dif.EXTRA} == set(vb) - set(va)
    diff = {k for k in set(va) & set(vb) if va[k] != vb[k]}
    assert {(d.key[0], d.district, d.state) for d in lines if d.kind == dif.DIFFERENT} == {
        (k, va[k] or "", vb[k] or "") for k in diff
    }


def test_demo_unit_differences_then_resync(ws: Workspace):
    unit = eoy_unit(ws, "7988")
    wiz = ws.wizard("hw.cert1", unit, NOW)
    lines = wiz.differences()
    counts = {r["table"]: r for r in dif.per_table(ws.compare(unit))}
    assert len([d for d in lines if d.table == "enrollments"]) == counts["enrollments"]["missing in state"] == 2
    assert "enrollment_id=1000790" in {d.record for d in wiz.differences("enrollments", ["missing in state"])}
    different = wiz.differences(kinds=["different"])
    assert different and all(d.column and d.district != d.state for d in different)
    assert wiz.findings_for(lines[0]) == []  # no state report yet
    ws.resync("hw.cert1", unit, NOW)
    assert wiz.differences() == []
