"""The Spark engine returns the polars engine's RunResult on the demo state: same statuses, counts,
capped rows (same order), scope filters; and ``certlib validate --engine spark`` works."""

from __future__ import annotations

import json

import polars as pl
import pytest
from click.testing import CliRunner

from certlib.cli import cli
from certlib.engine.bounds import Bounds
from certlib.engine.run import validate
from certlib.engine.spark_engine import SparkEngine
from certlib.rules import load_pack

DATA = "sample_data/state/state"
PACK = load_pack()
GROUP = "Calendar Certification"


def _same(a, b) -> None:
    assert [r.id for r in a.rules] == [r.id for r in b.rules]
    for x, y in zip(a.rules, b.rules, strict=True):
        assert (x.status, x.count, x.truncated, x.error) == (y.status, y.count, y.truncated, y.error), x.id
        assert x.rows.columns == y.rows.columns, x.id
        assert (
            x.rows.cast({c: pl.String for c in x.rows.columns}).rows()
            == y.rows.cast({c: pl.String for c in y.rows.columns}).rows()
        ), x.id


def test_demo_state_same_run_result_on_spark(spark):
    """Every rule of the pack on one district of the demo state (the scope filter applied by Spark)."""
    scope = {"district": "1071"}
    polars_run = validate(PACK, DATA, scope=scope, engine="polars", max_results=25)
    spark_run = validate(PACK, DATA, scope=scope, engine="spark", max_results=25)
    assert spark_run.engine == "spark" and polars_run.engine == "polars"
    _same(spark_run, polars_run)
    assert sum(r.count for r in spark_run.rules) > 0 and any(r.truncated for r in spark_run.rules)
    assert spark_run.summary == polars_run.summary


def test_cli_validate_engine_spark(spark, tmp_path, monkeypatch):
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli, ["validate", "--data", DATA, "--group", GROUP, "--engine", "spark", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    monkeypatch.setenv("CERTLIB_ENGINE", "spark")
    run = validate(PACK, DATA, groups=[GROUP])
    assert run.engine == "spark" and [r.id for r in run.rules] == sorted(r.id for r in PACK.rules_in([GROUP]))
    assert report  # a full report rendered from the Spark run


# ---- bounds: a runaway rule is stopped and named; the others keep their results -------------------


def _runaway_tables(engine):
    n = 60_000
    big = pl.DataFrame({"a": range(n), "b": [f"name {i}" for i in range(n)]})
    return {"big": engine.to_spark(big)}


@pytest.mark.parametrize(
    ("bounds", "named"),
    [
        (Bounds(seconds=120, memory_mb=None, rows=None), "time bound of 120 s"),
        (Bounds(seconds=None, memory_mb=None, rows=1_000_000), "row bound of 1,000,000 rows"),
    ],
    ids=["time", "rows"],
)
def test_spark_stops_a_runaway_self_cross_join(spark, bounds, named):
    from certlib.rules.model import CompiledRule, Rule

    def rule(rule_id: str, sql: str) -> CompiledRule:
        r = Rule(id=rule_id, title=rule_id, severity="fatal", groups=("G",), description="", resolution="", sql=sql)
        return CompiledRule(rule=r, sql=sql, dialect="spark", tables=("big",), key_columns=("a",))

    # one rule at a time: on local[2] a runaway's long tasks hold both cores, so a rule started beside it
    # waits for them (and would reach its own time bound too)
    engine = SparkEngine(spark, parallel=1, bounds=bounds)
    tables = _runaway_tables(engine)
    run = engine.run(
        [rule("OK-1", "SELECT a FROM big WHERE a < 3"), rule("RUN-1", "SELECT x.a, y.b FROM big x CROSS JOIN big y")],
        tables,
    )
    assert (run.rule("OK-1").status, run.rule("OK-1").count) == ("failed", 3), run.rule("OK-1").error
    stopped = run.rule("RUN-1")
    assert stopped.status == "error" and "rule RUN-1 was stopped" in stopped.error and named in stopped.error, (
        stopped.error
    )
    after = engine.run([rule("OK-2", "SELECT a FROM big WHERE a < 2")], tables).rule("OK-2")  # the session goes on
    assert (after.status, after.count) == ("failed", 2), after.error
