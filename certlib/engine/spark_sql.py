"""Repairs of sqlglot's Spark SQL where Spark would parse differently or answer differently.

Why: the compiler prints rules for Spark with sqlglot's generic Spark generator; the differential test
(tests/spark) found constructs that Spark refuses or evaluates unlike polars and DuckDB. Each repair
here is typed (annotated against the tables' schemas) and touches only its construct:

- ``x = ANY (subquery)`` -> ``x IN (subquery)`` (Spark SQL cannot parse the former)
- ``date - date`` -> ``DATEDIFF(a, b)`` (Spark answers an interval, the rules mean whole days)
- ``CAST(double AS int)`` -> ``CAST(BROUND(double) AS int)`` (round half to even like the polars target,
  not truncation; the compiler's integer division ``CAST(int / int AS BIGINT)`` is left alone)
- ``double / double`` -> ``±Infinity`` / ``NaN`` on a zero divisor (Spark answers NULL, polars IEEE)

>>> repair("SELECT a.d1 - a.d2 AS n FROM a AS a", {"a": {"d1": "DATE", "d2": "DATE"}})
'SELECT DATEDIFF(a.d1, a.d2) AS n FROM a AS a'
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types

from certlib.rules.catalog import check_target_sql

_INTS = (exp.DataType.Type.INT, exp.DataType.Type.BIGINT, exp.DataType.Type.SMALLINT, exp.DataType.Type.TINYINT)
_FLOATS = (exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT, exp.DataType.Type.DECIMAL)


def _is(node: exp.Expression, *types: exp.DataType.Type) -> bool:
    return isinstance(node.type, exp.DataType) and node.type.is_type(*types)


def _int_div(node: exp.Expression) -> bool:
    """The compiler's integer division, ``CAST(int / int AS BIGINT)``: truncation is meant there."""
    return isinstance(node, exp.Div) and _is(node.this, *_INTS) and _is(node.expression, *_INTS)


def _double(text: str) -> exp.Expression:
    return exp.cast(exp.Literal.string(text), exp.DataType.build("DOUBLE"))


def _fix(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.EQ) and isinstance(node.expression, exp.Any):
        query = node.expression.this
        query = query.this if isinstance(query, exp.Subquery) else query
        if isinstance(query, exp.Query):
            return exp.In(this=node.this, query=exp.Subquery(this=query))
    if (
        isinstance(node, exp.Sub)
        and _is(node.this, exp.DataType.Type.DATE)
        and _is(node.expression, exp.DataType.Type.DATE)
    ):
        return exp.Anonymous(this="DATEDIFF", expressions=[node.this, node.expression])
    if isinstance(node, exp.Cast) and node.to.is_type(*_INTS) and _is(node.this, *_FLOATS) and not _int_div(node.this):
        node.set("this", exp.Anonymous(this="BROUND", expressions=[node.this]))
        return node
    if isinstance(node, exp.Div) and _is(node.expression, *_FLOATS):
        num, den = node.this, node.expression
        zero = exp.Literal.number(0)
        on_zero = exp.Case(
            ifs=[
                exp.If(this=exp.GT(this=num.copy(), expression=zero.copy()), true=_double("Infinity")),
                exp.If(this=exp.LT(this=num.copy(), expression=zero.copy()), true=_double("-Infinity")),
                exp.If(this=exp.EQ(this=num.copy(), expression=zero.copy()), true=_double("NaN")),
            ]
        )
        return exp.Case(
            ifs=[exp.If(this=exp.EQ(this=den.copy(), expression=zero), true=on_zero)],
            default=exp.Div(this=num, expression=den),
        )
    return node


def repair(sql: str, schema: Mapping[str, Mapping[str, str]]) -> str:
    """``sql`` (Spark SQL) with the constructs above rewritten; ``schema`` is {table: {column: type}}.

    The result is checked against Spark's allowlist (:func:`certlib.rules.catalog.check_target_sql`) just
    before it is handed to Spark: ``reflect``, ``java_method``, ``input_file_name`` and anything else
    outside the catalog raise :class:`~certlib.errors.RuleError` instead of running."""
    check_target_sql(sql, "spark")
    tree = annotate_types(sqlglot.parse_one(sql, read="spark"), schema={k: dict(v) for k, v in schema.items()})
    out = tree.transform(_fix, copy=False).sql(dialect="spark")
    check_target_sql(out, "spark")
    return out


def frame_schema(frames: Mapping[str, object]) -> dict[str, dict[str, str]]:
    """{table: {column: Spark SQL type}} of Spark DataFrames (what :func:`repair` annotates with)."""
    return {
        name: {f.name: f.dataType.simpleString() for f in frame.schema.fields}  # type: ignore[attr-defined]
        for name, frame in frames.items()
    }
