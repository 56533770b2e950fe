"""PolarsEngine: one batch per run, true counts under a row cap, stable order, per-rule errors."""

from __future__ import annotations

import re

import polars as pl
import pytest

from certlib.engine import Engine, PolarsEngine, scan_tables
from certlib.engine.bounds import UNBOUNDED
from certlib.engine.polars_engine import _OPTIMIZATIONS


@pytest.fixture
def frames(data_dir, pack):
    return scan_tables(data_dir, pack)


def test_polars_engine_satisfies_the_engine_interface():
    assert isinstance(PolarsEngine(), Engine)


def test_results_in_rule_order_with_counts_and_status(frames, rules):
    run = PolarsEngine().run([rules.present, rules.grade, rules.info], frames)
    assert [(r.id, r.status, r.count) for r in run.rules] == [
        ("EOY-001", "failed", 3),
        ("ENR-005", "failed", 1),
        ("INFO-001", "failed", 5),
    ]
    present = run.rule("EOY-001")
    assert present.rows["enrollment_id"].to_list() == [1, 3, 5]
    assert not present.truncated and present.error is None
    assert present.groups == ("End of Year Attendance",) and present.severity == "fatal"
    assert all(r.elapsed_ms > 0 for r in run.rules)


def test_a_rule_without_rows_passes(frames, rule_factory):
    ok = rule_factory("OK-1", "SELECT enrollment_id FROM enrollments WHERE grade = 'zz'")
    result = PolarsEngine().run([ok], frames).rules[0]
    assert (result.status, result.count, result.rows.height, result.rows.columns) == (
        "passed",
        0,
        0,
        ["enrollment_id"],
    )


def test_batch_scans_each_file_once(frames, rules):
    """All rules share one plan: each parquet file appears under exactly one SCAN node (cached)."""
    engine, batch = PolarsEngine(), [rules.present, rules.grade, rules.info]
    plan = engine.explain(batch, frames)
    scans = re.findall(r"Parquet SCAN \[([^\]]+)\]", plan)
    assert sorted(s.rsplit("/", 1)[-1] for s in scans) == ["attendance_summary.parquet", "enrollments.parquet"]
    assert plan.count("CACHE[") >= 4  # both tables are read by two rules, through caches
    # control: without subplan elimination the same batch would scan the files several times
    ctx = pl.SQLContext(frames)
    separate = pl.explain_all(
        [ctx.execute(r.sql) for r in batch],
        optimizations=pl.QueryOptFlags(comm_subplan_elim=False),
    )
    assert len(re.findall(r"Parquet SCAN", separate)) == 4
    assert _OPTIMIZATIONS.comm_subplan_elim is True


def test_engine_collects_everything_in_one_collect_all(frames, rules, monkeypatch):
    calls = []
    real = pl.collect_all

    def spy(lazy_frames, **kw):
        calls.append(len(list(lazy_frames)) if not isinstance(lazy_frames, list) else len(lazy_frames))
        return real(lazy_frames, **kw)

    monkeypatch.setattr(pl, "collect_all", spy)
    monkeypatch.setattr(pl.LazyFrame, "collect", lambda *a, **k: pytest.fail("collected one by one"))
    PolarsEngine(bounds=UNBOUNDED).run([rules.present, rules.grade, rules.info], frames)
    assert calls == [3]


def test_max_results_caps_rows_but_keeps_true_count(frames, rules):
    run = PolarsEngine().run([rules.info, rules.present], frames, max_results=2)
    info = run.rule("INFO-001")
    assert (info.count, info.rows.height, info.truncated) == (5, 2, True)
    assert info.rows["enrollment_id"].to_list() == [1, 2]  # the first keys, not any two rows


def test_rule_max_results_overrides_the_run_default(frames, rule_factory):
    capped = rule_factory("CAP-1", "SELECT enrollment_id FROM enrollments", max_results=1)
    result = PolarsEngine().run([capped], frames, max_results=100).rules[0]
    assert (result.count, result.rows.height, result.truncated, result.max_results) == (5, 1, True, 1)


def test_max_results_zero_still_counts(frames, rules):
    result = PolarsEngine().run([rules.info], frames, max_results=0).rules[0]
    assert (result.count, result.rows.height, result.truncated, result.status) == (5, 0, True, "failed")
    assert result.rows.columns == ["enrollment_id", "district_number", "ada_days_present"]


