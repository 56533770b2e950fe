"""`certlib validate` and `certlib rules test` with the real loader and compiler on generated data.

Skipped until certlib.rules provides load_pack and compile_rule. A tiny pack (the default pack's
tables plus two rules written here) runs on a freshly generated two-district state; counts are
checked against polars computed directly on the same files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import certlib.rules
from certlib.cli import cli

pytestmark = pytest.mark.skipif(
    not (hasattr(certlib.rules, "load_pack") and hasattr(certlib.rules, "compile_rule")),
    reason="the rule loader/compiler has not landed yet",
)

DEFAULT_PACK = Path(__file__).resolve().parents[2] / "rules"

EOY = """-- id: EOY-001
-- title: ADA days present exceed days enrolled
-- severity: fatal
-- group: End of Year Attendance
-- description: A student cannot be present on more days than they were enrolled.
-- resolution: Correct the enrollment dates or the attendance records, then re-run.
SELECT s.enrollment_id, s.district_number, s.school_code, s.ada_days_enrolled, s.ada_days_present
FROM attendance_summary s
WHERE s.ada_days_present > s.ada_days_enrolled
"""

LISTING = """-- id: EOY-LIST
-- title: End of Year Attendance Certification
-- severity: info
-- group: End of Year Attendance
-- description: Every enrollment of the school year, for review.
-- resolution: Review the listing.
-- max_results: 5
SELECT e.enrollment_id, e.district_number, e.school_code, e.grade, e.start_date
FROM enrollments e
WHERE e.school_year = :school_year
"""

CASES = """
[[case]]
name = "present exceeds enrolled is reported"
expect = [[101]]
[case.tables]
attendance_summary = [
  { enrollment_id = 101, district_number = "1071", school_code = "0588", ada_days_enrolled = 170.0, ada_days_present = 171.0 },
  { enrollment_id = 102, district_number = "1071", school_code = "0588", ada_days_enrolled = 170.0, ada_days_present = 160.0 },
]

[[case]]
name = "equal days pass"
expect = []
[case.tables]
attendance_summary = [{ enrollment_id = 1, ada_days_enrolled = 170.0, ada_days_present = 170.0 }]
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("e2e")
    result = CliRunner().invoke(cli, ["generate", "--out", str(root / "data"), "--students", "60", "--districts", "2"])
    assert result.exit_code == 0, result.output
    pack = root / "rules"
    (pack / "cases").mkdir(parents=True)
    shutil.copy(DEFAULT_PACK / "pack.toml", pack / "pack.toml")
    (pack / "EOY-001.sql").write_text(EOY)
    (pack / "EOY-LIST.sql").write_text(LISTING)
    (pack / "cases" / "EOY-001.toml").write_text(CASES)
    return pack, root / "data"


def test_validate_json_counts_match_polars(world):
    pack, data = world
    district = sorted(p.name for p in (data / "districts").iterdir())[0]
    result = CliRunner().invoke(
        cli,
        [
            "validate",
            "--rules",
            str(pack),
            "--data",
            str(data / "state"),
            "--scope",
            f"district={district}",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    summary = pl.read_parquet(data / "state" / "attendance_summary.parquet").filter(
        pl.col("district_number") == district
    )
    expected = summary.filter(pl.col("ada_days_present") > pl.col("ada_days_enrolled")).height
    enrollments = pl.read_parquet(data / "state" / "enrollments.parquet").filter(
        (pl.col("district_number") == district) & (pl.col("school_year") == 2025)
    )
    by_id = {r["id"]: r for r in doc["rules"]}
    assert by_id["EOY-001"]["count"] == expected
    listing = by_id["EOY-LIST"]
    assert listing["count"] == enrollments.height and listing["shown"] == min(5, enrollments.height)
    assert listing["truncated"] == (enrollments.height > 5)
    assert [r["enrollment_id"] for r in listing["rows"]] == sorted(enrollments["enrollment_id"].to_list())[:5]
    assert doc["params"]["district_number"] == district
    assert "District:" in doc["scope"] and district in doc["scope"]


def test_validate_html_report(world, tmp_path):
    pack, data = world
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["validate", "--rules", str(pack), "--data", str(data / "state"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "Summary" in html and "Back To Summary" in html and 'href="#rule-EOY-001"' in html
    assert "2 rules:" in result.stderr


def test_rules_test_runs_the_cases(world):
    pack, _ = world
    result = CliRunner().invoke(cli, ["rules", "test", "--rules", str(pack)])
    lines = result.stdout.strip().splitlines()
    assert "FAIL EOY-LIST: no fixture cases (add rules/cases/EOY-LIST.toml)" in lines
    assert lines[-1] == "2 passed, 1 failed" and result.exit_code == 1
