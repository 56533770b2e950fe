"""Source normalisation before the catalog check: one spelling per construct, clocks bound.

* ``CONVERT(type, x)`` (T-SQL) -> ``CAST(x AS type)``, ``TRY_CONVERT(type, x)`` -> ``TRY_CAST(x AS type)``;
  a ``CONVERT`` with a style argument is left alone (and refused by the catalog).
* A date written as a string where a date function wants a date (T-SQL's ``DATEDIFF(year, BirthDate,
  '2024-09-01')``, ``DATEADD(day, 1, '20240901')``: an implicit conversion in T-SQL) becomes
  ``CAST('2024-09-01' AS DATE)`` (with a time of day: ``TIMESTAMP``); any other string stays and is refused.
* Clock functions are bound to the run's ``:as_of_date``, so re-running a certification report gives the
  same rows: ``CURRENT_DATE`` and a clock cast to a date (``CAST(GETDATE() AS DATE)``,
  ``CONVERT(date, GETDATE())``) become the as-of date. A bare ``GETDATE()`` / ``NOW()`` /
  ``CURRENT_TIMESTAMP`` (a time of day) stays and is refused by the catalog with a hint.

>>> import sqlglot
>>> import re
>>> from datetime import date
>>> t = sqlglot.parse_one("SELECT 1 FROM t WHERE d < CAST(GETDATE() AS DATE)", read="tsql")
>>> normalize(t, date(2025, 6, 30)).sql()
"SELECT 1 FROM t WHERE d < CAST('2025-06-30' AS DATE)"
"""

from __future__ import annotations

import re
from datetime import date

from sqlglot import exp

_CLOCKS = (exp.CurrentTimestamp, exp.CurrentDatetime, exp.CurrentTime) + tuple(
    getattr(exp, n) for n in ("CurrentTimestampLTZ", "Localtimestamp", "Localtime", "Sysdate") if hasattr(exp, n)
)


_DATE_TEXT = re.compile(r"^\s*(\d{4})-?(\d{2})-?(\d{2})\s*$")
_DATETIME_TEXT = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*$")


def _date_literal(node: exp.Expression) -> exp.Expression | None:
    """``'2024-09-01'`` / ``'20240901'`` -> ``CAST('2024-09-01' AS DATE)``; None for any other text."""
    if not (isinstance(node, exp.Literal) and node.is_string):
        return None
    m = _DATE_TEXT.match(node.this)
    if m:
        try:
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
        return exp.cast(exp.Literal.string(day.isoformat()), exp.DType.DATE)
    if _DATETIME_TEXT.match(node.this):
        return exp.cast(exp.Literal.string(node.this.strip().replace("T", " ")), exp.DType.TIMESTAMP)
    return None


def _as_of(as_of: date) -> exp.Expression:
    return exp.cast(exp.Literal.string(as_of.isoformat()), exp.DType.DATE)


def normalize(tree: exp.Expression, as_of: date) -> exp.Expression:
    def visit(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.TimeStrToTime | exp.TsOrDsToDate):  # sqlglot's wrapper of a DATEDIFF argument
            typed = _date_literal(node.this)
            if typed is not None:
                return typed
        if isinstance(node, exp.DateAdd | exp.DateSub | exp.DateDiff):
            for arg in ("this", "expression") if isinstance(node, exp.DateDiff) else ("this",):
                typed = _date_literal(node.args.get(arg))
                if typed is not None:
                    node.set(arg, typed)
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
