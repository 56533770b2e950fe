"""`certlib import datachecker`: a DataChecker-format collection (written here) becomes a rule pack with no
hand edits; the summary says per rule whether it compiles and, if not, why (naming the construct)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from certlib.cli import cli
from certlib.errors import DataError, RuleError
from certlib.rules import load_pack
from certlib.rules.datachecker import column_type, import_datachecker

HERE = Path(__file__).parent
COLLECTION = HERE / "collection.json"
ODS = HERE / "ods_schema.toml"


def test_each_rule_becomes_a_rule_file_with_its_metadata(tmp_path: Path):
    summary = import_datachecker([COLLECTION], tmp_path / "pack", ODS)
    pack = load_pack(tmp_path / "pack", strict=True)
    assert sorted(pack.rules) == [
        "ENR-003",
        "ENR-003-2",
        "ENROLLMENT-FOR-ANOTHER-SCHOOL-YEAR",
        "STU-001",
        "STUDENT-OLDER-THAN-22",
    ]
    stu = pack.rules["STU-001"]
    assert (stu.severity, stu.groups, stu.external_id, stu.max_results, stu.dialect) == (
        "fatal",
        ("Student",),
        "STU-001",
        100,
        "tsql",
    )
    assert (
        stu.error_message == "The student has no birth date." and stu.resolution == "Enter the birth date in the SIS."
    )
    assert pack.rules["STUDENT-OLDER-THAN-22"].severity == "warning"  # SeverityLevel 1
    assert pack.rules["ENR-003"].severity == "fatal"  # SeverityLevel 2 (major) -> fatal by default
    assert pack.rules["ENROLLMENT-FOR-ANOTHER-SCHOOL-YEAR"].external_id == "ENR 002/a"  # kept, not a file name
    assert pack.dialect == "tsql" and set(pack.groups) == {"Student", "Enrollment"}
    assert pack.tables["edfi.Student"].student_key == "StudentUniqueId"
    assert pack.tables["edfi.StudentSchoolAssociation"].column("PrimarySchool").type == "bool"  # bit
    by_id = {r.id: r for r in summary.rules}
    assert "already used" in by_id["ENR-003-2"].notes[0]
    assert "no Resolution" in by_id["STUDENT-OLDER-THAN-22"].notes[0]


def test_major_may_be_imported_as_a_warning(tmp_path: Path):
    import_datachecker([COLLECTION], tmp_path / "pack", ODS, major="warning", check=False)
    assert load_pack(tmp_path / "pack").rules["ENR-003"].severity == "warning"


def test_the_summary_names_why_a_rule_is_refused(tmp_path: Path):
    result = CliRunner().invoke(
        cli,
        [
            "import",
            "datachecker",
            str(COLLECTION),
            "--out",
            str(tmp_path / "pack"),
            "--ods-schema",
            str(ODS),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert rows["ENR-003-2"]["compiles"] == "no" and "SELECT INTO" in rows["ENR-003-2"]["reason"]
    assert "imported 5 rules and 4 tables" in result.stderr


def test_an_existing_pack_is_never_overwritten(tmp_path: Path):
    import_datachecker([COLLECTION], tmp_path / "pack", ODS, check=False)
    before = (tmp_path / "pack" / "STU-001.sql").read_text()
    with pytest.raises(RuleError, match="already holds a rule pack"):
        import_datachecker([COLLECTION], tmp_path / "pack", ODS)
    assert (tmp_path / "pack" / "STU-001.sql").read_text() == before


def test_bad_input_names_the_file(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"Name": "x", "Containers": [')
    with pytest.raises(DataError, match=r"bad.json: not valid JSON: line 1"):
        import_datachecker([bad], tmp_path / "pack")
    bad.write_text('{"Name": "x"}')
    with pytest.raises(DataError, match="not a DataChecker collection"):
        import_datachecker([bad], tmp_path / "pack")
    with pytest.raises(DataError, match="unknown column type 'geography'"):
        column_type("geography", "t.c")
    assert not (tmp_path / "pack").exists()  # nothing half-written


@pytest.mark.parametrize(
    "sql_type, ours",
    [
        ("nvarchar(32)", "string"),
        ("bit", "bool"),
        ("datetime2(7)", "datetime"),
        ("decimal(9,2)", "float"),
        ("SMALLINT", "int"),
        ("date", "date"),
    ],
)
def test_sql_types_map_to_column_types(sql_type: str, ours: str):
    assert column_type(sql_type, "t.c") == ours
