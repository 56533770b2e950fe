"""ODS-shaped data files (issue 14): tables in a schema directory, headers in any case, bit columns as
0/1, Y/N or true/false; ambiguous names and bad values are errors naming file, column and value."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from certlib.engine.tables import scan_tables
from certlib.errors import DataError
from certlib.rules import load_pack

PACK_TOML = """
name = "ods"
dialect = "tsql"
default_schema = "edfi"

[tables."edfi.StudentSchoolAssociation"]
columns = { StudentUSI = "int", SchoolId = "int", EntryDate = "date", PrimarySchool = "bool" }
keys = ["StudentUSI", "SchoolId", "EntryDate"]
school_key = "SchoolId"

[tables.lookup]
columns = { Code = "string" }
keys = ["Code"]
file = "flat/codes"
"""


@pytest.fixture()
def pack(tmp_path: Path):
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "pack.toml").write_text(PACK_TOML)
    return load_pack(tmp_path / "pack")


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "edfi").mkdir(parents=True)
    (root / "flat").mkdir()
    (root / "flat" / "codes.csv").write_text("code\nA\n")
    return root


SSA = "edfi/StudentSchoolAssociation.csv"


@pytest.mark.parametrize(
    "flags, expected",
    [
        (["1", "0", ""], [True, False, None]),
        (["Y", "n", "yes"], [True, False, True]),
        (["true", "FALSE", "t"], [True, False, True]),
    ],
)
def test_bool_columns_take_bits_yes_no_and_true_false(pack, data, flags, expected):
    rows = "\n".join(f"{i},10,2024-08-20,{f}" for i, f in enumerate(flags))
    (data / SSA).write_text("studentusi,SCHOOLID,EntryDate,PrimarySchool\n" + rows + "\n")
    frames = scan_tables(data, pack)
    got = frames["edfi.StudentSchoolAssociation"].collect().sort("StudentUSI")
    assert got.columns == ["StudentUSI", "SchoolId", "EntryDate", "PrimarySchool"]  # the declared spelling
    assert got["PrimarySchool"].to_list() == expected
    assert frames["lookup"].collect()["Code"].to_list() == ["A"]  # a flat mapping, header in another case


def test_a_bad_bool_names_file_column_and_first_bad_value(pack, data):
    (data / SSA).write_text(
        "StudentUSI,SchoolId,EntryDate,PrimarySchool\n1,10,2024-08-20,1\n2,10,2024-08-20,2\n3,10,2024-08-20,maybe\n"
    )
    with pytest.raises(DataError) as err:
        scan_tables(data, pack)
    text = str(err.value)
    assert "StudentSchoolAssociation.csv" in text and "'PrimarySchool'" in text and "'2'" in text
    assert "line 3" in text and "1/0, Y/N" in text and "maybe" not in text
    assert "ignore_errors" not in text  # not polars' own advice


def test_a_parquet_bit_column_is_0_or_1(pack, data):
    frame = pl.DataFrame(
        {
            "StudentUSI": [1, 2],
            "SchoolId": [10, 10],
            "EntryDate": [date(2024, 8, 20)] * 2,
            "primaryschool": pl.Series([1, 0], dtype=pl.Int8),
        }
    )
    frame.write_parquet(data / "edfi" / "studentschoolassociation.parquet")
    got = scan_tables(data, pack)["edfi.StudentSchoolAssociation"].collect().sort("StudentUSI")
    assert got["PrimarySchool"].to_list() == [True, False]
    frame.with_columns(pl.Series("primaryschool", [1, 3], dtype=pl.Int8)).write_parquet(
        data / "edfi" / "studentschoolassociation.parquet"
    )
    with pytest.raises(DataError, match=r"column 'PrimarySchool' holds 3 \(row 2\), which is not a valid bool"):
        scan_tables(data, pack)


def test_headers_that_differ_only_in_case_are_ambiguous(pack, data):
    (data / SSA).write_text("StudentUSI,schoolid,SchoolID,EntryDate,PrimarySchool\n1,10,11,2024-08-20,1\n")
    with pytest.raises(
        DataError,
        match=r"StudentSchoolAssociation.csv: columns 'schoolid', 'SchoolID' all match "
        r"column 'SchoolId'",
    ):
        scan_tables(data, pack)


def test_an_exact_header_wins(pack, data):
    (data / SSA).write_text("StudentUSI,schoolid,SchoolId,EntryDate,PrimarySchool\n1,10,11,2024-08-20,1\n")
    assert scan_tables(data, pack)["edfi.StudentSchoolAssociation"].collect()["SchoolId"].to_list() == [11]


def test_schema_dot_table_file_names_work_too_and_missing_ones_say_where_we_looked(pack, data):
    with pytest.raises(
        DataError,
        match=r"edfi/StudentSchoolAssociation.parquet: missing data file for table "
        r"'edfi.StudentSchoolAssociation'.*edfi.StudentSchoolAssociation\.\*",
    ):
        scan_tables(data, pack)
    (data / "EDFI.studentschoolassociation.csv").write_text("StudentUSI,SchoolId,EntryDate,PrimarySchool\n")
    assert scan_tables(data, pack)["edfi.StudentSchoolAssociation"].collect().height == 0


def test_fixture_cases_name_tables_and_columns_in_any_case(pack, tmp_path: Path):
    from certlib.engine.fixtures import load_case_file

    (pack.root / "R-1.sql").write_text(
        "-- id: R-1\n-- title: t\n-- severity: fatal\n-- group: G\n-- description: d\n-- resolution: r\nSELECT 1 AS x\n"
    )
    case = tmp_path / "R-1.toml"
    case.write_text(
        '[[case]]\nname = "n"\nexpect = []\n[case.tables]\n'
        '"EDFI.studentschoolassociation" = [{ studentusi = 1, SCHOOLID = 10, EntryDate = 2024-08-20 }]\n'
    )
    toml = (pack.root / "pack.toml").read_text() + '\n[[groups]]\nname = "G"\n'
    (pack.root / "pack.toml").write_text(toml)
    [loaded] = load_case_file(case, load_pack(pack.root))
    frame = loaded.tables["edfi.StudentSchoolAssociation"]
    assert frame.row(0) == (1, 10, date(2024, 8, 20), None)
