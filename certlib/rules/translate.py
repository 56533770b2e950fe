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
  computed count is refused; in PostgreSQL and DuckDB the result is a TIMESTAMP (so ``(d + INTERVAL '1 day') - d``
  is an interval, refused, not a day count);
* ``CONTAINS(s, t)`` → ``STRPOS(s, t) > 0``; ``DAYOFWEEK(d)`` → ``EXTRACT(DOW ...)`` (0 = Sunday: DuckDB,
  Snowflake; Spark's ``DAYOFWEEK`` is 1 = Sunday and gets ``+ 1``), ISO day of week → ``EXTRACT(ISODOW ...)``.

:func:`polars_pass` (polars only): what polars computes differently from the SQL engines —

* ``LOWER(s)``: polars lower-cases ``İ`` to ``i̇`` (two characters) and a final ``Σ`` to ``ς``; SQL engines
  map one character to one (``i``, ``σ``): ``LOWER(REPLACE(REPLACE(s, 'İ', 'i'), 'Σ', 'σ'))``;
* ``LEFT(s, n)`` / ``RIGHT(s, n)`` (literal ``n >= 0``): NULL for a NULL string (polars' ``RIGHT`` gives ''),
  and the whole string when ``n`` exceeds its length (polars' ``RIGHT`` drops a character);
* ``REPLACE(s, t, r)`` with a literal, non-empty ``t`` (polars inserts ``r`` between every character for '');
* ``POSITION`` / ``STRPOS`` / ``CHARINDEX`` in characters (polars counts bytes: ``POSITION('a' IN 'İstanbul')``
  was 5, not 4);
* an integer ``x % y`` whose ``y`` may be 0 is refused (an error in SQL engines, NULL in polars): write
  ``x % NULLIF(y, 0)``;
* an ``IN`` subquery whose WHERE names only outer columns, quantiles, date formats, ``ROWS BETWEEN n PRECEDING
  AND m FOLLOWING`` frames, ``DISTINCT ON`` and ``NOT`` inside a join condition: see the functions below.
"""

from __future__ import annotations

import re
from datetime import date

from sqlglot import exp

Problem = tuple[exp.Expression, str, str, str | None]

_INTEGER = tuple(exp.DataType.INTEGER_TYPES)
_COMPARE = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.NullSafeEQ, exp.NullSafeNEQ)
_UNITS = {
    "DAY": "DAY",
    "DAYS": "DAY",
    "D": "DAY",
    "DD": "DAY",
    "WEEK": "WEEK",
    "WEEKS": "WEEK",
    "WK": "WEEK",
    "WW": "WEEK",
    "MONTH": "MONTH",
    "MONTHS": "MONTH",
    "MM": "MONTH",
    "M": "MONTH",
    "YEAR": "YEAR",
    "YEARS": "YEAR",
    "YY": "YEAR",
    "YYYY": "YEAR",
}


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
        problems.append(
            (
                node,
                "untranslatable",
                f"the text {node.sql()} compared with a date is not an ISO date",
                "write dates as 'YYYY-MM-DD' (or DATE 'YYYY-MM-DD'): engines read other spellings differently",
            )
        )
        return node
    return _typed(exp.cast(exp.Literal.string(text), exp.DType.DATE), "DATE")


def _int_literal(node: exp.Expression, problems: list[Problem]) -> exp.Expression:
    text = node.this.strip()
    if not re.fullmatch(r"[+-]?\d{1,18}", text):
        problems.append(
            (
                node,
                "untranslatable",
                f"the text {node.sql()} compared with an integer is not an integer",
                "compare with a number (5), or compare the text: CAST(x AS VARCHAR) = '5.0'",
            )
        )
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
    for node in list(
        tree.find_all(exp.TsOrDsToDate, exp.TimeStrToTime, exp.TsOrDsToTimestamp)
        if hasattr(exp, "TsOrDsToTimestamp")
        else tree.find_all(exp.TsOrDsToDate, exp.TimeStrToTime)
    ):
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


def _date_shift(
    date_node: exp.Expression,
    sign: int,
    amount: exp.Expression,
    unit: str | None,
    origin: exp.Expression,
    problems: list[Problem],
    dialect: str = "",
) -> exp.Expression:
    canonical = _UNITS.get((unit or "").upper())
    if canonical is None:
        problems.append(
            (
                origin,
                "untranslatable",
                f"date arithmetic in unit {unit} is not translated",
                "use day, week, month or year",
            )
        )
        return origin
    n = _int_value(amount)
    if n is None:
        problems.append(
            (
                origin,
                "untranslatable",
                f"{origin.sql()}: a computed number of {canonical.lower()}s "
                "is not translated (polars needs a literal interval)",
                "use a literal count, e.g. DATEADD(day, -30, d)",
            )
        )
        return origin
    n *= sign
    interval = _typed(exp.Interval(this=exp.Literal.string(f"{abs(n)} {canonical}")), "INTERVAL")
    out = (exp.Add if n >= 0 else exp.Sub)(this=date_node.copy(), expression=interval)
    if dialect in _SHIFT_TO_TIMESTAMP:  # PostgreSQL, DuckDB: date ± interval is a TIMESTAMP (date - it is an interval)
        return _typed(exp.Cast(this=out, to=exp.DataType.build("TIMESTAMP")), "TIMESTAMP")
    out.type = exp.DataType.build("DATE")
    return out


_SHIFT_TO_TIMESTAMP = ("postgres", "duckdb")


def _date_arith(tree: exp.Expression, problems: list[Problem], dialect: str = "") -> exp.Expression:
    def visit(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.DateAdd | exp.DateSub) and _is(node.this, exp.DType.DATE):
            sign = 1 if isinstance(node, exp.DateAdd) else -1
            amount, unit = node.expression, node.text("unit") or None
            if isinstance(amount, exp.Interval):
                amount, iunit = _interval_parts(amount)
                unit = iunit or unit
            return _date_shift(node.this, sign, amount, unit or "DAY", node, problems, dialect)
        if (
            isinstance(node, exp.Add | exp.Sub)
            and isinstance(node.expression, exp.Interval)
            and _is(node.this, exp.DType.DATE)
        ):
            amount, unit = _interval_parts(node.expression)
            return _date_shift(node.this, 1 if isinstance(node, exp.Add) else -1, amount, unit, node, problems, dialect)
        if isinstance(node, exp.Add) and isinstance(node.this, exp.Interval) and _is(node.expression, exp.DType.DATE):
            amount, unit = _interval_parts(node.this)
            return _date_shift(node.expression, 1, amount, unit, node, problems, dialect)
        return node

    return tree.transform(visit, copy=False)


_DOW = {"DOW", "DAYOFWEEK", "WEEKDAY", "DW"}


def _extract_part(node: exp.Extract, dialect: str, problems: list[Problem]) -> exp.Expression:
    """Day of week and week numbers as the source dialect counts them: T-SQL ``DATEPART(weekday, d)`` is 1 =
    Sunday .. 7 (the default DATEFIRST 7, us_english), Spark's ``EXTRACT(DOW ...)`` 1 = Sunday too; elsewhere
    0 = Sunday. T-SQL ``DATEPART(week, d)`` counts weeks from January 1st (not ISO): refused;
    ``DATEPART(iso_week, d)`` is ISO."""
    part = node.this.name.upper() if isinstance(node.this, exp.Var | exp.Column | exp.Identifier) else ""
    if part in _DOW:
        dow = _typed(exp.Extract(this=exp.var("DOW"), expression=node.expression), "BIGINT")
        if dialect in ("tsql", "spark"):
            return _typed(exp.paren(exp.Add(this=dow, expression=exp.Literal.number(1))), "BIGINT")
        return dow
    if part == "WEEKISO":
        return _typed(exp.Extract(this=exp.var("WEEK"), expression=node.expression), "BIGINT")
    if dialect == "tsql" and part in ("WEEK", "WK", "WW"):
        problems.append(
            (
                node,
                "untranslatable",
                "DATEPART(week, d) counts weeks from January 1st in SQL Server (depending on DATEFIRST), not ISO weeks",
                "use DATEPART(iso_week, d)",
            )
        )
    return node


def _functions(tree: exp.Expression, dialect: str, problems: list[Problem] | None = None) -> exp.Expression:
    problems = [] if problems is None else problems

    def visit(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Extract):
            return _extract_part(node, dialect, problems)
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


_STRING_FUNCS = tuple(
    getattr(exp, n)
    for n in (
        "Lower",
        "Upper",
        "Trim",
        "Replace",
        "Substring",
        "Length",
        "StrPosition",
        "DPipe",
        "Left",
        "Right",
        "RegexpLike",
        "RegexpILike",
        "Like",
        "ILike",
        "Contains",
        "Concat",
    )
    if hasattr(exp, n)
)


def _known(node: exp.Expression | None) -> bool:
    return node is not None and node.type is not None and node.type.this not in (exp.DType.UNKNOWN, exp.DType.NULL)


def _null_types(tree: exp.Expression) -> None:
    """A bare NULL takes the type of what it meets (polars types it as a NULL column: ``grade = NULL`` in a
    join failed on key types, ``LOWER(NULL)`` wanted a string)."""
    for null in list(tree.find_all(exp.Null)):
        parent = null.parent
        if parent is None or isinstance(parent, exp.Cast | exp.Is | exp.Alias | exp.Select | exp.Ordered):
            continue
        target: exp.DataType | None = None
        if isinstance(parent, _STRING_FUNCS):
            target = exp.DataType.build("VARCHAR")
        elif isinstance(parent, exp.Binary | exp.Between | exp.In):
            others = [
                v
                for k, v in parent.args.items()
                if isinstance(v, exp.Expression) and v is not null and k in ("this", "expression", "low", "high")
            ] + (list(parent.expressions) if isinstance(parent, exp.In) else [])
            typed = next((o for o in others if _known(o) and not isinstance(o, exp.Null)), None)
            if typed is not None and not isinstance(parent, exp.Connector):
                target = typed.type
        elif isinstance(parent, exp.Coalesce | exp.If | exp.Case | exp.Nullif) and _known(parent):
            target = parent.type
        if target is not None and target.this not in (exp.DType.UNKNOWN, exp.DType.NULL, exp.DType.BOOLEAN):
            cast = exp.Cast(this=exp.Null(), to=target.copy())
            cast.type = target.copy()
            null.replace(cast)


_TRY_INT = {exp.DType.INT: "INT", exp.DType.BIGINT: "BIGINT", exp.DType.SMALLINT: "SMALLINT"}


def _try_cast(tree: exp.Expression, dialect: str, problems: list[Problem]) -> exp.Expression:
    """T-SQL ``TRY_CAST`` / ``TRY_CONVERT`` of text to INT / BIGINT / SMALLINT as SQL Server converts: blanks
    around the digits allowed, an optional sign, '' / '+' / '-' are 0, anything else (``'12.5'``, ``'1e3'``,
    out of range) NULL — written so every engine computes exactly that (DuckDB's own TRY_CAST would round
    ``'12.5'`` to 13). Other targets and source dialects are refused (engines accept different text)."""

    def visit(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.TryCast):
            return node
        to = node.to.this
        if dialect != "tsql" or to not in _TRY_INT:
            problems.append(
                (
                    node,
                    "untranslatable",
                    f"{node.sql(dialect)}: TRY_CAST is translated only from T-SQL, "
                    "to INT, BIGINT or SMALLINT (engines accept different text for other types)",
                    "test the text first, e.g. CASE WHEN s ~ '^[0-9]+$' THEN CAST(s AS INT) END",
                )
            )
            return node
        if not (node.this.type is not None and node.this.type.this in exp.DataType.TEXT_TYPES):
            out = exp.Cast(this=node.this, to=node.to)
            out.type = node.to.copy()
            return out

        def trimmed() -> exp.Expression:
            return _typed(exp.Trim(this=node.this.copy(), expression=exp.Literal.string(" ")), "VARCHAR")

        zero = exp.In(this=trimmed(), expressions=[exp.Literal.string(v) for v in ("", "+", "-")])
        digits = exp.RegexpLike(this=trimmed(), expression=exp.Literal.string("^[+-]?[0-9]+$"))
        cast = exp.TryCast(this=trimmed(), to=node.to.copy())
        cast.type = node.to.copy()
        case = exp.Case(ifs=[exp.If(this=zero, true=exp.Literal.number(0)), exp.If(this=digits, true=cast)])
        return _typed(case, _TRY_INT[to])

    return tree.transform(visit, copy=False)


def typed_pass(
    tree: exp.Expression, dialect: str, problems: list[Problem] | None = None
) -> tuple[exp.Expression, list[Problem]]:
    """Translations decided by types, for every target (run after qualification and type annotation)."""
    problems = [] if problems is None else problems
    _null_types(tree)
    _literals(tree, problems)
    tree = _functions(tree, dialect, problems)
    tree = _try_cast(tree, dialect, problems)
    tree = _date_arith(tree, problems, dialect)
    return tree, problems


def _is_null_guard(args: list[exp.Expression], node: exp.Expression) -> exp.Expression:
    parts = [a for a in args if not isinstance(a, exp.Literal)]
    if not parts:
        return node
    cond = exp.or_(*[exp.Is(this=p.copy(), expression=exp.Null()) for p in parts])
    return _typed(exp.Case(ifs=[exp.If(this=cond, true=exp.Null())], default=node), "VARCHAR")


_NEGATE = {
    exp.EQ: exp.NEQ,
    exp.NEQ: exp.EQ,
    exp.LT: exp.GTE,
    exp.GTE: exp.LT,
    exp.GT: exp.LTE,
    exp.LTE: exp.GT,
    exp.NullSafeEQ: exp.NullSafeNEQ,
    exp.NullSafeNEQ: exp.NullSafeEQ,
}


def _push_not(node: exp.Expression) -> exp.Expression:
    """``NOT p`` moved inward, exactly (three-valued logic): ``NOT a = b`` -> ``a <> b``, De Morgan, ``NOT NOT p``
    -> ``p``, ``NOT a BETWEEN l AND h`` -> ``a < l OR a > h``. Polars cannot plan a LEFT JOIN whose ON holds a
    ``NOT`` over a condition on the right table only (``unable to find column``)."""

    def visit(n: exp.Expression) -> exp.Expression:
        if not isinstance(n, exp.Not):
            return n
        inner = n.this
        while isinstance(inner, exp.Paren):
            inner = inner.this
        if type(inner) in _NEGATE:
            return _NEGATE[type(inner)](this=inner.this, expression=inner.expression)
        if isinstance(inner, exp.Not):
            return exp.paren(visit(inner.this) if isinstance(inner.this, exp.Not) else inner.this)
        if isinstance(inner, exp.And | exp.Or):
            cls = exp.Or if isinstance(inner, exp.And) else exp.And
            return exp.paren(
                cls(this=visit(exp.Not(this=inner.this)), expression=visit(exp.Not(this=inner.expression)))
            )
        if isinstance(inner, exp.Between):
            return exp.paren(
                exp.or_(
                    exp.LT(this=inner.this.copy(), expression=inner.args["low"]),
                    exp.GT(this=inner.this.copy(), expression=inner.args["high"]),
                )
            )
        return n

    return node.transform(visit, copy=False)


_NUMERIC = tuple(exp.DataType.INTEGER_TYPES) + tuple(exp.DataType.REAL_TYPES)


def _quantiles(tree: exp.Expression, problems: list[Problem]) -> None:
    """MEDIAN(x), PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY x [DESC]), QUANTILE_CONT(x, p) -> polars' MEDIAN /
    QUANTILE_CONT (linear interpolation between the two nearest values, NULLs ignored, as in DuckDB and
    PostgreSQL); a numeric x and a literal p in [0, 1] only, never as a window."""
    for node in list(tree.find_all(exp.Median, exp.PercentileCont)):
        holder: exp.Expression = node.parent if isinstance(node.parent, exp.WithinGroup) else node
        if isinstance(holder, exp.WithinGroup):
            order = holder.expression.expressions if holder.expression is not None else []
            if len(order) != 1:
                problems.append((holder, "untranslatable", "PERCENTILE_CONT needs one ORDER BY expression", None))
                continue
            value, p_node, desc = order[0].this, node.this, bool(order[0].args.get("desc"))
        elif isinstance(node, exp.Median):
            value, p_node, desc = node.this, exp.Literal.number("0.5"), False
        else:
            value, p_node, desc = node.this, node.expression, False
        try:
            p = float(p_node.this) if isinstance(p_node, exp.Literal) and not p_node.is_string else None
        except ValueError:
            p = None
        if (
            p is None
            or not 0 <= p <= 1
            or not _is(value, *_NUMERIC)
            or holder.find_ancestor(exp.Window) is not None
            or isinstance(holder.parent, exp.Window)
        ):
            problems.append(
                (
                    holder,
                    "untranslatable",
                    f"{holder.sql()}: a quantile is translated for a number and a "
                    "literal fraction between 0 and 1, as an aggregate (not a window)",
                    "e.g. PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY x) ... GROUP BY ...",
                )
            )
            continue
        if desc:
            p = 1 - p
        out = (
            exp.Anonymous(this="MEDIAN", expressions=[value.copy()])
            if p == 0.5 and isinstance(node, exp.Median)
            else exp.Anonymous(this="QUANTILE_CONT", expressions=[value.copy(), exp.Literal.number(repr(p))])
        )
        holder.replace(_typed(out, "DOUBLE"))


_DATE_FORMAT = re.compile(r"(?:%[Ymdy]|[-/. :_,])*")
_TO_CHAR = [("YYYY", "%Y"), ("YY", "%y"), ("MM", "%m"), ("DD", "%d")]


def _date_formats(tree: exp.Expression, problems: list[Problem]) -> None:
    """strftime / FORMAT / TO_CHAR / date_format of a DATE with year, month and day numbers -> polars STRFTIME
    (names of months and days depend on the locale: refused)."""
    for node in list(tree.find_all(exp.TimeToStr, exp.ToChar)):
        fmt = node.args.get("format")
        text = fmt.this if isinstance(fmt, exp.Literal) and fmt.is_string else None
        if text is not None and isinstance(node, exp.ToChar):
            for src, dst in _TO_CHAR:
                text = text.replace(src, dst)
        if text is None or not _DATE_FORMAT.fullmatch(text) or not _is(node.this, exp.DType.DATE):
            problems.append(
                (
                    node,
                    "untranslatable",
                    f"{node.sql()}: formatting is translated for a DATE with year, "
                    "month and day numbers and separators (YYYY-MM-DD, %Y/%m, ...)",
                    "names of months and days depend on the locale: compare EXTRACT(MONTH ...) instead",
                )
            )
            continue
        node.replace(
            _typed(exp.Anonymous(this="STRFTIME", expressions=[node.this.copy(), exp.Literal.string(text)]), "VARCHAR")
        )


def _distinct_on(tree: exp.Expression, problems: list[Problem]) -> exp.Expression:
    """SELECT DISTINCT ON (k) ... ORDER BY k, o -> the first row per k by ROW_NUMBER() OVER (PARTITION BY k
    ORDER BY k, o) (polars has no DISTINCT ON); ORDER BY may name columns outside the select list."""
    for select in list(tree.find_all(exp.Select)):
        distinct = select.args.get("distinct")
        on = distinct.args.get("on") if distinct is not None else None
        if on is None:
            continue
        if (
            select.args.get("group")
            or select.args.get("limit")
            or any(e.find(exp.AggFunc, exp.Window) for e in select.selects)
        ):
            problems.append(
                (
                    select,
                    "untranslatable",
                    "DISTINCT ON with GROUP BY, aggregates, windows or LIMIT is not translated",
                    "use ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) = 1",
                )
            )
            continue
        keys = list(on.expressions) if isinstance(on, exp.Tuple) else [on]
        aliases = {e.alias: e.unalias() for e in select.selects if isinstance(e, exp.Alias)}
        order = select.args.get("order")
        ordered = []
        for o in order.expressions if order is not None else [exp.Ordered(this=k.copy()) for k in keys]:
            o = o.copy()
            if isinstance(o.this, exp.Column) and not o.this.table and o.this.name in aliases:
                o.set("this", aliases[o.this.name].copy())
            ordered.append(o)
        names = list(select.named_selects)
        inner = select.copy()
        inner.set("distinct", None)
        inner.set("order", None)
        rn = exp.Window(
            this=exp.RowNumber(), partition_by=[k.copy() for k in keys], order=exp.Order(expressions=ordered)
        )
        inner.set("expressions", [*inner.expressions, exp.alias_(rn, "__rn")])
        outer = exp.select(*[exp.column(n, table="__don") for n in names]).from_(
            exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("__don")))
        )
        outer = outer.where(exp.EQ(this=exp.column("__rn", table="__don"), expression=exp.Literal.number(1)))
        if select is tree:
            tree = outer
        else:
            select.replace(outer)
    return tree


_FRAME_MAX = 10


def _frame_bound(spec: exp.WindowSpec, side: str) -> int | None:
    value, where = spec.args.get(side), spec.args.get(f"{side}_side")
    if (
        isinstance(value, str)
        and value.upper() == "CURRENT ROW"
        or (isinstance(value, exp.Expression) and value.name.upper() == "CURRENT ROW")
    ):
        return 0
    n = _int_value(value) if isinstance(value, exp.Expression) else None
    if n is None or n > _FRAME_MAX:
        return None
    return -n if str(where).upper() == "PRECEDING" else n


def _row_frames(tree: exp.Expression, problems: list[Problem]) -> None:
    """SUM / COUNT / AVG / MIN / MAX OVER (... ROWS BETWEEN n PRECEDING AND m FOLLOWING) (n, m <= 10; polars has
    no row frames): the frame's rows are the current row and LAG / LEAD 1..n / 1..m over the same window —
    SUM adds them (NULL when all are NULL), COUNT counts the non-NULL ones (COUNT(*) the rows that exist),
    AVG divides, MIN / MAX are LEAST / GREATEST (which skip NULLs)."""
    for window in list(tree.find_all(exp.Window)):
        spec = window.args.get("spec")
        if spec is None or str(spec.args.get("kind") or "").upper() != "ROWS":
            continue
        func = window.this
        if any(
            str(spec.args.get(side) or "").upper().startswith("UNBOUNDED")
            or (isinstance(spec.args.get(side), exp.Expression) and spec.args[side].name.upper() == "UNBOUNDED")
            for side in ("start", "end")
        ):
            continue  # running frames: polars plans them itself
        lo, hi = _frame_bound(spec, "start"), _frame_bound(spec, "end")
        star = isinstance(func, exp.Count) and isinstance(func.this, exp.Star)
        if (
            lo is None
            or hi is None
            or lo > hi
            or not isinstance(func, exp.Sum | exp.Count | exp.Avg | exp.Min | exp.Max)
            or isinstance(func.this, exp.Distinct)
            or window.args.get("order") is None
        ):
            problems.append(
                (
                    window,
                    "untranslatable",
                    f"{window.sql()}: a ROWS frame is translated for SUM, COUNT, "
                    f"AVG, MIN, MAX with an ORDER BY and bounds within {_FRAME_MAX} rows of the current one",
                    "e.g. SUM(x) OVER (PARTITION BY k ORDER BY d ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING)",
                )
            )
            continue
        value = exp.Literal.number(1) if star else func.this

        def shifted(k: int, v: exp.Expression = value) -> exp.Expression:
            if k == 0:
                return v.copy()
            cls = exp.Lag if k < 0 else exp.Lead
            return exp.Window(
                this=cls(this=v.copy(), offset=exp.Literal.number(abs(k))),
                partition_by=[p.copy() for p in window.args.get("partition_by") or []],
                order=window.args["order"].copy(),
            )

        def present(k: int) -> exp.Expression:  # the row k away exists (COUNT(*))
            return (
                exp.Not(this=exp.Is(this=shifted(k, exp.Literal.number(1)), expression=exp.Null())) if k else exp.true()
            )

        terms = [shifted(k) for k in range(lo, hi + 1)]
        integer = _is(func.this, *_INTEGER)

        def total() -> exp.Expression:
            parts = [exp.Coalesce(this=t.copy(), expressions=[exp.Literal.number(0)]) for t in terms]
            if integer:
                parts = [exp.Cast(this=p, to=exp.DataType.build("INT128")) for p in parts]
            out = parts[0]
            for part in parts[1:]:
                out = exp.Add(this=out, expression=part)
            return exp.paren(out)

        def count() -> exp.Expression:
            flags = [
                exp.Case(
                    ifs=[
                        exp.If(
                            this=(present(k) if star else exp.Not(this=exp.Is(this=t.copy(), expression=exp.Null()))),
                            true=exp.Literal.number(1),
                        )
                    ],
                    default=exp.Literal.number(0),
                )
                for k, t in zip(range(lo, hi + 1), terms, strict=True)
            ]
            out = flags[0]
            for f in flags[1:]:
                out = exp.Add(this=out, expression=f)
            return exp.paren(out)

        if isinstance(func, exp.Count):
            new: exp.Expression = count()
        elif isinstance(func, exp.Min | exp.Max):
            new = (
                exp.Anonymous(
                    this="LEAST" if isinstance(func, exp.Min) else "GREATEST", expressions=[t.copy() for t in terms]
                )
                if len(terms) > 1
                else terms[0]
            )
        else:
            none = exp.EQ(this=count(), expression=exp.Literal.number(0))
            value_out = (
                total()
                if isinstance(func, exp.Sum)
                else exp.Div(this=exp.Cast(this=total(), to=exp.DataType.build("DOUBLE")), expression=count())
            )
            new = exp.Case(ifs=[exp.If(this=none, true=exp.Null())], default=value_out)
        window.replace(_typed(exp.paren(new), window.type.sql() if window.type else "DOUBLE"))


def _nonzero(node: exp.Expression) -> bool:
    """A divisor that is never 0: a non-zero number, or NULLIF(x, 0)."""
    while isinstance(node, exp.Paren | exp.Cast):
        node = node.this
    if isinstance(node, exp.Neg):
        return _nonzero(node.this)
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return float(node.this) != 0
        except ValueError:
            return False
    if isinstance(node, exp.Nullif):
        zero = node.expression
        return isinstance(zero, exp.Literal) and not zero.is_string and float(zero.this) == 0
    return False


def _modulo(tree: exp.Expression, problems: list[Problem]) -> None:
    """An integer ``x % y`` with a ``y`` that can be 0 is an error in PostgreSQL, SQL Server and DuckDB but NULL in
    polars: refused unless ``y`` is a non-zero number or ``NULLIF(y, 0)``."""
    for node in tree.find_all(exp.Mod):
        a, b = node.this.unnest(), node.expression.unnest()
        floats = _is(a, *exp.DataType.REAL_TYPES) or _is(b, *exp.DataType.REAL_TYPES)  # NaN in both
        if not floats and not _nonzero(node.expression):
            problems.append(
                (
                    node,
                    "untranslatable",
                    f"{node.sql()}: a remainder by 0 is an error in the SQL engines and NULL in polars",
                    "write x % NULLIF(y, 0) (NULL when y is 0)",
                )
            )


def _outer_only_in(tree: exp.Expression) -> None:
    """``x IN (SELECT c FROM t WHERE p AND q)`` where ``p`` names only outer columns (polars: "no table or struct
    column named ..."): ``(COALESCE(p, FALSE) AND x IN (SELECT c FROM t WHERE q))`` — the same in three-valued
    logic (a subquery whose WHERE is not TRUE is empty, and ``x IN (empty)`` is FALSE even for a NULL ``x``)."""
    for node in list(tree.find_all(exp.In)):
        query = node.args.get("query")
        select = query.this if isinstance(query, exp.Subquery) else query
        if (
            not isinstance(select, exp.Select)
            or select.args.get("where") is None
            or select.args.get("group")
            or select.args.get("limit")
            or any(e.find(exp.AggFunc, exp.Window) for e in select.selects)
        ):
            continue
        inner = {t.alias_or_name for t in select.find_all(exp.Table) if t.find_ancestor(exp.Select) is select}
        conjuncts = (
            list(select.args["where"].this.flatten())
            if isinstance(select.args["where"].this, exp.And)
            else [select.args["where"].this]
        )
        outer = [
            c
            for c in conjuncts
            if not c.find(exp.Subquery, exp.Exists, exp.Select)
            and any(True for _ in c.find_all(exp.Column))
            and all(col.table and col.table not in inner for col in c.find_all(exp.Column))
        ]
        if not outer:
            continue
        rest = [c for c in conjuncts if c not in outer]
        select.set("where", exp.Where(this=exp.and_(*rest)) if rest else None)
        guard = exp.Coalesce(this=exp.paren(exp.and_(*[c.copy() for c in outer])), expressions=[exp.false()])
        node.replace(exp.paren(exp.and_(guard, node.copy())))


def _char_positions(tree: exp.Expression) -> None:
    """polars' POSITION / STRPOS counts bytes (``POSITION('a' IN 'İstanbul')`` is 5, SQL says 4): the character
    position is the length of the text before the first match, plus one (0 when there is none; 1 for '')."""
    for node in list(tree.find_all(exp.StrPosition)):
        if node.args.get("position") is not None or node.args.get("occurrence") is not None:
            continue
        hay, needle = node.this, node.args.get("substr")
        if needle is None:
            continue
        before = exp.Length(
            this=exp.Anonymous(this="SPLIT_PART", expressions=[hay.copy(), needle.copy(), exp.Literal.number(1)])
        )
        found = exp.EQ(this=node.copy(), expression=exp.Literal.number(0))
        empty = exp.EQ(this=needle.copy(), expression=exp.Literal.string(""))
        out = exp.Case(
            ifs=[exp.If(this=empty, true=exp.Literal.number(1)), exp.If(this=found, true=exp.Literal.number(0))],
            default=exp.Add(this=before, expression=exp.Literal.number(1)),
        )
        node.replace(_typed(exp.paren(out), "BIGINT"))


def _constant_groups(tree: exp.Expression) -> None:
    """polars answers ``GROUP BY <constant>`` over no rows with one group of COUNT(*) = 0; SQL has no group then.
    ``HAVING COUNT(*) > 0`` drops that phantom group and nothing else (a real group has at least one row)."""
    for select in list(tree.find_all(exp.Select)):
        group = select.args.get("group")
        if group is None or not group.expressions or any(e.find(exp.Column) for e in group.expressions):
            continue
        nonempty = exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(0))
        having = select.args.get("having")
        select.set("having", exp.Having(this=exp.and_(having.this, nonempty) if having else nonempty))


def polars_pass(tree: exp.Expression, problems: list[Problem]) -> exp.Expression:
    """What polars computes differently from SQL engines (see the module docstring)."""
    _modulo(tree, problems)
    _constant_groups(tree)
    _char_positions(tree)
    _outer_only_in(tree)
    _quantiles(tree, problems)
    _date_formats(tree, problems)
    _row_frames(tree, problems)
    tree = _distinct_on(tree, problems)
    for join in list(tree.find_all(exp.Join)):
        if join.args.get("on") is not None:
            join.set("on", _push_not(join.args["on"]))
    for node in reversed(list(tree.find_all(exp.Lower))):  # innermost first: LOWER(LOWER(s))
        if node.meta.get("exact_lower"):
            continue
        inner = exp.func(
            "REPLACE",
            exp.func("REPLACE", node.this, exp.Literal.string("İ"), exp.Literal.string("i")),
            exp.Literal.string("Σ"),
            exp.Literal.string("σ"),
        )
        new = _typed(exp.Lower(this=inner), "VARCHAR")
        new.meta["exact_lower"] = True
        node.replace(new)
    for node in list(tree.find_all(exp.Left, exp.Right)):
        n = _int_value(node.expression)
        if n is None or n < 0:
            problems.append(
                (
                    node,
                    "untranslatable",
                    f"{node.sql()}: LEFT / RIGHT need a literal length >= 0 (engines differ for negative lengths)",
                    "use SUBSTRING(s, start, length)",
                )
            )
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
            problems.append(
                (
                    node,
                    "untranslatable",
                    f"{node.sql()}: REPLACE needs a non-empty literal search string "
                    "(polars and SQL engines differ for an empty one)",
                    "write the text to replace as a literal",
                )
            )
    for node in list(tree.find_all(exp.Replace)) if hasattr(exp, "Replace") else []:
        search = node.expression
        if not (_str_lit(search) and search.this != ""):
            problems.append(
                (
                    node,
                    "untranslatable",
                    f"{node.sql()}: REPLACE needs a non-empty literal search string "
                    "(polars and SQL engines differ for an empty one)",
                    "write the text to replace as a literal",
                )
            )
    return tree


__all__ = ["polars_pass", "typed_pass"]
