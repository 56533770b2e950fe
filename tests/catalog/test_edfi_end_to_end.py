"""Issue 14, done when: a DataChecker-format collection and ODS-shaped data import and run with no hand edits;
every rule either equals DuckDB's count or is refused with the reason naming the construct.

The fixture (tests/catalog/edfi, written here): a collection of T-SQL rules as DataChecker keeps them
(mixed-case ODS names, ``edfi`` schema, brackets, ``@SchoolYear``, ``TOP``, ``ISNULL``, ``DATEDIFF``,
``WITH (NOLOCK)``, descriptor joins, association tables), an ODS schema description, fixture cases per rule,
and seeded ODS-shaped data (tests/catalog/edfi_data.py). The PostgreSQL half is tests/postgres/test_ods_source.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from certlib.cli import cli
from certlib.engine.fixtures import cases_by_rule, run_case
from certlib.engine.run import validate
from certlib.rules import compile_rule, load_pack, transpile
from certlib.rules.datachecker import import_datachecker
from tests.catalog.edfi_data import CASES, COLLECTION, ODS_SCHEMA, duckdb_counts, ods_frames, write_data_dir
from tests.rules.differential import run_polars

PARAMS = {"school_year": 2025}
REFUSED = {  # rule -> words the first reason must hold (the construct named)
    "X-001": ["SELECT INTO"],
    "X-002": ["wall clock", "GETDATE"],
    "X-003": ["EdFi_Ods.edfi.Student", "database or catalog"],
    "X-004": ["UPPER"],
    "X-005": ["dbo.Student", "schema 'dbo' is not in the pack"],
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    out = tmp_path_factory.mktemp("edfi") / "pack"
    summary = import_datachecker([COLLECTION], out, ODS_SCHEMA)
    shutil.copytree(CASES, out / "cases")
    return summary, load_pack(out)


def compiling(pack) -> list[str]:
    return sorted(r for r in pack.rules if not r.startswith("X-"))


def test_the_import_summary_says_what_compiles_and_why_not(imported):
    summary, pack = imported
    rows = {r.id: r for r in summary.rules}
    assert summary.line().endswith("16 rules and 5 tables into " + str(pack.root) + ": 11 compile, 5 refused")
    assert [r for r in rows if rows[r].compiles] == compiling(pack) or sorted(
        r for r in rows if rows[r].compiles
    ) == compiling(pack)
    for rule_id, words in REFUSED.items():
        assert rows[rule_id].compiles is False
        for word in words:
            assert word in rows[rule_id].reason, rows[rule_id].reason


def test_every_rule_has_fixture_cases_and_they_pass(imported):
    _, pack = imported
    cases = cases_by_rule(pack)
    for rule_id in compiling(pack):
        assert cases[rule_id], f"{rule_id} has no fixture case"
        for case in cases[rule_id]:
            ok, got, expected = run_case(case, pack)
            assert ok, (case.id, got, expected)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_rule_returns_duckdbs_rows_on_seeded_ods_data(imported, seed: int):
    _, pack = imported
    frames = ods_frames(seed)
    oracle = duckdb_counts(
        pack, frames, {r: transpile(pack.rules[r], pack, "duckdb", params=PARAMS) for r in compiling(pack)}
    )
    for rule_id in compiling(pack):
        got = run_polars(compile_rule(pack.rules[rule_id], pack, params=PARAMS).sql, frames)
        assert got == oracle[rule_id], rule_id
    assert sum(len(c) for c in oracle.values()) > 50  # the data makes the rules find things


def test_validate_on_an_ods_export_equals_duckdb_and_reports_refusals(imported, tmp_path: Path):
    _, pack = imported
    frames = ods_frames(4)
    data = write_data_dir(frames, tmp_path / "ods")  # edfi/Student.csv in upper case, bits as 0/1, parquet
    run = validate(pack, data, params=PARAMS)
    oracle = duckdb_counts(
        pack, frames, {r: transpile(pack.rules[r], pack, "duckdb", params=PARAMS) for r in compiling(pack)}
    )
    results = {r.id: r for r in run.rules}
    for rule_id in compiling(pack):
        result = results[rule_id]
        assert result.status in ("passed", "failed"), (rule_id, result.error)
        assert result.count == sum(oracle[rule_id].values()), rule_id
    for rule_id, words in REFUSED.items():
        assert results[rule_id].status == "error" and words[0] in (results[rule_id].error or "")
    stu = results["STU-001"]
    assert stu.key_columns == ("StudentUniqueId",) and "StudentUniqueId" in stu.rows.columns  # as declared
    assert results["ENR-003"].key_columns == ("StudentUniqueId", "SchoolId")


def test_import_check_and_validate_from_the_command_line(tmp_path: Path):
    runner = CliRunner()
    pack = tmp_path / "pack"
    imported = runner.invoke(
        cli, ["import", "datachecker", str(COLLECTION), "--out", str(pack), "--ods-schema", str(ODS_SCHEMA)]
    )
    assert imported.exit_code == 0, imported.output
    assert "16 rules and 5 tables" in imported.stderr and "11 compile, 5 refused" in imported.stderr
    shutil.copytree(CASES, pack / "cases")
    check = runner.invoke(cli, ["rules", "check", "--rules", str(pack)])
    assert check.exit_code == 1  # the five refused rules are errors of active rules
    assert "X-004" in check.output and "UPPER" in check.output and "STU-001" not in check.output.split("error")[0]
    tested = runner.invoke(cli, ["rules", "test", "--rules", str(pack)])
    failing = sorted({line.split()[1].rstrip(":") for line in tested.output.splitlines() if line.startswith("FAIL")})
    assert failing == sorted(REFUSED), tested.output  # only the refused rules, which cannot have cases
    assert "22 passed, 5 failed" in tested.output
    data = write_data_dir(ods_frames(5), tmp_path / "ods")
    report = tmp_path / "report.json"
    done = runner.invoke(
        cli, ["validate", "--rules", str(pack), "--data", str(data), "--param", "school_year=2025", "-o", str(report)]
    )
    assert done.exit_code == 0, done.output
    body = json.loads(report.read_text())
    statuses = {r["id"]: r["status"] for r in body["rules"]}
    assert {statuses[r] for r in REFUSED} == {"error"}
    assert all(statuses[r] in ("passed", "failed") for r in statuses if r[:3] in ("STU", "ENR"))


def test_data_with_a_bad_bit_names_file_column_and_value(imported, tmp_path: Path):
    _, pack = imported
    data = write_data_dir(ods_frames(6), tmp_path / "ods")
    ssa = data / "edfi" / "StudentSchoolAssociation.csv"
    frame = pl.read_csv(ssa, infer_schema=False)
    frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(pl.lit("X")).otherwise(pl.col("primaryschool")).alias("primaryschool")
    ).write_csv(ssa)
    from certlib.errors import DataError

    with pytest.raises(DataError, match=r"StudentSchoolAssociation.csv: column 'primaryschool' holds 'X' \(line 5\)"):
        validate(pack, data, params=PARAMS)


def test_a_district_run_equals_the_run_on_the_districts_own_data(imported, tmp_path: Path):
    """Ed-Fi's associations hold only a school: a district scope reaches them through edfi.School (never
    counting another district's rows)."""
    _, pack = imported
    frames = ods_frames(9)
    district = 255901
    schools = frames["edfi.School"].filter(pl.col("LocalEducationAgencyId") == district)
    own = {
        **frames,
        "edfi.School": schools,
        "edfi.StudentSchoolAssociation": frames["edfi.StudentSchoolAssociation"].filter(
            pl.col("SchoolId").is_in(schools["SchoolId"].implode())
        ),
    }
    scoped = validate(pack, write_data_dir(frames, tmp_path / "all"), scope={"district": str(district)}, params=PARAMS)
    alone = validate(pack, write_data_dir(own, tmp_path / "own"), params=PARAMS)
    assert [(r.id, r.status, r.count) for r in scoped.rules] == [(r.id, r.status, r.count) for r in alone.rules]
    assert (
        dict((r.id, r.count) for r in scoped.rules)["ENR-001"]
        < dict((r.id, r.count) for r in validate(pack, tmp_path / "all", params=PARAMS).rules)["ENR-001"]
    )


