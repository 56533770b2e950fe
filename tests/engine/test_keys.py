"""Declared keys enforced: a key violation is a fatal SYS-KEY-001 finding, never a silently different count.

Each case damages a copy of the demo district 1071 the way issue 12 found it (duplicate ``schools`` rows
doubled a listing; NULL districts hid fatal findings) and checks the run says so, in every report format.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from certlib.engine.keys import KEY_RULE_ID
from certlib.engine.run import validate
from certlib.reports import render
from certlib.rules import load_pack

REPO = Path(__file__).resolve().parents[2]
DISTRICT = REPO / "sample_data" / "state" / "districts" / "1071"
SCOPE = {"district": "1071"}


@pytest.fixture(scope="module")
def pack():
    return load_pack(REPO / "rules")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    out = tmp_path / "1071"
    shutil.copytree(DISTRICT, out)
    return out


def _edit(data: Path, table: str, change) -> None:  # noqa: ANN001
    path = data / f"{table}.parquet"
    change(pl.read_parquet(path)).write_parquet(path)


def test_clean_demo_data_has_no_key_finding(pack, data):
    """The demo's duplicate attendance rows are ATT-005's (duplicates_rule), not reported twice."""
    for group in pack.groups:
        run = validate(pack, data, groups=[group], scope=SCOPE)
        assert KEY_RULE_ID not in [r.id for r in run.rules], group
    run = validate(pack, data, groups=["Student Tardiness"], scope=SCOPE)
    assert run.rule("ATT-005").count == 3


def test_duplicate_schools_rows_are_a_fatal_finding_naming_the_keys(pack, data):
    before = validate(pack, data, groups=["End of Year Attendance"], scope=SCOPE)
    _edit(data, "schools", lambda s: pl.concat([s, s]))
    after = validate(pack, data, groups=["End of Year Attendance"], scope=SCOPE)
    assert not before.blocking
    found = after.rule(KEY_RULE_ID)
    assert found.severity == "fatal" and found.status == "failed" and after.blocking
    assert after.rules[0].id == KEY_RULE_ID
    schools = pl.read_parquet(DISTRICT / "schools.parquet")
    assert found.count == schools.height
    assert set(found.rows["table"]) == {"schools"}
    assert set(found.rows["key"]) == {f"school_code={c}" for c in schools["school_code"]}
    assert found.rows["records"].to_list() == [2] * schools.height
    assert "schools" in found.title


def test_null_district_rows_cannot_hide_fatal_findings(pack, data):
    before = validate(pack, data, groups=["Enrollment"], scope=SCOPE)
    fatal_ids = before.rule("ENR-005").rows["enrollment_id"].to_list()
    assert fatal_ids  # the planted grade-outside-span defects
    _edit(
        data,
        "enrollments",
        lambda e: e.with_columns(
            pl.when(pl.col("enrollment_id").is_in(fatal_ids))
            .then(None)
            .otherwise(pl.col("district_number"))
            .alias("district_number")
        ),
    )
    after = validate(pack, data, groups=["Enrollment"], scope=SCOPE)
    assert after.rule("ENR-005").count == 0  # the rows left the scope ...
    found = after.rule(KEY_RULE_ID)  # ... and the run says so
    assert after.blocking
    rows = found.rows.filter(pl.col("table") == "enrollments").to_dicts()
    assert rows == [
        {
            "table": "enrollments",
            "problem": "district_number is NULL (no district; the row is in no scope)",
            "key": "",
            "records": len(fatal_ids),
        }
    ]


def test_null_school_in_scope_and_null_key_are_findings(pack, data):
    _edit(
        data,
        "enrollments",
        lambda e: e.with_columns(
            pl.when(pl.int_range(pl.len()) == 0).then(None).otherwise(pl.col("school_code")).alias("school_code"),
            pl.when(pl.int_range(pl.len()) == 1).then(None).otherwise(pl.col("enrollment_id")).alias("enrollment_id"),
        ),
    )
    run = validate(pack, data, groups=["Enrollment"], scope=SCOPE)
    problems = run.rule(KEY_RULE_ID).rows.filter(pl.col("table") == "enrollments")["problem"].to_list()
    assert problems == ["enrollment_id is NULL (key column)", "school_code is NULL (no school; the row is in no scope)"]


def test_rows_of_another_district_are_not_this_scopes_findings(pack, data):
    """A NULL school in district 9999 is that district's problem, not 1071's."""
    _edit(
        data,
        "schools",
        lambda s: pl.concat(
            [s, s.head(1).with_columns(district_number=pl.lit("9999"), school_code=pl.lit(None, pl.String))]
        ),
    )
    run = validate(pack, data, groups=["End of Year Attendance"], scope=SCOPE)
    assert KEY_RULE_ID not in [r.id for r in run.rules]
    unscoped = validate(pack, data, groups=["End of Year Attendance"])
    assert unscoped.rule(KEY_RULE_ID).rows["problem"].to_list() == [
        "school_code is NULL (no school; the row is in no scope)"
    ]


def test_a_duplicates_rule_only_covers_runs_it_is_part_of(pack, data):
    """attendance_daily defers to ATT-005; a run reading attendance without ATT-005 still checks it."""
    run = validate(pack, data, groups=["Calendar Certification"], scope=SCOPE)
    assert KEY_RULE_ID not in [r.id for r in run.rules]
    from certlib.engine import keys

    frames = {"attendance_daily": pl.scan_parquet(data / "attendance_daily.parquet")}
    found = keys.check_keys(pack, frames, ["attendance_daily"], {"district_number": "1071"}, rule_ids=["ATT-001"])
    assert found is not None and found.count == 3


@pytest.mark.parametrize("fmt", ["json", "csv", "html", "xlsx"])
def test_key_finding_shown_in_every_report_format(pack, data, fmt):
    _edit(data, "schools", lambda s: pl.concat([s, s.head(1)]))
    run = validate(pack, data, groups=["End of Year Attendance"], scope=SCOPE)
    out = render(run, fmt)
    if fmt == "json":
        doc = json.loads(out)
        assert any(r["id"] == KEY_RULE_ID and r["severity"] == "fatal" for r in doc["rules"])
    elif fmt == "xlsx":
        import io
        import zipfile  # noqa: E401

        names = zipfile.ZipFile(io.BytesIO(out)).namelist()
        text = b"".join(zipfile.ZipFile(io.BytesIO(out)).read(n) for n in names)
        assert KEY_RULE_ID.encode() in text
    else:
        assert KEY_RULE_ID.encode() in out and b"school_code=" in out
