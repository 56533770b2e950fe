"""Typed translations of constructs rule authors use daily (issue 13: catalog gaps and over-cautious
refusals). Two passes over the qualified, type-annotated tree:

:func:`typed_pass` (every target; decided by types, not syntax):

* a quoted literal against a DATE (``COALESCE(end_date, '2099-12-31')``, ``start_date >= '2024-09-01'``,
  ``DATEDIFF(day, '2024-09-01', d)``) becomes ``CAST('…' AS DATE)`` when it is an ISO date, and is refused
  otherwise (engines parse other spellings differently);
* a quoted integer against an integer (``grade = '5'``) becomes the number; other text is refused
  (PostgreSQL and SQL Server raise on ``'5.0'``, DuckDB rounds);
* date arithmetic in one form, ``d + INTERVAL 'n unit'`` / ``d - INTERVAL 'n unit'`` with ``n >= 0``:
  ``DATEADD(day, -3, d)``, ``DATE_ADD(d, INTERVAL (-3) DAY)``, ``d + INTERVAL '-3 day'`` (polars refuses a
  minus sign in an interval, and sqlglot printed ``INTERVAL (-3) DAY`` for DuckDB as ``+ 3 days``); a
  computed count is refused;
* ``CONTAINS(s, t)`` → ``STRPOS(s, t) > 0``; ``DAYOFWEEK(d)`` → ``EXTRACT(DOW ...)`` (0 = Sunday: DuckDB,
  Snowflake; Spark's ``DAYOFWEEK`` is 1 = Sunday and gets ``+ 1``), ISO day of week → ``EXTRACT(ISODOW ...)``.

:func:`polars_pass` (polars only): what polars computes differently from the SQL engines —

* ``LOWER(s)``: polars lower-cases ``İ`` to ``i̇`` (two characters) and a final ``Σ`` to ``ς``; SQL engines
  map one character to one (``i``, ``σ``): ``LOWER(REPLACE(REPLACE(s, 'İ', 'i'), 'Σ', 'σ'))``;
* ``LEFT(s, n)`` / ``RIGHT(s, n)`` (literal ``n >= 0``): NULL for a NULL string (polars' ``RIGHT`` gives ''),
  and the whole string when ``n`` exceeds its length (polars' ``RIGHT`` drops a character);
* ``REPLACE(s, t, r)`` with a literal, non-empty ``t`` (polars inserts ``r`` between every character for '').
"""

from __future__ import annotations

import re
from datetime import date

from sqlglot import exp

Problem = tuple[exp.Expression, str, str, str | None]

_INTEGER = tuple(exp.DataType.INTEGER_TYPES)
_COMPARE = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.NullSafeEQ, exp.NullSafeNEQ)
_UNITS = {"DAY": "DAY", "DAYS": "DAY", "D": "DAY", "DD": "DAY", "WEEK": "WEEK", "WEEKS": "WEEK", "WK": "WEEK",
          "WW": "WEEK", "MONTH": "MONTH", "MONTHS": "MONTH", "MM": "MONTH", "M": "MONTH", "YEAR": "YEAR",
          "YEARS": "YEAR", "YY": "YEAR", "YYYY": "YEAR"}


def _typed(node: exp.Expression, type_: str) -> exp.Expression:
    node.type = exp.DataType.build(type_)
    return node


def _is(node: exp.Expression | None, *types) -> bool:
    return node is not None and node.type is not None and node.type.this in types


def _str_lit(node: exp.Expression) -> bool:
    return isinstance(node, exp.Literal) and node.is_string


def _date_literal(node: exp.Expression, problems: list[Problem]) -> exp.Expression:
    text = node.this.strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        date.fromisoformat(text)
    except ValueError:
        problems.append((node, "untranslatable", f"the text {node.sql()} compared with a date is not an ISO date",
                         "write dates as 'YYYY-MM-DD' (or DATE 'YYYY-MM-DD'): engines read other spellings differently"))
        return node
    return _typed(exp.cast(exp.Literal.string(text), exp.DType.DATE), "DATE")


def _int_literal(node: exp.Expression, problems: list[Problem]) -> exp.Expression:
    text = node.this.strip()
    if not re.fullmatch(r"[+-]?\d{1,18}", text):
        problems.append((node, "untranslatable", f"the text {node.sql()} compared with an integer is not an integer",
                         "compare with a number (5), or compare the text: CAST(x AS VARCHAR) = '5.0'"))
        return node
    value = int(text)
    lit = exp.Literal.number(abs(value))
    return _typed(exp.Neg(this=lit) if value < 0 else lit, "BIGINT")