def test_the_key_check_of_a_district_run_sees_only_the_districts_associations(imported, tmp_path: Path):
    _, pack = imported
    frames = ods_frames(10)
    ssa = frames["edfi.StudentSchoolAssociation"]
    twice = pl.concat([ssa, ssa.filter(pl.col("SchoolId") == 12).head(1)])  # a duplicate in district 255902
    nulls = pl.concat([twice, ssa.head(1).with_columns(pl.lit(None, dtype=pl.Int64).alias("SchoolId"))])
    data = write_data_dir({**frames, "edfi.StudentSchoolAssociation": nulls}, tmp_path / "ods")
    problems = {
        d: [
            (r["table"], r["problem"])
            for r in next(
                (x for x in validate(pack, data, scope={"district": d}, params=PARAMS).rules if x.id == "SYS-KEY-001"),
                None,
            ).rows.iter_rows(named=True)
        ]
        for d in ("255901", "255902")
    }
    duplicate = ("edfi.StudentSchoolAssociation", "duplicate key (StudentUSI, SchoolId, EntryDate)")
    no_school = ("edfi.StudentSchoolAssociation", "SchoolId is NULL (no school; the row is in no scope)")
    assert duplicate in problems["255902"] and duplicate not in problems["255901"]
    assert no_school in problems["255901"] and no_school in problems["255902"]
