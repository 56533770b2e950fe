"""Every fixture case of every rule of the default pack, run on DuckDB (the referee), plus pack-shape
checks (ids, headers, groups, key columns, planted-defect rule ids)."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from pack_oracle import (  # noqa: E402
    DEFAULT_PARAMS,
    all_rules,
    connect_tables,
    key_columns,
    load_cases,
    load_pack_toml,
    main_table,
    rule_keys,
    run_rule,
)

RULES = all_rules()
BY_ID = {r.id: r for r in RULES}
PLANTED = {  # contracts.md defect table: rule id -> (table, key columns)
    "EOY-001": ("attendance_summary", ["enrollment_id"]),
    "ENR-002": ("enrollments", ["enrollment_id"]),
    "ATT-003": ("attendance_daily", ["enrollment_id", "attendance_date"]),
    "ENR-004": ("enrollments", ["enrollment_id"]),
    "ENR-005": ("enrollments", ["enrollment_id"]),
    "STU-001": ("students", ["district_number", "local_student_id"]),
    "ENR-006": ("enrollments", ["enrollment_id"]),
    "ENR-007": ("enrollments", ["enrollment_id"]),
    "SPED-001": ("special_ed", ["iep_id"]),
    "504-001": ("plans_504", ["plan_id"]),
    "SPED-002": ("special_ed", ["iep_id"]),
    "BEH-001": ("behavior_incidents", ["incident_id"]),
    "ATT-004": ("attendance_daily", ["enrollment_id", "attendance_date"]),
    "ATT-005": ("attendance_daily", ["enrollment_id", "attendance_date"]),
}


def _cases():
    for rule in RULES:
        for i, case in enumerate(load_cases(rule.id)):
            yield pytest.param(rule.id, i, id=f"{rule.id}::{case['name']}")


def _norm(v):
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


@pytest.mark.parametrize(("rule_id", "index"), list(_cases()))
def test_fixture_case(rule_id: str, index: int) -> None:
    rule = BY_ID[rule_id]
    case = load_cases(rule_id)[index]
    con = connect_tables(case.get("tables", {}))
    params = {**DEFAULT_PARAMS, **case.get("params", {})}
    got = Counter(rule_keys(con, rule, params))
    expected = Counter(tuple(_norm(v) for v in key) for key in case["expect"])
    assert got == expected


def test_pack_size_and_mix() -> None:
    active = [r for r in RULES if r.status == "active"]
    assert len(active) >= 28
    sev = Counter(r.severity for r in active)
    assert sev["fatal"] and sev["warning"] and sev["info"] >= 3
    groups = {g["name"] for g in load_pack_toml()["groups"]}
    per_group = Counter(g for r in active for g in r.groups)
    assert set(per_group) == groups, "every rule group is a pack group and every group has rules"
    assert all(per_group[g] >= 3 for g in groups), per_group
    assert any(r.meta["title"] == ["End of Year Attendance Certification"] and r.severity == "info" for r in active)


def test_headers_and_file_names() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for r in RULES:
        assert r.path.name.startswith(r.id + "_"), r.path.name
        for key in ("title", "severity", "group", "description", "resolution"):
            assert r.meta.get(key) and all(v.strip() for v in r.meta[key]), (r.id, key)
        assert r.severity in ("fatal", "warning", "info")
        assert "re-run" in r.meta["resolution"][0] or r.severity == "info", r.id


def test_planted_rules_exist_with_their_table_and_keys() -> None:
    for rule_id, (table, keys) in PLANTED.items():
        rule = BY_ID[rule_id]
        assert main_table(rule) == table
        assert key_columns(rule) == keys


@pytest.mark.parametrize("rule_id", sorted(BY_ID))
def test_rule_returns_keys_and_scope_columns(rule_id: str) -> None:
    rule = BY_ID[rule_id]
    con = connect_tables({})
    cols, rows = run_rule(con, rule)
    assert rows == []
    table = load_pack_toml()["tables"][main_table(rule)]
    wanted = list(table["keys"]) + [c for c in ("district_number", "school_code") if c in table["columns"]]
    assert set(wanted) <= set(cols), (wanted, cols)
    assert len(cols) == len(set(cols)), "output column names are unique"


@pytest.mark.parametrize("rule_id", sorted(BY_ID))
def test_every_rule_has_a_finding_and_a_passing_case(rule_id: str) -> None:
    cases = load_cases(rule_id)
    assert any(c["expect"] for c in cases), "a case that finds rows"
    assert any(c["expect"] == [] for c in cases), "a case that passes"


def test_no_hard_coded_school_year() -> None:
    for r in RULES:
        assert "2025" not in r.sql and "2024" not in r.sql, r.id


def test_parameters_change_results() -> None:
    """:school_year is bound, not pasted: the same calendar row is in the year or outside it."""
    rule = BY_ID["CAL-002"]
    con = connect_tables(
        {
            "calendar_days": [
                {
                    "district_number": "1071",
                    "school_code": "0588",
                    "school_year": 2025,
                    "calendar_date": date(2024, 8, 19),
                    "instructional": True,
                }
            ]
        }
    )
    assert rule_keys(con, rule, {"school_year": 2025}) == []
    assert rule_keys(con, rule, {"school_year": 2026}) == [("0588", "2024-08-19")]