def _coerce(node: exp.Expression, against: exp.Expression, problems: list[Problem]) -> exp.Expression:
    """``node`` (a string literal) typed as ``against``'s DATE or integer type."""
    if not _str_lit(node):
        return node
    if _is(against, exp.DType.DATE):
        return _date_literal(node, problems)
    if _is(against, *_INTEGER):
        return _int_literal(node, problems)
    return node


def _literals(tree: exp.Expression, problems: list[Problem]) -> None:
    for node in list(tree.find_all(*_COMPARE)):
        a, b = node.this, node.expression
        node.set("expression", _coerce(b, a, problems))
        node.set("this", _coerce(a, b, problems))
    for node in list(tree.find_all(exp.Between)):
        for arg in ("low", "high"):
            node.set(arg, _coerce(node.args[arg], node.this, problems))
    for node in list(tree.find_all(exp.In)):
        if node.expressions:
            node.set("expressions", [_coerce(e, node.this, problems) for e in node.expressions])
    for node in list(tree.find_all(exp.Coalesce)):
        args = [node.this, *node.expressions]
        typed = next((a for a in args if not _str_lit(a) and (_is(a, exp.DType.DATE) or _is(a, *_INTEGER))), None)
        if typed is not None:
            node.set("this", _coerce(node.this, typed, problems))
            node.set("expressions", [_coerce(e, typed, problems) for e in node.expressions])
            node.type = typed.type.copy()
    # DATEDIFF / DATEADD arguments the parser wrapped in a text-to-date conversion
    for node in list(tree.find_all(exp.TsOrDsToDate, exp.TimeStrToTime, exp.TsOrDsToTimestamp)
                     if hasattr(exp, "TsOrDsToTimestamp") else tree.find_all(exp.TsOrDsToDate, exp.TimeStrToTime)):
        if _str_lit(node.this) and isinstance(node.parent, exp.DateDiff | exp.DateAdd | exp.DateSub | exp.TsOrDsAdd):
            node.replace(_date_literal(node.this, problems))


def _int_value(node: exp.Expression | None) -> int | None:
    """The integer an amount literal spells: 3, -3, (-3), '-3', '3 days' (unit dropped)."""
    if node is None:
        return None
    if isinstance(node, exp.Paren):
        return _int_value(node.this)
    if isinstance(node, exp.Neg):
        inner = _int_value(node.this)
        return None if inner is None else -inner
    if isinstance(node, exp.Literal):
        m = re.fullmatch(r"\s*([+-]?\d+)(\s+[A-Za-z]+)?\s*", str(node.this))
        return int(m.group(1)) if m else None
    return None


def _interval_parts(node: exp.Interval) -> tuple[exp.Expression | None, str | None]:
    unit = node.text("unit").upper() or None
    value = node.this
    if unit is None and _str_lit(value):
        m = re.fullmatch(r"\s*[+-]?\d+\s+([A-Za-z]+)\s*", value.this)
        unit = m.group(1).upper() if m else None
    return value, unit


def _date_shift(date_node: exp.Expression, sign: int, amount: exp.Expression, unit: str | None,
                origin: exp.Expression, problems: list[Problem]) -> exp.Expression:
    canonical = _UNITS.get((unit or "").upper())
    if canonical is None:
        problems.append((origin, "untranslatable", f"date arithmetic in unit {unit} is not translated",
                         "use day, week, month or year"))
        return origin
    n = _int_value(amount)
    if n is None:
        problems.append((origin, "untranslatable", f"{origin.sql()}: a computed number of {canonical.lower()}s "
                         "is not translated (polars needs a literal interval)",
                         "use a literal count, e.g. DATEADD(day, -30, d)"))
        return origin
    n *= sign
    interval = _typed(exp.Interval(this=exp.Literal.string(f"{abs(n)} {canonical}")), "INTERVAL")
    out = (exp.Add if n >= 0 else exp.Sub)(this=date_node.copy(), expression=interval)
    return _typed(out, "DATE")


def _date_arith(tree: exp.Expression, problems: list[Problem]) -> exp.Expression:
    def visit(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.DateAdd | exp.DateSub) and _is(node.this, exp.DType.DATE):
            sign = 1 if isinstance(node, exp.DateAdd) else -1
            amount, unit = node.expression, node.text("unit") or None
            if isinstance(amount, exp.Interval):
                amount, iunit = _interval_parts(amount)
                unit = iunit or unit
            return _date_shift(node.this, sign, amount, unit or "DAY", node, problems)
        if isinstance(node, exp.Add | exp.Sub) and isinstance(node.expression, exp.Interval) and _is(
                node.this, exp.DType.DATE):
            amount, unit = _interval_parts(node.expression)
            return _date_shift(node.this, 1 if isinstance(node, exp.Add) else -1, amount, unit, node, problems)
        if isinstance(node, exp.Add) and isinstance(node.this, exp.Interval) and _is(node.expression, exp.DType.DATE):
            amount, unit = _interval_parts(node.this)
            return _date_shift(node.expression, 1, amount, unit, node, problems)
        return node

    return tree.transform(visit, copy=False)


