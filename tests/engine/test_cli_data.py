"""`certlib validate` and `certlib rules test` end to end on a tiny generated data directory.

The pack loader and compiler are stood in for by the hand-made pack and hand-compiled rules of
conftest.py, so these tests exercise the CLI, engine and reports on their own.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import openpyxl
import pytest
from click.testing import CliRunner

import certlib.cli.data
import certlib.cli.rules
import certlib.rules
from certlib.cli import cli
from certlib.errors import RuleError


@pytest.fixture
def wired(monkeypatch, tmp_path, pack, rules):
    """certlib.rules.load_pack / compile_rule replaced by the test pack and hand-compiled rules."""
    by_id = {r.rule.id: r for r in (rules.present, rules.grade, rules.info)}
    the_pack = replace(pack, root=tmp_path / "rules", rules={k: v.rule for k, v in by_id.items()})
    compiled_params: list[dict] = []

    def load_pack(path):
        if not str(path).endswith("rules"):
            raise RuleError(f"{path}: not a rule pack")
        return the_pack

    def compile_rule(rule, pack, target="polars", params=None):
        compiled_params.append(dict(params or {}))
        return replace(by_id[rule.id], rule=rule)

    for module in (certlib.rules, certlib.cli.data, certlib.cli.rules):
        monkeypatch.setattr(module, "load_pack", load_pack)
    monkeypatch.setattr(certlib.rules, "compile_rule", compile_rule, raising=False)
    return the_pack, compiled_params


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_validate_json_to_stdout_exit_0_with_findings(wired, data_dir, tmp_path):
    result = invoke("validate", "--rules", str(tmp_path / "rules"), "--data", str(data_dir))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [(r["id"], r["count"]) for r in doc["rules"]] == [("EOY-001", 3), ("ENR-005", 1), ("INFO-001", 5)]
    assert doc["blocking"] is True
    assert result.stderr.strip().startswith(
        "3 rules: 0 passed, 3 failed (fatal 1, warning 1, info 1), 0 errors; blocking"
    )
    assert "validating" not in result.stderr  # no progress bar when not on a terminal


def test_validate_scope_group_params_and_html_file(wired, data_dir, tmp_path):
    _, compiled_params = wired
    out = tmp_path / "out" / "report.html"
    result = invoke(
        "validate",
        "--rules",
        str(tmp_path / "rules"),
        "--data",
        str(data_dir),
        "--group",
        "End of Year Attendance",
        "--scope",
        "district=1071",
        "--param",
        "school_year=2024",
        "--param",
        "as_of_date=2024-06-30",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and "End of Year Attendance" in html
    assert "District 1071" in html  # no districts lookup table in the test pack
    assert "rule-EOY-001" in html and "rule-ENR-005" not in html  # only the group's rule
    assert result.stdout == ""
    assert f"-> {out}" in result.stderr
    from datetime import date

    assert compiled_params[-1]["school_year"] == 2024
    assert compiled_params[-1]["as_of_date"] == date(2024, 6, 30)
    assert compiled_params[-1]["district_number"] == "1071"


def test_validate_scope_limits_rows(wired, data_dir, tmp_path):
    result = invoke(
        "validate",
        "--rules",
        str(tmp_path / "rules"),
        "--data",
        str(data_dir),
        "--scope",
        "school=0588",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {json.loads(r["values"]).get("enrollment_id") for r in rows} == {1, 5}


def test_validate_xlsx_format_from_suffix(wired, data_dir, tmp_path):
    out = tmp_path / "r.xlsx"
    result = invoke("validate", "--rules", str(tmp_path / "rules"), "--data", str(data_dir), "-o", str(out))
    assert result.exit_code == 0
    assert openpyxl.load_workbook(out).sheetnames == ["Summary", "EOY-001", "ENR-005", "INFO-001"]


def test_validate_bad_data_exits_1_naming_the_file(wired, data_dir, tmp_path):
    (data_dir / "enrollments.parquet").unlink()
    result = invoke("validate", "--rules", str(tmp_path / "rules"), "--data", str(data_dir))
    assert result.exit_code == 1
    assert "error:" in result.stderr and "enrollments.parquet: missing data file" in result.stderr


def test_validate_broken_pack_exits_1(wired, data_dir, tmp_path):
    result = invoke("validate", "--rules", str(tmp_path / "elsewhere"), "--data", str(data_dir))
    assert result.exit_code == 1 and "not a rule pack" in result.stderr


def test_validate_unknown_group_exits_1(wired, data_dir, tmp_path):
    result = invoke("validate", "--rules", str(tmp_path / "rules"), "--data", str(data_dir), "--group", "Nope")
    assert result.exit_code == 1 and "unknown validation group 'Nope'" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scope", "county=3"], "use district=<number> or school=<code>"),
        (["--param", "school_year=soon"], "school_year=soon"),
        (["--param", "novalue"], "use key=value"),
    ],
)
def test_validate_bad_options(wired, data_dir, tmp_path, args, message):
    result = CliRunner().invoke(cli, ["validate", "--rules", str(tmp_path / "rules"), "--data", str(data_dir), *args])
    assert result.exit_code == 2 and message in result.output


CASE_FILE = """
[[case]]
name = "reported"
expect = [[101]]
[case.tables]
attendance_summary = [{ enrollment_id = 101, ada_days_enrolled = 1.0, ada_days_present = 2.0 }]

[[case]]
name = "passes"
expect = []

[[case]]
name = "wrong expectation"
expect = [[999]]
[case.tables]
attendance_summary = [{ enrollment_id = 101, ada_days_enrolled = 1.0, ada_days_present = 2.0 }]
"""


def test_rules_test_prints_closing_line_and_fails_on_failures(wired, tmp_path):
    cases = tmp_path / "rules" / "cases"
    cases.mkdir(parents=True)
    (cases / "EOY-001.toml").write_text(CASE_FILE)
    result = invoke("rules", "test", "--rules", str(tmp_path / "rules"))
    lines = result.stdout.strip().splitlines()
    assert "FAIL EOY-001::wrong expectation (EOY-001.toml): expected [(999,)], got [(101,)]" in lines
    assert "FAIL ENR-005: no fixture cases (add rules/cases/ENR-005.toml)" in lines
    assert "FAIL INFO-001: no fixture cases (add rules/cases/INFO-001.toml)" in lines
    assert lines[-1] == "2 passed, 3 failed"
    assert result.exit_code == 1


def test_rules_test_all_green_exits_0(wired, tmp_path):
    cases = tmp_path / "rules" / "cases"
    cases.mkdir(parents=True)
    (cases / "EOY-001.toml").write_text(CASE_FILE.split('[[case]]\nname = "wrong')[0])
    result = invoke("rules", "test", "--rules", str(tmp_path / "rules"), "-k", "EOY-001", "-v")
    assert result.stdout.strip().splitlines() == [
        "PASS EOY-001::reported",
        "PASS EOY-001::passes",
        "2 passed, 0 failed",
    ]
    assert result.exit_code == 0
