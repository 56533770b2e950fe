"""Compiler and loader: hostile SQL is refused by name, diagnostics point at file, line and column,
parameters are bound as typed values, and the output keeps the record keys."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from certlib.errors import RuleError
from certlib.rules import compile_rule, compile_sql, lineage, load_pack, transpile
from certlib.rules.header import parse_rule_text

PACK = load_pack()

HOSTILE = {
    "read_csv": ("SELECT * FROM read_csv('/etc/passwd')", "table-function"),
    "read_parquet": ("SELECT * FROM read_parquet('/tmp/x.parquet')", "table-function"),
    "read_ipc": ("SELECT * FROM read_ipc('/tmp/x.arrow')", "table-function"),
    "read_json": ("SELECT * FROM read_json('/tmp/x.json')", "table-function"),
    "other_table_function": ("SELECT * FROM generate_series(1, 10)", "table-function"),
    "table_function_in_join": (
        "SELECT e.enrollment_id FROM enrollments e JOIN read_csv('/etc/passwd') x ON TRUE",
        "table-function",
    ),
    "read_csv_in_subquery": (
        "SELECT enrollment_id FROM enrollments WHERE grade IN (SELECT * FROM read_csv('/x'))",
        "table-function",
    ),
    "file_function_in_select": (
        "SELECT pg_read_file('/etc/passwd') AS x, enrollment_id FROM enrollments",
        "table-function",
    ),
    "getenv_in_select": ("SELECT getenv('HOME') AS h, enrollment_id FROM enrollments", "table-function"),
    "current_setting": (
        "SELECT current_setting('data_directory') AS h, enrollment_id FROM enrollments",
        "table-function",
    ),
    "query_function": (
        "SELECT enrollment_id FROM enrollments WHERE grade IN (SELECT * FROM query('SELECT 1'))",
        "table-function",
    ),
    "parquet_metadata_in_where": (
        "SELECT enrollment_id FROM enrollments WHERE EXISTS (SELECT 1 FROM parquet_metadata('/x.parquet'))",
        "table-function",
    ),
    "delete": ("DELETE FROM enrollments", "forbidden"),
    "update": ("UPDATE enrollments SET grade = '01'", "forbidden"),
    "insert": ("INSERT INTO enrollments (enrollment_id) VALUES (1)", "forbidden"),
    "drop": ("DROP TABLE enrollments", "forbidden"),
    "create_as": ("CREATE TABLE x AS SELECT * FROM enrollments", "forbidden"),
    "dml_in_cte": ("WITH d AS (DELETE FROM enrollments RETURNING *) SELECT * FROM d", "forbidden"),
    "select_into": ("SELECT * INTO copy_of FROM enrollments", "forbidden"),
    "multi_statement": ("SELECT enrollment_id FROM enrollments; DROP TABLE enrollments", "forbidden"),
    "copy": ("COPY enrollments TO '/tmp/out.csv'", "forbidden"),
    "attach": ("ATTACH 'other.db' AS other", "syntax"),  # not even SQL in the pack's dialect
    "pragma": ("PRAGMA table_info('enrollments')", "forbidden"),
    "unknown_table": ("SELECT * FROM enrolments", "unknown-table"),
    "schema_qualified": ("SELECT * FROM pg_catalog.pg_tables", "unknown-table"),
    "unknown_column": ("SELECT enrollmnt_id FROM enrollments", "unknown-column"),
    "ambiguous_column": (
        "SELECT school_code, enrollment_id FROM enrollments e JOIN schools s ON e.school_code = s.school_code",
        "ambiguous-column",
    ),
    "syntax": ("SELECT enrollment_id FROM enrollments WHERE (", "syntax"),
    "unknown_parameter": ("SELECT enrollment_id FROM enrollments WHERE school_year = :scool_year", "parameter"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_sql_is_refused_with_a_named_reason(name: str):
    sql, code = HOSTILE[name]
    with pytest.raises(RuleError) as err:
        compile_sql(sql, PACK)
    codes = {d.code for d in err.value.diagnostics}
    assert code in codes, (codes, str(err.value))
    assert all(d.level == "error" for d in err.value.diagnostics if d.code == code)


def test_unknown_column_points_at_file_line_and_column_with_a_suggestion(tmp_path: Path):
    rule = parse_rule_text(
        "-- id: T-1\n-- title: t\n-- severity: fatal\n-- group: Enrollment\n-- description: d\n"
        "-- resolution: r\nSELECT enrollment_id,\n       strat_date\nFROM enrollments\n",
        tmp_path / "T-1.sql",
    )
    with pytest.raises(RuleError) as err:
        compile_rule(rule, PACK)
    d = err.value.diagnostics[0]
    assert (d.file, d.line, d.col, d.code) == (str(tmp_path / "T-1.sql"), 8, 8, "unknown-column")
    assert "start_date" in (d.hint or "")
    assert str(d).startswith(f"{tmp_path / 'T-1.sql'}:8:8: error: unknown column 'strat_date'")


def test_syntax_error_names_line_column_and_text():
    with pytest.raises(RuleError) as err:
        compile_sql("SELECT enrollment_id\nFROM enrollments\nWHERE grade = = '01'", PACK)
    d = err.value.diagnostics[0]
    assert d.code == "syntax" and d.line == 3


def test_parameters_are_bound_as_typed_values_not_text():
    sneaky = "2025 OR 1=1"
    with pytest.raises(RuleError):  # a string where an int belongs cannot become SQL text
        compile_sql(
            "SELECT enrollment_id FROM enrollments WHERE school_year = :school_year",
            PACK,
            params={"school_year": sneaky},
        )
    c = compile_sql(
        "SELECT enrollment_id FROM enrollments WHERE district_number = :district_number",
        PACK,
        params={"district_number": "1071' OR '1'='1"},
    )
    assert "'1071'' OR ''1''=''1'" in c.sql  # one quoted literal, quotes escaped
    c = compile_sql(
        "SELECT iep_id FROM special_ed WHERE annual_review_date < :as_of_date",
        PACK,
        params={"as_of_date": date(2025, 1, 31)},
    )
    assert "CAST('2025-01-31' AS DATE)" in c.sql


def test_output_must_keep_the_record_keys():
    rule = parse_rule_text(
        "-- id: T-2\n-- title: t\n-- severity: fatal\n-- group: Enrollment\n-- description: d\n"
        "-- resolution: r\nSELECT grade FROM enrollments\n",
        None,
    )
    with pytest.raises(RuleError) as err:
        compile_rule(rule, PACK)
    assert any(d.code == "missing-keys" and "enrollment_id" in d.message for d in err.value.diagnostics)


def test_declared_keys_override_the_main_table_keys():
    rule = parse_rule_text(
        "-- id: T-3\n-- title: t\n-- severity: warning\n-- group: Calendar Certification\n-- description: d\n"
        "-- resolution: r\n-- keys: school_code\n"
        "SELECT school_code, COUNT(*) AS days FROM calendar_days GROUP BY school_code\n",
        None,
    )
    assert compile_rule(rule, PACK).key_columns == ("school_code",)


def test_lineage_and_transpile():
    rule = PACK.rules["504-001"]
    c = compile_rule(rule, PACK)
    lin = lineage(c)
    assert "plans_504" in lin and "plan_id" in lin["plans_504"] and "enrollments" in lin
    for dialect in ("duckdb", "spark", "tsql", "snowflake", "postgres"):
        assert "plans_504" in transpile(rule, PACK, dialect).lower()


def test_compiled_sql_runs_on_polars_with_the_declared_schema():
    c = compile_sql(
        "SELECT enrollment_id, end_date - start_date AS days FROM enrollments WHERE end_date - start_date > 30", PACK
    )
    frame = pl.DataFrame(
        {
            "enrollment_id": [1, 2],
            "start_date": [date(2024, 9, 1), date(2024, 9, 1)],
            "end_date": [date(2024, 9, 20), date(2024, 12, 1)],
        }
    )
    out = pl.SQLContext(enrollments=frame).execute(c.sql, eager=True)
    assert out.rows() == [(2, 91)]


LOADER_CASES = {
    "missing_keys": ("-- id: X-1\n-- title: t\nSELECT 1", "missing required metadata '-- severity"),
    "bad_severity": (
        "-- id: X-1\n-- title: t\n-- severity: critical\n-- group: Enrollment\n-- description: d\n"
        "-- resolution: r\nSELECT 1",
        "severity 'critical'",
    ),
    "unknown_key": (
        "-- id: X-1\n-- titel: t\n-- title: t\n-- severity: info\n-- group: Enrollment\n"
        "-- description: d\n-- resolution: r\nSELECT 1",
        "unknown metadata key 'titel'",
    ),
    "unknown_group": (
        "-- id: X-1\n-- title: t\n-- severity: info\n-- group: Enrolment\n"
        "-- description: d\n-- resolution: r\nSELECT 1",
        "group 'Enrolment' is not declared",
    ),
}


def _pack_with(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pack.toml").write_text((Path("rules") / "pack.toml").read_text())
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize("name", sorted(LOADER_CASES))
def test_loader_errors_name_file_and_line(tmp_path: Path, name: str):
    text, message = LOADER_CASES[name]
    ok = (
        "-- id: OK-1\n-- title: t\n-- severity: info\n-- group: Enrollment\n-- description: d\n"
        "-- resolution: r\nSELECT enrollment_id FROM enrollments"
    )
    root = _pack_with(tmp_path, {"X-1.sql": text, "OK-1.sql": ok})
    pack = load_pack(root)  # the broken file is left out; the rest of the pack loads
    assert list(pack.rules) == ["OK-1"] and [b.path.name for b in pack.broken] == ["X-1.sql"]
    assert message in pack.broken[0].message
    assert all(d.file == str(root / "X-1.sql") and d.line for d in pack.problems)
    with pytest.raises(RuleError) as err:  # strict loading refuses the pack, naming file and line
        load_pack(root, strict=True)
    assert message in str(err.value)
    assert all(d.file == str(root / "X-1.sql") and d.line for d in err.value.diagnostics)


def test_duplicate_rule_ids_are_reported_per_file_and_the_rest_loads(tmp_path: Path):
    text = (
        "-- id: X-1\n-- title: t\n-- severity: info\n-- group: Enrollment\n-- description: d\n"
        "-- resolution: r\nSELECT enrollment_id FROM enrollments"
    )
    root = _pack_with(tmp_path, {"a.sql": text, "b.sql": text, "c.sql": text.replace("X-1", "X-2")})
    pack = load_pack(root)
    assert list(pack.rules) == ["X-2"]
    dupes = [d for d in pack.problems if d.code == "duplicate-id"]
    assert sorted(Path(d.file).name for d in dupes) == ["a.sql", "b.sql"]
    assert str(root / "b.sql") in next(d.message for d in dupes if d.file == str(root / "a.sql"))


HEADER = "-- id: X-1\n-- title: t\n-- severity: info\n-- group: Enrollment\n-- description: d\n-- resolution: r\n"


def test_a_comment_after_the_header_is_just_a_comment():
    rule = parse_rule_text(
        HEADER + "-- Note: school_year is the ending year\n-- see the manual\n"
        "SELECT enrollment_id FROM enrollments -- trailing: comment\n",
        None,
    )
    assert rule.sql.startswith("-- Note: school_year") and rule.sql_line == 7
    compiled = compile_sql(rule.sql, PACK, rule=rule)
    assert compiled.key_columns == ("enrollment_id",)


def test_a_prologue_comment_before_the_header_is_skipped():
    rule = parse_rule_text("-- Copyright: the state\n-- a free line\n" + HEADER + "SELECT 1", None)
    assert rule.id == "X-1" and rule.sql == "SELECT 1"


def test_a_key_after_a_comment_is_not_metadata_and_the_message_says_where_the_header_ended():
    with pytest.raises(RuleError) as err:
        parse_rule_text(
            "-- id: X-1\n-- title: t\n-- Author: me\n-- severity: info\n-- group: Enrollment\n"
            "-- description: d\n-- resolution: r\nSELECT 1",
            None,
        )
    missing = [d for d in err.value.diagnostics if "severity" in d.message]
    assert missing and "the header ends at line 3" in (missing[0].hint or "")


def test_header_continuation_lines_and_multiple_groups():
    rule = parse_rule_text(
        "-- id: X-9\n-- title: t\n-- severity: warning\n-- group: Enrollment\n-- group: Behavior\n"
        "-- description: first line\n--   second line\n-- resolution: r\n\nSELECT 1\n",
        None,
    )
    assert rule.groups == ("Enrollment", "Behavior")
    assert rule.description == "first line second line"
    assert rule.sql_line == 10


def test_default_pack_compiles_cleanly():
    from certlib.rules import check_pack

    assert [str(d) for d in check_pack(PACK) if d.level == "error"] == []
    assert sum(r.status == "active" for r in PACK.rules.values()) >= 25
