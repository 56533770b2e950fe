"""Source normalisation before the catalog check: one spelling per construct, clocks bound.

* ``CONVERT(type, x)`` (T-SQL) -> ``CAST(x AS type)``, ``TRY_CONVERT(type, x)`` -> ``TRY_CAST(x AS type)``;
  a ``CONVERT`` with a style argument is left alone (and refused by the catalog).
* Clock functions are bound to the run's ``:as_of_date``, so re-running a certification report gives the
  same rows: ``CURRENT_DATE`` and a clock cast to a date (``CAST(GETDATE() AS DATE)``,
  ``CONVERT(date, GETDATE())``) become the as-of date. A bare ``GETDATE()`` / ``NOW()`` /
  ``CURRENT_TIMESTAMP`` (a time of day) stays and is refused by the catalog with a hint.

>>> import sqlglot
>>> from datetime import date
>>> t = sqlglot.parse_one("SELECT 1 FROM t WHERE d < CAST(GETDATE() AS DATE)", read="tsql")
>>> normalize(t, date(2025, 6, 30)).sql()
"SELECT 1 FROM t WHERE d < CAST('2025-06-30' AS DATE)"
"""

from __future__ import annotations

from datetime import date

from sqlglot import exp

_CLOCKS = (exp.CurrentTimestamp, exp.CurrentDatetime, exp.CurrentTime) + tuple(
    getattr(exp, n) for n in ("CurrentTimestampLTZ", "Localtimestamp", "Localtime", "Sysdate") if hasattr(exp, n))


def _as_of(as_of: date) -> exp.Expression:
    return exp.cast(exp.Literal.string(as_of.isoformat()), exp.DType.DATE)


def normalize(tree: exp.Expression, as_of: date) -> exp.Expression:
    def visit(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Convert) and node.args.get("style") is None and isinstance(node.this, exp.DataType):
            cls = exp.TryCast if node.args.get("safe") else exp.Cast
            node = cls(this=node.expression, to=node.this)
        if isinstance(node, exp.CurrentDate):
            return _as_of(as_of)
        if isinstance(node, exp.Cast) and isinstance(node.this, _CLOCKS) and node.to.is_type(exp.DType.DATE):
            return _as_of(as_of)
        return node

    return tree.transform(visit, copy=False)


__all__ = ["normalize"]
