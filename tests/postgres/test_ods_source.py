"""A live PostgreSQL ODS as a data source (issue 14): ``--data postgresql://...`` reads the pack's tables with
the ADBC driver, names matched as for files (Ed-Fi's PostgreSQL ODS spells them ``edfi.student`` /
``studentuniqueid``), the scope filter pushed into the query; every rule counts what DuckDB counts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from certlib.cli import cli
from certlib.engine.database import read_tables, redact
from certlib.engine.run import validate
from certlib.errors import DataError
from certlib.rules import load_pack, transpile
from certlib.rules.datachecker import import_datachecker
from tests.catalog.edfi_data import (
    CASES,
    COLLECTION,
    ODS_SCHEMA,
    duckdb_counts,
    load_postgres,
    ods_frames,
    write_data_dir,
)

PARAMS = {"school_year": 2025}


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("edfi") / "pack"
    import_datachecker([COLLECTION], out, ODS_SCHEMA, check=False)
    shutil.copytree(CASES, out / "cases")
    return load_pack(out)


@pytest.fixture(scope="module")
def ods(pg):
    frames = ods_frames(11)
    url = pg.new_database()
    load_postgres(url, frames)
    return url.replace("postgresql+psycopg://", "postgresql://"), frames


def counts(run) -> dict[str, tuple[str, int]]:
    return {r.id: (r.status, r.count) for r in run.rules}


def test_validate_reads_the_ods_database_and_counts_what_duckdb_counts(pack, ods, tmp_path: Path):
    url, frames = ods
    by_db = validate(pack, url, params=PARAMS)
    by_files = validate(pack, write_data_dir(frames, tmp_path / "ods"), params=PARAMS)
    assert counts(by_db) == counts(by_files)
    active = [r for r in pack.rules if not r.startswith("X-")]
    oracle = duckdb_counts(pack, frames, {r: transpile(pack.rules[r], pack, "duckdb", params=PARAMS) for r in active})
    for result in by_db.rules:
        if result.id in oracle:
            assert result.status in ("passed", "failed") and result.count == sum(oracle[result.id].values()), result.id
    assert by_db.source_label == url


def test_the_scope_is_pushed_into_the_query_and_runs_equal_the_files(pack, ods, tmp_path: Path):
    url, frames = ods
    read = read_tables(url, pack, {"school_code": "10"})
    schools = read["edfi.School"].collect()
    assert schools["SchoolId"].to_list() == [10]  # filtered by the database (no NULL SchoolId rows here)
    ssa = read["edfi.StudentSchoolAssociation"].collect()
    assert set(ssa["SchoolId"].to_list()) <= {10, None} and ssa.height > 0
    assert read["edfi.Student"].collect().height == frames["edfi.Student"].height  # no school column: whole
    files = write_data_dir(frames, tmp_path / "ods")
    for scope in ({"school": "10"}, {"district": "255902"}):
        assert counts(validate(pack, url, scope=scope, params=PARAMS)) == counts(
            validate(pack, files, scope=scope, params=PARAMS)
        )


def test_the_command_line_takes_a_database_url(pack, ods, tmp_path: Path):
    url, _ = ods
    report = tmp_path / "r.json"
    done = CliRunner().invoke(
        cli,
        [
            "validate",
            "--rules",
            str(pack.root),
            "--data",
            url,
            "--group",
            "Student",
            "--param",
            "school_year=2025",
            "-o",
            str(report),
        ],
    )
    assert done.exit_code == 0, done.output
    assert '"STU-001"' in report.read_text()


def test_database_problems_name_the_database_table_and_column(pack, pg):
    url = pg.new_database().replace("postgresql+psycopg://", "postgresql://")
    with pytest.raises(DataError, match=r"no table 'edfi.Descriptor' in the database"):
        read_tables(url, pack)
    bad = url.replace("@", ":secret@", 1)
    bad = bad.rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(DataError) as err:
        read_tables(bad, pack)
    assert "cannot connect" in str(err.value) and "secret" not in str(err.value)
    assert redact("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