def test_order_is_deterministic_keys_first_then_all_columns(frames, rule_factory):
    # many rows sharing a key: order must come from the other columns, nulls last
    rule = rule_factory(
        "ORD-1",
        "SELECT e.district_number AS k, a.ada_days_present AS v, e.grade FROM enrollments e "
        "CROSS JOIN attendance_summary a",
        keys=("k",),
    )
    engine = PolarsEngine()
    runs = [engine.run([rule], frames).rules[0].rows for _ in range(5)]
    for rows in runs[1:]:
        assert rows.equals(runs[0])
    expected = runs[0].sort(["k", "v", "grade"], nulls_last=True)
    assert runs[0].equals(expected)
    assert runs[0].height == 25


def test_nulls_sort_last(frames, rule_factory):
    rule = rule_factory("NUL-1", "SELECT enrollment_id, active FROM enrollments", keys=("active",))
    rows = PolarsEngine().run([rule], frames).rules[0].rows
    assert rows["active"].to_list() == [False, True, True, True, None]


def test_rule_failing_at_run_time_is_an_error_and_the_others_still_run(frames, rules, rule_factory):
    boom = rule_factory("BAD-1", "SELECT enrollment_id, CAST(grade || 'x' AS INTEGER) AS g FROM enrollments")
    run = PolarsEngine().run([rules.present, boom, rules.grade], frames)
    assert [(r.id, r.status, r.count) for r in run.rules] == [
        ("EOY-001", "failed", 3),
        ("BAD-1", "error", 0),
        ("ENR-005", "failed", 1),
    ]
    bad = run.rule("BAD-1")
    assert "conversion from `str` to `i32` failed" in bad.error
    assert bad.rows.height == 0
    assert run.blocking


def test_rule_failing_to_plan_is_an_error_and_the_others_still_run(frames, rules, rule_factory):
    unknown = rule_factory("BAD-2", "SELECT nope FROM enrollments")
    syntax = rule_factory("BAD-3", "SELEC enrollment_id FROM")
    run = PolarsEngine().run([unknown, rules.grade, syntax], frames)
    assert [r.status for r in run.rules] == ["error", "failed", "error"]
    assert 'unable to find column "nope"' in run.rule("BAD-2").error
    assert run.rule("ENR-005").rows["enrollment_id"].to_list() == [3]


def test_progress_reports_every_rule_and_the_collect(frames, rules):
    seen = []
    PolarsEngine().run([rules.present, rules.grade], frames, progress=lambda d, t, label: seen.append((d, t, label)))
    assert seen == [(1, 3, "EOY-001"), (2, 3, "ENR-005"), (2, 3, "collecting"), (3, 3, "done")]


def test_empty_run(frames):
    run = PolarsEngine().run([], frames)
    assert run.rules == [] and not run.blocking and run.summary == []


def test_scope_applies_to_rule_results(data_dir, pack, rules):
    frames = scan_tables(data_dir, pack, scope={"district_number": "1071"})
    run = PolarsEngine().run([rules.present, rules.grade, rules.info], frames)
    assert run.rule("EOY-001").rows["enrollment_id"].to_list() == [1, 5]
    assert run.rule("ENR-005").status == "passed"  # grade 13 is in district 2002
    assert run.rule("INFO-001").count == 3


def test_in_memory_frames_work_too(sample, rules):
    frames = {"attendance_summary": sample.attendance, "enrollments": sample.enrollments, "grade_codes": sample.grades}
    assert PolarsEngine().run([rules.present], frames).rules[0].count == 3


def test_failed_batch_is_bisected_so_good_rules_stay_batched(frames, rules, rule_factory, monkeypatch):
    boom1 = rule_factory("BAD-1", "SELECT enrollment_id, CAST(grade || 'x' AS INTEGER) AS g FROM enrollments")
    boom2 = rule_factory("BAD-2", "SELECT enrollment_id, CAST(school_code || 'y' AS INTEGER) AS s FROM enrollments")
    batch = [rules.present, boom1, rules.grade, rules.info, boom2, rules.present]
    sizes: list[int] = []
    real = pl.collect_all

    def spy(lazy_frames, **kw):
        sizes.append(len(lazy_frames))
        return real(lazy_frames, **kw)

    monkeypatch.setattr(pl, "collect_all", spy)
    run = PolarsEngine(bounds=UNBOUNDED).run(batch, frames)  # the spy sees only an in-process collect
    assert [r.status for r in run.rules] == ["failed", "error", "failed", "failed", "error", "failed"]
    assert [r.count for r in run.rules] == [3, 0, 1, 5, 0, 3]
    assert "i32" in run.rule("BAD-2").error or "conversion" in run.rule("BAD-2").error
    assert sizes[0] == 6 and len(sizes) < 2 * len(batch)  # bisected, not one collect per rule
