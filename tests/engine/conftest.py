"""Shared fixtures of the engine tests: a tiny hand-made pack and data directory, hand-built rules.

The tests build :class:`CompiledRule` objects by hand with polars SQL, so the engine is tested on
its own, independent of the compiler.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from certlib.rules.model import Column, CompiledRule, Group, Pack, Rule, TableSchema


def make_pack(root: Path | None = None, rules: dict[str, Rule] | None = None) -> Pack:
    """Three tables: two district-scoped ones and a statewide lookup without a district column."""
    tables = {
        "enrollments": TableSchema(
            name="enrollments",
            columns=(
                Column("enrollment_id", "int"),
                Column("district_number", "string"),
                Column("school_code", "string"),
                Column("grade", "string"),
                Column("start_date", "date"),
                Column("active", "bool"),
            ),
            keys=("enrollment_id",),
            district_key="district_number",
            school_key="school_code",
        ),
        "attendance_summary": TableSchema(
            name="attendance_summary",
            columns=(
                Column("enrollment_id", "int"),
                Column("district_number", "string"),
                Column("school_code", "string"),
                Column("ada_days_enrolled", "float"),
                Column("ada_days_present", "float"),
            ),
            keys=("enrollment_id",),
            district_key="district_number",
            school_key="school_code",
        ),
        "grade_codes": TableSchema(
            name="grade_codes",
            columns=(Column("grade", "string"), Column("label", "string")),
            keys=("grade",),
        ),
    }
    groups = {
        "Enrollment": Group("Enrollment", "district"),
        "End of Year Attendance": Group("End of Year Attendance", "district"),
    }
    return Pack(
        name="test pack",
        root=root or Path("."),
        dialect="postgres",
        max_results=1000,
        tables=tables,
        groups=groups,
        rules=rules or {},
    )


ENROLLMENTS = pl.DataFrame(
    {
        "enrollment_id": [1, 2, 3, 4, 5],
        "district_number": ["1071", "1071", "2002", "2002", "1071"],
        "school_code": ["0588", "0589", "0700", "0700", "0588"],
        "grade": ["07", "08", "13", "07", "08"],
        "start_date": [date(2024, 8, 19)] * 5,
        "active": [True, True, False, True, None],
    }
)
ATTENDANCE = pl.DataFrame(
    {
        "enrollment_id": [1, 2, 3, 4, 5],
        "district_number": ["1071", "1071", "2002", "2002", "1071"],
        "school_code": ["0588", "0589", "0700", "0700", "0588"],
        "ada_days_enrolled": [170.0, 170.0, 170.0, 100.0, 170.0],
        "ada_days_present": [171.0, 160.0, 175.0, 100.0, 180.0],
    }
)
GRADES = pl.DataFrame({"grade": [f"{g:02d}" for g in range(13)], "label": [f"grade {g}" for g in range(13)]})


@pytest.fixture
def pack() -> Pack:
    return make_pack()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data directory with one parquet per table (and the lookup as CSV)."""
    d = tmp_path / "data"
    d.mkdir()
    ENROLLMENTS.write_parquet(d / "enrollments.parquet")
    ATTENDANCE.write_parquet(d / "attendance_summary.parquet")
    GRADES.write_csv(d / "grade_codes.csv")
    return d


def make_rule(
    rule_id: str,
    sql: str,
    *,
    severity: str = "fatal",
    keys: tuple[str, ...] = ("enrollment_id",),
    tables: tuple[str, ...] = ("enrollments",),
    title: str | None = None,
    groups: tuple[str, ...] = ("Enrollment",),
    max_results: int | None = None,
    dataset: str | None = None,
) -> CompiledRule:
    rule = Rule(
        id=rule_id,
        title=title or f"Rule {rule_id}",
        severity=severity,  # type: ignore[arg-type]
        groups=groups,
        description=f"What {rule_id} checks.",
        resolution=f"How to fix {rule_id}.",
        sql=sql,
        max_results=max_results,
        dataset=dataset,
    )
    return CompiledRule(rule=rule, sql=sql, dialect="polars", tables=tables, key_columns=keys)


# Hand-compiled rules over the tiny data above (polars SQL).
# (pytest's importlib mode cannot import this module by name: tests reach all of it through fixtures.)
PRESENT_GT_ENROLLED = make_rule(
    "EOY-001",
    "SELECT enrollment_id, district_number, ada_days_enrolled, ada_days_present FROM attendance_summary "
    "WHERE ada_days_present > ada_days_enrolled",
    tables=("attendance_summary",),
    groups=("End of Year Attendance",),
    title="ADA days present exceed days enrolled",
)
GRADE_UNKNOWN = make_rule(
    "ENR-005",
    "SELECT e.enrollment_id, e.grade FROM enrollments e LEFT JOIN grade_codes g ON e.grade = g.grade "
    "WHERE g.grade IS NULL",
    severity="warning",
    tables=("enrollments", "grade_codes"),
)
ALL_ENROLLMENTS = make_rule(
    "INFO-001",
    "SELECT e.enrollment_id, e.district_number, a.ada_days_present FROM enrollments e "
    "JOIN attendance_summary a ON a.enrollment_id = e.enrollment_id",
    severity="info",
    tables=("enrollments", "attendance_summary"),
    title="End of Year Attendance Certification",
)


@pytest.fixture
def rule_factory():
    """``rule_factory(id, sql, severity=..., keys=..., ...)`` -> a hand-compiled rule."""
    return make_rule


@pytest.fixture
def rules() -> SimpleNamespace:
    """Three working rules over the data of ``data_dir``: fatal (3 rows), warning (1), info (5)."""
    return SimpleNamespace(present=PRESENT_GT_ENROLLED, grade=GRADE_UNKNOWN, info=ALL_ENROLLMENTS)


@pytest.fixture
def sample() -> SimpleNamespace:
    """The frames written into ``data_dir``."""
    return SimpleNamespace(enrollments=ENROLLMENTS, attendance=ATTENDANCE, grades=GRADES)
