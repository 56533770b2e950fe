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
            exp.LogicalAnd: lambda self, e: self.func("MIN", e.this),
            exp.LogicalOr: lambda self, e: self.func("MAX", e.this),
        }
