"""The fixture collector: TOML cases -> typed frames, strict values, run_case compares key multisets."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from certlib.engine import fixtures
from certlib.engine.fixtures import cases_by_rule, collect_cases, run_case
from certlib.errors import RuleError
from certlib.rules.model import CompiledRule

CASES = """
[[case]]
name = "present exceeds enrolled is reported"
params = { school_year = 2025, as_of_date = 2025-06-30 }
expect = [[101]]
[case.tables]
attendance_summary = [
  { enrollment_id = 101, district_number = "1071", school_code = "0588", ada_days_enrolled = 170, ada_days_present = 171.0 },
  { enrollment_id = 102, district_number = "1071", ada_days_enrolled = 170.0, ada_days_present = 160.0 },
]

[[case]]
name = "nothing to report"
expect = []
"""


@pytest.fixture
def case_pack(tmp_path, pack, rules):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "EOY-001.toml").write_text(CASES)
    return replace(pack, root=tmp_path, rules={"EOY-001": rules.present.rule, "ENR-005": rules.grade.rule})


@pytest.fixture
def fake_compiler(monkeypatch, rules):
    """Stand in for certlib.rules.compile_rule with the hand-compiled rules (records the params)."""
    seen: list[dict] = []
    by_id = {r.rule.id: r for r in (rules.present, rules.grade, rules.info)}

    def compile_rule(rule, pack, target="polars", params=None) -> CompiledRule:
        seen.append(dict(params or {}))
        return replace(by_id[rule.id], rule=rule)

    import certlib.rules

    monkeypatch.setattr(certlib.rules, "compile_rule", compile_rule, raising=False)
    return seen


def test_collects_cases_typed_by_the_pack_schema(case_pack):
    cases = collect_cases(case_pack)
    assert [c.id for c in cases] == [
        "EOY-001::present exceeds enrolled is reported",
        "EOY-001::nothing to report",
    ]
    first = cases[0]
    assert first.expect == [(101,)] and first.params == {"school_year": 2025, "as_of_date": date(2025, 6, 30)}
    frame = first.tables["attendance_summary"]
    assert frame.schema["ada_days_enrolled"] == pl.Float64 and frame.schema["enrollment_id"] == pl.Int64
    assert frame["school_code"].to_list() == ["0588", None]  # left out = NULL
    assert set(first.tables) == set(case_pack.tables)  # unlisted tables are present and empty
    assert first.tables["enrollments"].height == 0
    assert first.tables["enrollments"].schema["start_date"] == pl.Date


def test_rules_without_cases_are_visible(case_pack):
    by_rule = cases_by_rule(case_pack)
    assert len(by_rule["EOY-001"]) == 2 and by_rule["ENR-005"] == []


def test_run_case_compares_key_multisets(case_pack, fake_compiler):
    found, passing = collect_cases(case_pack)
    assert run_case(found, case_pack) == (True, [(101,)], [(101,)])
    assert run_case(passing, case_pack) == (True, [], [])
    assert fake_compiler[0]["as_of_date"] == date(2025, 6, 30)
    wrong = replace(found, expect=[(102,)])
    assert run_case(wrong, case_pack) == (False, [(101,)], [(102,)])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[case]]\nname = "x"\nexpect = []\n[case.tables]\nnope = []\n', "unknown table 'nope'"),
        (
            '[[case]]\nname = "x"\nexpect = []\n[case.tables]\nattendance_summary = [{ enrolment_id = 1 }]\n',
            "unknown column 'enrolment_id'",
        ),
        (
            '[[case]]\nname = "x"\nexpect = []\n[case.tables]\nattendance_summary = [{ enrollment_id = "x1" }]\n',
            "column 'enrollment_id' holds 'x1', which is not a valid int",
        ),
        (
            '[[case]]\nname = "x"\nexpect = []\n[case.tables]\nattendance_summary = [{ enrollment_id = 1.5 }]\n',
            "holds 1.5, which is not a valid int",
        ),
        ('[[case]]\nname = "x"\n', "'expect' must be a list"),
        ("[[case]]\nexpect = []\n", "every case needs a name"),
        ('[[case]]\nname = "x"\nexpect = []\n[[case]]\nname = "x"\nexpect = []\n', "duplicate case name 'x'"),
        ("[[case]\n", "EOY-001.toml"),
    ],
)
def test_bad_case_files_name_file_and_problem(case_pack, text, message):
    (case_pack.root / "cases" / "EOY-001.toml").write_text(text)
    with pytest.raises(RuleError, match=message.replace("(", r"\(").replace(".", r"\.")):
        collect_cases(case_pack)


def test_case_file_for_unknown_rule(case_pack):
    (case_pack.root / "cases" / "XYZ-999.toml").write_text("")
    with pytest.raises(RuleError, match="no rule with id 'XYZ-999'"):
        collect_cases(case_pack)


def test_no_cases_folder_means_no_cases(pack, tmp_path):
    assert collect_cases(replace(pack, root=tmp_path)) == []


def test_case_dates_and_bools_convert(pack):
    frame = fixtures._frame("here", pack.tables["enrollments"], [{"start_date": "2024-08-19", "active": True}])
    assert frame["start_date"].to_list() == [date(2024, 8, 19)] and frame["active"].to_list() == [True]
    with pytest.raises(RuleError, match="'active' holds 'yes', which is not a valid bool"):
        fixtures._frame("here", pack.tables["enrollments"], [{"active": "yes"}])
