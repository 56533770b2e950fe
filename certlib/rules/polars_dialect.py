"""A sqlglot dialect that prints exactly the SQL polars' ``SQLContext`` accepts.

Polars SQL is PostgreSQL-flavoured, so the dialect starts from sqlglot's Postgres and changes what
polars reads differently. ``TYPED_DIVISION = False``: polars' ``/`` is true division, so an integer
division coming from a typed dialect (Postgres, T-SQL) is printed as ``CAST(TRUNC(a / b) AS BIGINT)``
by sqlglot itself once the operand types are annotated.

>>> import sqlglot
>>> sqlglot.transpile("SELECT x ~ '^a' FROM t", read="postgres", write=Polars)[0]
"SELECT REGEXP_LIKE(x, '^a') FROM t"
>>> sqlglot.transpile("SELECT BOOL_AND(b) FROM t", read="postgres", write=Polars)[0]
'SELECT MIN(b) FROM t'
>>> sqlglot.transpile("SELECT b IS NOT TRUE FROM t", read="postgres", write=Polars)[0]
'SELECT NOT (b IS NOT DISTINCT FROM TRUE) FROM t'
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres


def _is_sql(self: Postgres.Generator, e: exp.Is) -> str:
    """``x IS TRUE`` / ``x IS FALSE`` are never NULL in SQL, but NULL for a NULL ``x`` in polars:
    printed as the null-safe comparison ``(x IS NOT DISTINCT FROM TRUE)``."""
    if isinstance(e.expression, exp.Boolean):
        return f"({self.sql(e, 'this')} IS NOT DISTINCT FROM {self.sql(e, 'expression')})"
    return self.binary(e, "IS")


def _not_sql(self: Postgres.Generator, e: exp.Not) -> str:
    """``x IS NOT NULL`` / ``a IS DISTINCT FROM b`` rather than ``NOT x IS NULL``: polars plans the former
    in a LEFT JOIN's ON on the right table's columns, not the latter."""
    inner = e.this
    if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
        return f"{self.sql(inner, 'this')} IS NOT NULL"
    if isinstance(inner, exp.NullSafeEQ):
        return f"({self.sql(inner, 'this')} IS DISTINCT FROM {self.sql(inner, 'expression')})"
    return self.not_sql(e)


def _null_safe_sql(op: str):
    """In parentheses: polars reads ``a IS NOT DISTINCT FROM b OR c`` as ``a IS NOT DISTINCT FROM (b OR c)``."""
    return lambda self, e: f"({self.sql(e, 'this')} {op} {self.sql(e, 'expression')})"


class Polars(Postgres):
    TYPED_DIVISION = False
    SAFE_DIVISION = False

    class Generator(Postgres.Generator):
        TYPE_MAPPING = {
            **Postgres.Generator.TYPE_MAPPING,
            exp.DType.TEXT: "VARCHAR",
            exp.DType.DOUBLE: "DOUBLE",
            exp.DType.FLOAT: "FLOAT",
            exp.DType.INT128: "INT128",
        }
        TRANSFORMS = {
            **Postgres.Generator.TRANSFORMS,
            exp.RegexpLike: lambda self, e: self.func("REGEXP_LIKE", e.this, e.expression),
            # polars has no BOOL_AND / BOOL_OR; on booleans MIN / MAX are the same (NULLs ignored)
            exp.Is: _is_sql,
            exp.Not: _not_sql,
            exp.NullSafeEQ: _null_safe_sql("IS NOT DISTINCT FROM"),
            exp.NullSafeNEQ: _null_safe_sql("IS DISTINCT FROM"),
            # sqlglot's Postgres printer writes TRY_CAST as a strict CAST; polars has TRY_CAST (NULL when it fails)
            exp.TryCast: lambda self, e: f"TRY_CAST({self.sql(e, 'this')} AS {self.sql(e, 'to')})",
            exp.LogicalAnd: lambda self, e: self.func("MIN", e.this),
            exp.LogicalOr: lambda self, e: self.func("MAX", e.this),
        }
