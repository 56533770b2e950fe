"""The Spark engine returns the polars engine's RunResult on the demo state: same statuses, counts,
capped rows (same order), scope filters; and ``certlib validate --engine spark`` works."""

from __future__ import annotations

import json

import polars as pl
from click.testing import CliRunner

from certlib.cli import cli
from certlib.engine.run import validate
from certlib.rules import load_pack

DATA = "sample_data/state/state"
PACK = load_pack()
GROUP = "Calendar Certification"


def _same(a, b) -> None:
    assert [r.id for r in a.rules] == [r.id for r in b.rules]
    for x, y in zip(a.rules, b.rules, strict=True):
        assert (x.status, x.count, x.truncated, x.error) == (y.status, y.count, y.truncated, y.error), x.id
        assert x.rows.columns == y.rows.columns, x.id
        assert x.rows.cast({c: pl.String for c in x.rows.columns}).rows() == \
            y.rows.cast({c: pl.String for c in y.rows.columns}).rows(), x.id


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
    result = CliRunner().invoke(cli, ["validate", "--data", DATA, "--group", GROUP, "--engine", "spark",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    monkeypatch.setenv("CERTLIB_ENGINE", "spark")
    run = validate(PACK, DATA, groups=[GROUP])
    assert run.engine == "spark" and [r.id for r in run.rules] == sorted(r.id for r in PACK.rules_in([GROUP]))
    assert report  # a full report rendered from the Spark run
