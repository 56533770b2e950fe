"""RunResult: blocking = any fatal failure or any error; summary by dataset and severity."""

from __future__ import annotations

import polars as pl
import pytest

from certlib.engine.results import RuleResult, RunResult


def result(rule_id: str, severity: str, status: str, count: int = 0, dataset: str | None = None) -> RuleResult:
    return RuleResult(
        id=rule_id,
        title=f"title {rule_id}",
        severity=severity,
        groups=("G",),
        dataset=dataset or f"title {rule_id}",
        status=status,  # type: ignore[arg-type]
        count=count,
        rows=pl.DataFrame(),
        truncated=False,
        elapsed_ms=1.0,
        error="boom" if status == "error" else None,
    )


@pytest.mark.parametrize(
    ("results", "blocking"),
    [
        ([], False),
        ([result("A", "fatal", "passed")], False),
        ([result("A", "warning", "failed", 4), result("B", "info", "failed", 9)], False),
        ([result("A", "fatal", "failed", 1)], True),
        ([result("A", "info", "error")], True),  # an error blocks whatever the severity
        ([result("A", "warning", "error"), result("B", "fatal", "passed")], True),
    ],
)
def test_blocking(results, blocking):
    assert RunResult(rules=results).blocking is blocking


def test_summary_groups_by_dataset_and_severity_fatal_first():
    run = RunResult(
        rules=[
            result("I1", "info", "failed", 173, dataset="End of Year Attendance Certification"),
            result("W1", "warning", "failed", 2, dataset="Enrollment"),
            result("F1", "fatal", "failed", 3, dataset="Enrollment"),
            result("F2", "fatal", "passed", 0, dataset="Enrollment"),
            result("F3", "fatal", "error", 0, dataset="Attendance"),
        ]
    )
    assert [(s.dataset, s.severity, s.records, s.rule_ids, s.errors) for s in run.summary] == [
        ("Attendance", "fatal", 0, ("F3",), 1),
        ("Enrollment", "fatal", 3, ("F1", "F2"), 0),
        ("Enrollment", "warning", 2, ("W1",), 0),
        ("End of Year Attendance Certification", "info", 173, ("I1",), 0),
    ]
    assert run.counts_by_severity == {"fatal": 3, "warning": 2, "info": 173}
    assert run.failed_by_severity == {"fatal": 1, "warning": 1, "info": 1}
    assert run.one_line() == "5 rules: 1 passed, 3 failed (fatal 1, warning 1, info 1), 1 error; blocking"
    assert [r.id for r in run.errors] == ["F3"]
    with pytest.raises(KeyError):
        run.rule("nope")
