"""`certlib rules check` and `validate` on a pack with broken, inactive and duplicate rules: one bad file
never stops the rest, inactive rules are reported apart and never fail the check."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from certlib.cli import cli

PACK_TOML = """name = "loading"
dialect = "postgres"
[tables.enrollments]
columns = { enrollment_id = "int", district_number = "string", school_code = "string", grade = "string" }
keys = ["enrollment_id"]
district_key = "district_number"
school_key = "school_code"
[[groups]]
name = "Enrollment"
level = "district"
"""


def _rule(rule_id: str, sql: str, status: str = "active", severity: str = "fatal") -> str:
    return (
        f"-- id: {rule_id}\n-- title: {rule_id} title\n-- severity: {severity}\n-- group: Enrollment\n"
        f"-- description: d\n-- resolution: r\n-- status: {status}\n-- Note: a comment, not metadata\n{sql}\n"
    )


GOOD = "SELECT enrollment_id, district_number, school_code FROM enrollments WHERE grade = '13'"
BAD = "SELECT enrollment_id FROM enrollments WHERE grad = '13'"  # unknown column


def _pack(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pack"
    root.mkdir()
    (root / "pack.toml").write_text(PACK_TOML)
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def test_rules_check_lists_inactive_rules_apart_and_passes_when_only_they_fail(tmp_path: Path):
    root = _pack(tmp_path, {"A.sql": _rule("A-1", GOOD), "B.sql": _rule("B-1", BAD, status="inactive")})
    result = CliRunner().invoke(cli, ["rules", "check", "--rules", str(root)])
    assert result.exit_code == 0, result.output
    head, _, inactive = result.output.partition("inactive rules (1;")
    assert "unknown column 'grad'" not in head and "unknown column 'grad'" in inactive
    assert "0 error(s)" in result.output and "inactive rules: 1 error(s)" in result.output


def test_rules_check_fails_on_an_active_rule_or_a_rule_file_left_out(tmp_path: Path):
    root = _pack(tmp_path, {"A.sql": _rule("A-1", BAD), "B.sql": _rule("B-1", GOOD), "C.sql": _rule("B-1", GOOD)})
    result = CliRunner().invoke(cli, ["rules", "check", "--rules", str(root)])
    assert result.exit_code == 1
    assert "A.sql" in result.output and "unknown column 'grad'" in result.output
    assert "B.sql:1:1: error: rule id 'B-1' is also used by" in result.output
    assert "C.sql:1:1: error: rule id 'B-1' is also used by" in result.output
    assert "2 rule file(s) not loaded" in result.output


def test_validate_runs_every_rule_it_can_and_reports_the_others_as_rule_errors(tmp_path: Path):
    root = _pack(
        tmp_path,
        {
            "A.sql": _rule("A-1", BAD),
            "B.sql": _rule("B-1", GOOD, severity="warning"),
            "C.sql": "-- id: C-1\n-- title: no severity\nSELECT 1\n",
        },
    )
    data = tmp_path / "data"
    data.mkdir()
    pl.DataFrame(
        {"enrollment_id": [1, 2], "district_number": ["1071", "1071"], "school_code": ["1", "2"], "grade": ["13", "01"]}
    ).write_csv(data / "enrollments.csv")
    result = CliRunner().invoke(cli, ["validate", "--rules", str(root), "--data", str(data), "--group", "Enrollment"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    by_id = {r["id"]: r for r in report["rules"]}
    assert by_id["B-1"]["status"] == "failed" and by_id["B-1"]["count"] == 1
    assert by_id["A-1"]["status"] == "error" and "unknown column 'grad'" in by_id["A-1"]["error"]
    assert by_id["C-1"]["status"] == "error" and "missing required metadata" in by_id["C-1"]["error"]
    assert "2 errors; blocking" in result.stderr
