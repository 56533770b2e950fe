"""Polars and Spark agree: every default rule and every tricky query of tests/rules gives the same
multiset of rows on both engines, on the same seeded tables (NULLs, duplicates, edge values)."""

from __future__ import annotations

import pytest

from certlib.rules import compile_rule, compile_sql
from tests.rules.differential import PARAMS, multiset, random_tables, run_polars
from tests.rules.test_differential import MORE_TRICKY, PACK, SEEDS, TRICKY

QUERIES = {**TRICKY, **MORE_TRICKY}
SPARK_SEEDS = SEEDS[:1]  # one seed on Spark keeps the suite fast; tests/rules runs all seeds vs DuckDB
#: divergences this test finds that certlib.engine.spark_sql does not repair yet (none at the moment;
#: fixed so far: = ANY (subquery), date - date, CAST(double AS INT), double / 0.0)
KNOWN: dict[str, str] = {}
_VIEWS: dict[tuple[int, int], dict] = {}


def _register(spark, seed: int, rows: int):
    """The seeded polars frames, also registered as Spark temp views (converted once per seed/size)."""
    from certlib.engine.spark_engine import SparkEngine

    if (seed, rows) not in _VIEWS:
        frames = random_tables(PACK, seed, rows=rows)
        engine = SparkEngine(spark)
        _VIEWS[(seed, rows)] = {"polars": frames, "spark": {n: engine.to_spark(f).cache() for n, f in frames.items()}}
    for name, frame in _VIEWS[(seed, rows)]["spark"].items():
        frame.createOrReplaceTempView(name)
    return _VIEWS[(seed, rows)]["polars"]


def run_spark(spark, sql: str):
    """Run as the engine does: the compiler's Spark SQL, repaired against the registered tables' types."""
    from certlib.engine.spark_sql import frame_schema, repair

    schema = frame_schema({name: spark.table(name) for name in PACK.tables})
    return multiset(tuple(r) for r in spark.sql(repair(sql, schema)).collect())


@pytest.mark.parametrize("seed", SPARK_SEEDS)
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN[n], strict=True)) if n in KNOWN else n
        for n in sorted(QUERIES)
    ],
)
def test_tricky_query_same_on_spark(spark, name: str, seed: int):
    frames = _register(spark, seed, 30)
    polars_sql = compile_sql(QUERIES[name], PACK, params=PARAMS).sql
    spark_sql = compile_sql(QUERIES[name], PACK, target="spark", params=PARAMS).sql
    assert run_spark(spark, spark_sql) == run_polars(polars_sql, frames), f"{name}: Spark differs\n{spark_sql}"


@pytest.mark.parametrize("seed", SPARK_SEEDS)
@pytest.mark.parametrize("rule_id", sorted(PACK.rules))
def test_every_default_rule_same_on_spark(spark, rule_id: str, seed: int):
    frames = _register(spark, seed, 40)
    rule = PACK.rules[rule_id]
    polars_sql = compile_rule(rule, PACK, params=PARAMS).sql
    spark_sql = compile_rule(rule, PACK, target="spark", params=PARAMS).sql
    assert run_spark(spark, spark_sql) == run_polars(polars_sql, frames), f"{rule_id}: Spark differs\n{spark_sql}"
