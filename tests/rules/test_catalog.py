"""The function catalog (issue 13): an allowlist proven by differential cases; everything else refused
at compile time naming the construct, file, line and column; the allowlist again on the final SQL each
engine receives (issue 12 item 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from certlib.errors import RuleError
from certlib.rules import compile_rule, compile_sql, load_pack
from certlib.rules.catalog import CATALOG, SOURCE_DIALECTS, check_target_sql, target_problems
from certlib.rules.header import parse_rule_text
from certlib.rules.sample import adversarial_frames
from tests.rules.catalog_cases import CASES
from tests.rules.differential import PARAMS, random_tables, run_duckdb, run_polars

PACK = load_pack()
CASE_LIST = [
    (name, i, c[0], c[1], c[2] if len(c) > 2 else None)
    for name, cases in sorted(CASES.items())
    for i, c in enumerate(cases)
]


def test_every_catalog_entry_is_proven_by_cases_in_every_dialect_it_claims():
    for entry in CATALOG:
        assert entry.cases, entry.name
        for case in entry.cases:
            assert case in CASES, f"{entry.name}: no differential case {case!r}"
        assert set(entry.dialects) <= set(SOURCE_DIALECTS)
    claimed = {d for e in CATALOG for d in e.dialects}
    covered = {c[0] for cases in CASES.values() for c in cases}
    assert claimed <= covered


def _frames(kind: str):
    return adversarial_frames(PACK) if kind == "adversarial" else random_tables(PACK, int(kind))


@pytest.mark.parametrize("frames_kind", ["adversarial", "1", "2"])
@pytest.mark.parametrize(
    ("name", "i", "dialect", "sql", "oracle"), CASE_LIST, ids=[f"{n}-{i}-{d}" for n, i, d, _, _ in CASE_LIST]
)
def test_catalog_case_matches_duckdb(name: str, i: int, dialect: str, sql: str, oracle: str | None, frames_kind: str):
    frames = _frames(frames_kind)
    polars_sql = compile_sql(sql, PACK, dialect=dialect, params=PARAMS).sql
    duck_sql = oracle or compile_sql(sql, PACK, dialect=dialect, target="duckdb", params=PARAMS).sql
    assert run_polars(polars_sql, frames) == run_duckdb(duck_sql, frames), f"{name}[{i}] {dialect}: {polars_sql}"


# --- refusals name the construct, with file:line:col and a hint about that construct ------------------

REFUSED = {
    # (dialect, SQL, words in the message, words in the hint)
    "median_of_dates": (
        "duckdb",
        "SELECT school_code, MEDIAN(start_date) AS m FROM enrollments GROUP BY school_code",
        "quantile is translated for a number",
        "GROUP BY",
    ),
    "percentile_disc": (
        "postgres",
        "SELECT school_code, PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY enrollment_id) "
        "AS m FROM enrollments GROUP BY school_code",
        "PERCENTILE_DISC",
        "PERCENTILE_CONT",
    ),
    "collate": (
        "tsql",
        "SELECT enrollment_id FROM enrollments WHERE exit_code COLLATE Latin1_General_CS_AS = 'e1'",
        "COLLATE",
        "case-insensitive",
    ),
    "getdate": ("tsql", "SELECT enrollment_id FROM enrollments WHERE start_date < GETDATE()", "GETDATE", "as_of_date"),
    "now": (
        "postgres",
        "SELECT enrollment_id FROM enrollments WHERE start_date < NOW()",
        "CURRENT_TIMESTAMP",
        "as_of_date",
    ),
    "duckdb_now": ("duckdb", "SELECT enrollment_id FROM enrollments WHERE start_date < now()", "NOW", "as_of_date"),
    "upper": (
        "postgres",
        "SELECT district_number, local_student_id FROM students WHERE UPPER(last_name) = 'STRASSE'",
        "UPPER",
        "LOWER(s)",
    ),
    "ilike": (
        "postgres",
        "SELECT district_number, local_student_id FROM students WHERE last_name ILIKE 'i%'",
        "ILIKE",
        "~*",
    ),
    "try_cast": (
        "duckdb",
        "SELECT enrollment_id, TRY_CAST(exit_code AS INT) AS x FROM enrollments",
        "TRY_CAST",
        "^[0-9]+$",
    ),
    "try_convert_date": (
        "tsql",
        "SELECT enrollment_id, TRY_CONVERT(DATE, exit_code) AS x FROM enrollments",
        "TRY_CAST",
        "^[0-9]+$",
    ),
    "reflect": (
        "spark",
        "SELECT enrollment_id, reflect('java.lang.System', 'getenv', 'HOME') AS h FROM enrollments",
        "REFLECT",
        "Java",
    ),
    "java_method": (
        "spark",
        "SELECT enrollment_id, java_method('java.lang.System', 'getenv', 'HOME') AS h FROM enrollments",
        "JAVA_METHOD",
        "Java",
    ),
    "input_file_name": (
        "spark",
        "SELECT enrollment_id, input_file_name() AS f FROM enrollments",
        "INPUT_FILE_NAME",
        "file",
    ),
    "strftime_month_name": (
        "duckdb",
        "SELECT enrollment_id, strftime(start_date, '%B') AS y FROM enrollments",
        "formatting is translated",
        "locale",
    ),
    "regex_flags": (
        "duckdb",
        "SELECT enrollment_id FROM enrollments WHERE regexp_matches(exit_code, 'e', 'gm')",
        "flags",
        "'i'",
    ),
    "regex_not_literal": (
        "postgres",
        "SELECT enrollment_id FROM enrollments WHERE exit_code ~ grade",
        "string literal",
        "literal",
    ),
    "negated_class_in_set": (
        "postgres",
        "SELECT enrollment_id FROM enrollments WHERE exit_code ~ '[\\Da]'",
        "cannot be translated",
        "\\D",
    ),
    "substring_negative_duckdb": (
        "duckdb",
        "SELECT enrollment_id, SUBSTRING(exit_code, -2, 2) AS s FROM enrollments",
        "counts from the end",
        "start >= 1",
    ),
    "substring_computed": (
        "postgres",
        "SELECT enrollment_id, SUBSTRING(exit_code, enrollment_id, 2) AS s FROM enrollments",
        "computed start",
        "literals",
    ),
    "mysql": ("mysql", "SELECT enrollment_id FROM enrollments", "not supported", "postgres"),
    "text_cast_fails_at_run_time": (
        "postgres",
        "SELECT enrollment_id, CAST(exit_code AS INT) AS x FROM enrollments",
        "fails on data",
        "CASE WHEN",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_constructs_are_named_with_a_hint_about_them(name: str):
    dialect, sql, word, hint = REFUSED[name]
    with pytest.raises(RuleError) as err:
        compile_sql(sql, PACK, dialect=dialect)
    errors = [d for d in err.value.diagnostics if d.level == "error"]
    assert any(word.lower() in d.message.lower() for d in errors), errors
    assert any(hint.lower() in (d.hint or "").lower() for d in errors), errors
    assert all("LEFT JOIN ... IS NULL" not in (d.hint or "") for d in errors)


def test_a_refusal_points_at_the_rule_file_line_and_column(tmp_path: Path):
    rule = parse_rule_text(
        "-- id: T-9\n-- title: t\n-- severity: fatal\n-- group: Enrollment\n-- description: d\n"
        "-- resolution: r\n-- dialect: duckdb\nSELECT school_code,\n       MODE(grade) AS m\n"
        "FROM enrollments GROUP BY school_code\n",
        tmp_path / "T-9.sql",
    )
    with pytest.raises(RuleError) as err:
        compile_rule(rule, PACK)
    d = next(d for d in err.value.diagnostics if d.code == "not-in-catalog")
    assert (d.file, d.line, d.col) == (str(tmp_path / "T-9.sql"), 9, 8)
    assert re.match(rf"{re.escape(str(tmp_path / 'T-9.sql'))}:9:8: error: MODE", str(d))


def test_clock_functions_are_bound_to_the_as_of_date():
    for dialect, sql, *_ in CASES["clock"]:
        for target in ("polars", "duckdb", "spark"):
            out = compile_sql(sql, PACK, dialect=dialect, target=target, params={"as_of_date": "2025-03-01"}).sql
            assert "2025-03-01" in out, (dialect, target, out)
            assert not re.search(r"CURRENT_|GETDATE|NOW\(", out, re.I), out


# --- the allowlist on the final SQL each engine receives (issue 12 item 2) ----------------------------

HOSTILE_FINAL = [
    "SELECT reflect('java.lang.System', 'getenv', 'HOME') AS h FROM enrollments",
    "SELECT java_method('java.lang.System', 'getenv', 'HOME') AS h FROM enrollments",
    "SELECT input_file_name() AS f FROM enrollments",
    "SELECT enrollment_id FROM enrollments WHERE reflect('java.lang.Thread', 'sleep', 1000) IS NULL",
    "SELECT current_user() AS u FROM enrollments",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT getenv('HOME') AS h FROM enrollments",
    "SELECT enrollment_id FROM enrollments; DROP TABLE enrollments",
]


@pytest.mark.parametrize("target", ["spark", "polars", "duckdb"])
@pytest.mark.parametrize("sql", HOSTILE_FINAL)
def test_hostile_final_sql_is_refused_for_every_engine(target: str, sql: str):
    assert target_problems(sql, "spark" if target == "spark" else target)
    with pytest.raises(RuleError):
        check_target_sql(sql, target)


def test_spark_repair_refuses_java_before_spark_sees_it():
    from certlib.engine.spark_sql import repair

    with pytest.raises(RuleError, match="reflect"):
        repair("SELECT reflect('java.lang.System', 'getenv', 'HOME') AS h FROM a", {"a": {"x": "bigint"}})
    assert repair("SELECT a.x FROM a AS a WHERE a.x > 1", {"a": {"x": "bigint"}})


def test_polars_engine_refuses_sql_outside_the_allowlist():
    from dataclasses import replace

    from certlib.engine.polars_engine import PolarsEngine

    good = compile_sql("SELECT enrollment_id FROM enrollments", PACK)
    bad = replace(good, sql="SELECT enrollment_id, getenv('HOME') AS h FROM enrollments")
    frames = {k: v.lazy() for k, v in random_tables(PACK, 1).items()}
    result = PolarsEngine().run([bad], frames)
    assert result.rules[0].error and "getenv" in result.rules[0].error


def test_every_default_rule_passes_the_target_allowlists():
    for rule in PACK.rules.values():
        for target in ("polars", "duckdb", "spark"):
            compiled = compile_rule(rule, PACK, target=target)
            assert target_problems(compiled.sql, target) == [], (rule.id, target)


def test_rules_functions_cli_prints_the_catalog():
    from click.testing import CliRunner

    from certlib.cli import cli

    out = CliRunner().invoke(cli, ["rules", "functions", "--dialect", "tsql"])
    assert out.exit_code == 0, out.output
    assert "COALESCE / ISNULL / NVL" in out.output and "concatenation: a double pipe" not in out.output
    bad = CliRunner().invoke(cli, ["rules", "functions", "--dialect", "mysql"])
    assert bad.exit_code != 0 and "not a supported rule dialect" in bad.output


def test_docs_list_exactly_the_catalog():
    text = (Path(__file__).resolve().parents[2] / "docs" / "rule-pack.md").read_text()
    section = text.split("<!-- catalog:start -->")[1].split("<!-- catalog:end -->")[0]
    rows = [
        line.split("|")[1].strip().strip("`")
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| construct") and not line.startswith("|--")
    ]
    assert rows == [e.name.replace("|", "/") for e in CATALOG]