def _functions(tree: exp.Expression, dialect: str) -> exp.Expression:
    def visit(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Contains) if hasattr(exp, "Contains") else False:
            pos = exp.StrPosition(this=node.this, substr=node.expression)
            return _typed(exp.GT(this=_typed(pos, "BIGINT"), expression=exp.Literal.number(0)), "BOOLEAN")
        if isinstance(node, exp.DayOfWeekIso) if hasattr(exp, "DayOfWeekIso") else False:
            return _typed(exp.Extract(this=exp.var("ISODOW"), expression=node.this), "BIGINT")
        if isinstance(node, exp.DayOfWeek):
            dow = _typed(exp.Extract(this=exp.var("DOW"), expression=node.this), "BIGINT")
            if dialect == "spark":  # Spark: 1 = Sunday .. 7 = Saturday (DuckDB, Snowflake: 0 = Sunday)
                return _typed(exp.paren(exp.Add(this=dow, expression=exp.Literal.number(1))), "BIGINT")
            return dow
        return node

    return tree.transform(visit, copy=False)


def typed_pass(tree: exp.Expression, dialect: str, problems: list[Problem] | None = None
               ) -> tuple[exp.Expression, list[Problem]]:
    """Translations decided by types, for every target (run after qualification and type annotation)."""
    problems = [] if problems is None else problems
    _literals(tree, problems)
    tree = _functions(tree, dialect)
    tree = _date_arith(tree, problems)
    return tree, problems


def _is_null_guard(args: list[exp.Expression], node: exp.Expression) -> exp.Expression:
    parts = [a for a in args if not isinstance(a, exp.Literal)]
    if not parts:
        return node
    cond = exp.or_(*[exp.Is(this=p.copy(), expression=exp.Null()) for p in parts])
    return _typed(exp.Case(ifs=[exp.If(this=cond, true=exp.Null())], default=node), "VARCHAR")


def polars_pass(tree: exp.Expression, problems: list[Problem]) -> exp.Expression:
    """What polars computes differently from SQL engines (see the module docstring)."""
    for node in list(tree.find_all(exp.Lower)):
        if node.meta.get("exact_lower"):
            continue
        inner = exp.func("REPLACE", exp.func("REPLACE", node.this, exp.Literal.string("İ"), exp.Literal.string("i")),
                         exp.Literal.string("Σ"), exp.Literal.string("σ"))
        new = _typed(exp.Lower(this=inner), "VARCHAR")
        new.meta["exact_lower"] = True
        node.replace(new)
    for node in list(tree.find_all(exp.Left, exp.Right)):
        n = _int_value(node.expression)
        if n is None or n < 0:
            problems.append((node, "untranslatable", f"{node.sql()}: LEFT / RIGHT need a literal length >= 0 "
                             "(engines differ for negative lengths)", "use SUBSTRING(s, start, length)"))
            continue
        inner = node.copy()
        if isinstance(node, exp.Right):  # polars' RIGHT drops a character when n exceeds the length
            short = exp.LTE(this=exp.Length(this=node.this.copy()), expression=exp.Literal.number(n))
            inner = _typed(exp.Case(ifs=[exp.If(this=short, true=node.this.copy())], default=inner), "VARCHAR")
        node.replace(_is_null_guard([node.this], inner))
    for node in list(tree.find_all(exp.Anonymous)):
        if str(node.this).upper() != "REPLACE" or len(node.expressions) != 3:
            continue
        search = node.expressions[1]
        if not (_str_lit(search) and search.this != ""):
            problems.append((node, "untranslatable", f"{node.sql()}: REPLACE needs a non-empty literal search string "
                             "(polars and SQL engines differ for an empty one)", "write the text to replace as a literal"))
    for node in list(tree.find_all(exp.Replace)) if hasattr(exp, "Replace") else []:
        search = node.expression
        if not (_str_lit(search) and search.this != ""):
            problems.append((node, "untranslatable", f"{node.sql()}: REPLACE needs a non-empty literal search string "
                             "(polars and SQL engines differ for an empty one)", "write the text to replace as a literal"))
    return tree


__all__ = ["polars_pass", "typed_pass"]
