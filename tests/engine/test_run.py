"""validate(): compile + scan + run in one call; scope becomes parameters and the report's label."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

import certlib.rules
from certlib.engine.run import validate
from certlib.errors import RuleError
from certlib.rules.model import Column, Diagnostic, TableSchema


@pytest.fixture
def district_pack(pack, rules, data_dir):
    districts = TableSchema(
        name="districts",
        columns=(Column("district_number", "string"), Column("district_name", "string")),
        keys=("district_number",),
        district_key="district_number",
    )
    pl.DataFrame(
        {"district_number": ["1071", "2002"], "district_name": ["North Star Public School", "Elm"]}
    ).write_parquet(data_dir / "districts.parquet")
    by_id = {r.rule.id: r.rule for r in (rules.present, rules.grade, rules.info)}
    return replace(pack, tables={**pack.tables, "districts": districts}, rules=by_id)


@pytest.fixture
def compiler(monkeypatch, rules):
    calls: list[dict] = []
    by_id = {r.rule.id: r for r in (rules.present, rules.grade, rules.info)}

    def compile_rule(rule, pack, target="polars", params=None):
        calls.append({"id": rule.id, "target": target, **(params or {})})
        return replace(by_id[rule.id], rule=rule)

    monkeypatch.setattr(certlib.rules, "compile_rule", compile_rule, raising=False)
    return calls


def test_validate_runs_groups_with_scope_label_and_params(district_pack, data_dir, compiler):
    run = validate(
        district_pack,
        data_dir,
        groups=["Enrollment"],
        scope={"district": "1071"},
        params={"school_year": 2024},
        now=datetime(2025, 7, 30, 13, 0),
    )
    assert [r.id for r in run.rules] == ["ENR-005", "INFO-001"]
    assert run.title == "Enrollment"
    assert run.scope_label == "District: North Star Public School (1071)"
    assert run.params == {"school_year": 2024, "as_of_date": date(2025, 6, 30), "district_number": "1071"}
    assert run.generated_at == datetime(2025, 7, 30, 13, 0)
    assert run.source_label == str(data_dir)
    assert {c["target"] for c in compiler} == {"polars"} and compiler[0]["district_number"] == "1071"
    assert run.rule("INFO-001").count == 3  # scoped
    assert run.rule("INFO-001").max_results == 1000  # the pack's default cap


def test_validate_all_rules_unscoped(district_pack, data_dir, compiler):
    run = validate(district_pack, data_dir, max_results=1)
    assert [r.count for r in run.rules] == [3, 1, 5] and run.scope_label == ""
    assert run.title == district_pack.name and run.rule("INFO-001").truncated


def test_unknown_group_and_scope_are_refused(district_pack, data_dir, compiler):
    with pytest.raises(RuleError, match="unknown validation group 'Enrolment'"):
        validate(district_pack, data_dir, groups=["Enrolment"])
    with pytest.raises(RuleError, match="unknown scope 'county'"):
        validate(district_pack, data_dir, scope={"county": "1"})


def test_a_rule_that_does_not_compile_is_a_rule_error_and_the_rest_run(district_pack, data_dir, monkeypatch, rules):

    def compile_rule(rule, pack, target="polars", params=None):
        diag = Diagnostic(rule.id, f"{rule.id}.sql", 3, 7, "error", "unknown-column", "unknown column 'x'")
        if rule.id == "EOY-001":
            raise RuleError("syntax error at 1:1", [diag])
        if rule.id == "ENR-005":
            from certlib.rules.model import CompiledRule

            return CompiledRule(rule=rule, sql="", dialect="polars", tables=(), key_columns=(), diagnostics=(diag,))
        return rules.info

    monkeypatch.setattr(certlib.rules, "compile_rule", compile_rule, raising=False)
    run = validate(district_pack, data_dir)
    assert [(r.id, r.status) for r in run.rules] == [
        (r.id, "error" if r.id != "INFO-001" else "failed") for r in district_pack.rules.values()
    ]
    assert "syntax error at 1:1" in run.rule("EOY-001").error
    assert "ENR-005.sql:3:7: error: unknown column 'x'" in run.rule("ENR-005").error
    assert run.rule("INFO-001").count == 5 and run.blocking  # a rule error blocks certification


def test_a_rule_file_left_out_of_the_pack_is_a_rule_error_of_its_groups(district_pack, data_dir, compiler):
    from certlib.rules.model import BrokenRule

    diag = Diagnostic("DUP-1", "dup.sql", 1, 1, "error", "duplicate-id", "rule id 'DUP-1' is also used by x.sql")
    bad = BrokenRule("DUP-1", Path("dup.sql"), ("End of Year Attendance",), (diag,))
    typo = BrokenRule("TYPO-1", Path("typo.sql"), ("Enrolment",), (diag,))  # an undeclared group: in every run
    pack = replace(district_pack, broken=(bad, typo))
    assert [r.id for r in validate(pack, data_dir, groups=["Enrollment"]).rules] == ["ENR-005", "INFO-001", "TYPO-1"]
    run = validate(pack, data_dir, groups=["End of Year Attendance"])
    assert run.rule("DUP-1").status == "error" and "also used by x.sql" in run.rule("DUP-1").error
    assert run.blocking
