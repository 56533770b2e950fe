"""scan_tables: declared schema enforced, bad input named precisely, scope pushed into scoped tables."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from certlib.engine.tables import scan_tables
from certlib.errors import DataError


def test_every_declared_table_scanned_lazily_with_declared_types(data_dir, pack):
    frames = scan_tables(data_dir, pack)
    assert sorted(frames) == ["attendance_summary", "enrollments", "grade_codes"]
    assert all(isinstance(f, pl.LazyFrame) for f in frames.values())
    schema = frames["enrollments"].collect_schema()
    assert dict(schema) == {
        "enrollment_id": pl.Int64,
        "district_number": pl.String,
        "school_code": pl.String,
        "grade": pl.String,
        "start_date": pl.Date,
        "active": pl.Boolean,
    }
    # the CSV lookup keeps "00".."12" as strings (declared string), not inferred ints
    assert frames["grade_codes"].collect().sort("grade")["grade"][0] == "00"


def test_missing_file_names_the_table(data_dir, pack):
    (data_dir / "attendance_summary.parquet").unlink()
    with pytest.raises(
        DataError, match=r"attendance_summary\.parquet: missing data file for table 'attendance_summary'"
    ):
        scan_tables(data_dir, pack)


def test_missing_column_names_file_and_column(data_dir, pack, sample):
    sample.enrollments.drop("grade").write_parquet(data_dir / "enrollments.parquet")
    with pytest.raises(DataError) as err:
        scan_tables(data_dir, pack)
    assert "enrollments.parquet" in str(err.value) and "'grade'" in str(err.value)


def test_missing_column_in_csv_names_file_and_column(data_dir, pack, sample):
    sample.grades.drop("label").write_csv(data_dir / "grade_codes.csv")
    with pytest.raises(
        DataError, match=r"grade_codes\.csv: column 'label' declared for table 'grade_codes' is missing"
    ):
        scan_tables(data_dir, pack)


def test_uncastable_parquet_value_names_file_column_and_first_bad_value(data_dir, pack, sample):
    bad = sample.enrollments.with_columns(
        pl.Series("enrollment_id", ["1", "2", "three", "4", "fünf"]),
        pl.col("start_date").cast(pl.String),
    )
    bad.write_parquet(data_dir / "enrollments.parquet")
    with pytest.raises(DataError) as err:
        scan_tables(data_dir, pack)
    msg = str(err.value)
    assert "enrollments.parquet" in msg and "'enrollment_id'" in msg and "'three'" in msg and "row 3" in msg
    assert "fünf" not in msg  # the first bad value, not all of them


def test_parquet_with_castable_text_columns_is_converted(data_dir, pack, sample):
    text = sample.enrollments.with_columns(pl.all().cast(pl.String))
    text.write_parquet(data_dir / "enrollments.parquet")
    got = scan_tables(data_dir, pack)["enrollments"].collect().sort("enrollment_id")
    assert got["start_date"][0] == date(2024, 8, 19)
    assert got["active"].to_list() == [True, True, False, True, None]
    assert got.schema["enrollment_id"] == pl.Int64


def test_float_to_int_with_fraction_is_a_bad_value(data_dir, pack, sample):
    sample.attendance.write_parquet(data_dir / "attendance_summary.parquet")
    sample.enrollments.with_columns(pl.Series("enrollment_id", [1.0, 2.5, 3.0, 4.0, 5.0])).write_parquet(
        data_dir / "enrollments.parquet"
    )
    with pytest.raises(DataError, match=r"'enrollment_id' holds 2\.5 \(row 2\)"):
        scan_tables(data_dir, pack)


def test_uncastable_csv_value_names_file_column_value_and_line(data_dir, pack):
    (data_dir / "enrollments.parquet").unlink()
    (data_dir / "enrollments.csv").write_text(
        "enrollment_id,district_number,school_code,grade,start_date,active\n"
        "1,1071,0588,07,2024-08-19,true\n"
        "2,1071,0588,07,2024-13-45,true\n"
        "3,1071,0588,07,yesterday,true\n"
    )
    with pytest.raises(DataError) as err:
        scan_tables(data_dir, pack)
    msg = str(err.value)
    assert "enrollments.csv" in msg and "'start_date'" in msg and "'2024-13-45'" in msg and "line 3" in msg


def test_empty_tables_are_fine(data_dir, pack, sample):
    sample.enrollments.clear().write_parquet(data_dir / "enrollments.parquet")
    (data_dir / "grade_codes.csv").unlink()
    (data_dir / "grade_codes.csv").write_text("grade,label\n")
    frames = scan_tables(data_dir, pack)
    assert frames["enrollments"].collect().height == 0
    assert frames["grade_codes"].collect().height == 0
    assert frames["grade_codes"].collect_schema()["grade"] == pl.String


def test_zero_byte_csv_is_an_error_not_an_empty_table(data_dir, pack):
    """A file cut to nothing is not a table without rows (that one keeps its header line): issue 12."""
    (data_dir / "grade_codes.csv").write_text("")
    with pytest.raises(DataError, match=r"grade_codes.csv: the file is empty; .* header"):
        scan_tables(data_dir, pack)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (b"grade,label\n07,seventh\n08\n", r"grade_codes.csv: line 3 has 1 field, the header has 2"),
        (b"grade,label\n07,seventh,extra\n", r"grade_codes.csv: line 2 has 3 fields, the header has 2"),
        (b"grade,label\n07,seventh\n08,\xe9l\xe8ve\n", r"grade_codes.csv: line 3 is not UTF-8 text \(byte 0xe9\)"),
        (b"   \n", r"grade_codes.csv: the file is empty"),
    ],
)
def test_csv_that_is_not_a_table_is_an_error_naming_file_and_line(data_dir, pack, text, says):
    (data_dir / "grade_codes.csv").write_bytes(text)
    with pytest.raises(DataError, match=says):
        scan_tables(data_dir, pack)


def test_csv_with_quoted_line_breaks_and_a_bom_still_reads(data_dir, pack):
    (data_dir / "grade_codes.csv").write_bytes('\ufeffgrade,label\n07,"seventh\ngrade"\n08,"é"\n'.encode())
    frame = scan_tables(data_dir, pack)["grade_codes"].collect()
    assert frame.rows() == [("07", "seventh\ngrade"), ("08", "é")]


def test_district_scope_returns_only_that_districts_rows(data_dir, pack):
    frames = scan_tables(data_dir, pack, scope={"district_number": "1071"})
    assert frames["enrollments"].collect()["district_number"].unique().to_list() == ["1071"]
    assert sorted(frames["attendance_summary"].collect()["enrollment_id"].to_list()) == [1, 2, 5]
    # a statewide lookup without a district column is left whole
    assert frames["grade_codes"].collect().height == 13


def test_school_scope_filters_by_school_code_and_is_pushed_into_the_scan(data_dir, pack):
    frames = scan_tables(data_dir, pack, scope={"school": "0588"})
    assert sorted(frames["enrollments"].collect()["enrollment_id"].to_list()) == [1, 5]
    plan = frames["enrollments"].explain()
    scan_part = plan[plan.index("Parquet SCAN") :]
    assert "SELECTION" in scan_part and "0588" in scan_part  # the predicate sits in the scan itself


def test_unknown_scope_key_is_refused(data_dir, pack):
    with pytest.raises(DataError, match="unknown scope key 'county'"):
        scan_tables(data_dir, pack, scope={"county": "9"})


def test_missing_data_directory(tmp_path, pack):
    with pytest.raises(DataError, match="does not exist"):
        scan_tables(tmp_path / "nope", pack)


def test_csv_round_trip_keeps_every_declared_type(data_dir, pack, sample):
    (data_dir / "enrollments.parquet").unlink()
    sample.enrollments.write_csv(data_dir / "enrollments.csv")
    got = scan_tables(data_dir, pack)["enrollments"].collect().sort("enrollment_id")
    assert got.equals(sample.enrollments)
