"""Targeted rewrites for the polars target: only what polars would run differently or not at all.

Each rewrite works on a qualified, type-annotated tree and either rewrites a node faithfully or
reports it as ``untranslatable`` — never a silently different answer.

* ``date - date``: PostgreSQL/DuckDB give whole days; polars gives a duration that compares wrongly
  with integers. Rewritten as the difference of the dates' day numbers.
* ``DATE_DIFF`` / ``DATEDIFF`` (day, month, year): polars lacks the function; rewritten with day
  numbers or EXTRACT, using the boundary-counting semantics DuckDB and T-SQL share.
* integer ``/`` from a typed dialect with operand types that cannot be inferred: refused, since
  polars' ``/`` is true division and guessing would change counts.
* ``CAST(float AS int)``: polars truncates; PostgreSQL and DuckDB round half to even (T-SQL, Spark,
  Hive and SQLite truncate). Rewritten as ``CAST(ROUND(x) AS ...)`` (polars' ROUND is half to even)
  for the rounding dialects, kept for the truncating ones, refused for any other source dialect.
* ``ROUND(float)``: engines round halves differently (polars and PostgreSQL's double precision: half
  to even; DuckDB and NUMERIC: half away from zero), so a ROUND of a non-integer is refused; write
  ``FLOOR(x + 0.5)`` (half up) or compare without rounding.
* ``POSITION`` / ``STRPOS``: polars answers 0 for a NULL string where SQL answers NULL; the NULL is
  put back with a CASE. A start position argument is refused.
* ``AGE``: refused (interval semantics differ); compare dates instead.

>>> import sqlglot
>>> from sqlglot.optimizer.annotate_types import annotate_types
>>> t = annotate_types(sqlglot.parse_one("SELECT CAST('2024-02-01' AS DATE) - CAST('2024-01-01' AS DATE) AS d"))
>>> rewrite_for_polars(t)[0].sql("postgres")
"SELECT CAST(CAST('2024-02-01' AS DATE) AS BIGINT) - CAST(CAST('2024-01-01' AS DATE) AS BIGINT) AS d"
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from certlib.rules.model import Diagnostic
from certlib.rules.plan_rewrites import plan_rewrites
from certlib.rules.translate import polars_pass

Problem = tuple[exp.Expression, str, str, str | None]  # node, code, message, hint

_DATE = (exp.DType.DATE,)
_TIMESTAMP = tuple(
    t for t in (exp.DType.DATETIME, exp.DType.TIMESTAMP, exp.DType.TIMESTAMPTZ, exp.DType.TIMESTAMPLTZ) if t is not None
)


def _is(node: exp.Expression, types: tuple) -> bool:
    return node.type is not None and node.type.this in types


def _unknown(node: exp.Expression) -> bool:
    return node.type is None or node.type.this in (exp.DType.UNKNOWN, exp.DType.NULL)


def _day_number(node: exp.Expression) -> exp.Expression:
    inner = node.copy()
    if _is(node, _TIMESTAMP):
        inner = exp.cast(inner, exp.DType.DATE)
    return exp.cast(inner, exp.DType.BIGINT)


def _extract(part: str, node: exp.Expression) -> exp.Expression:
    return exp.Extract(this=exp.var(part.upper()), expression=node.copy())


def _date_subtraction(node: exp.Sub, problems: list[Problem]) -> exp.Expression:
    left, right = node.this, node.expression
    if _is(left, _DATE) and _is(right, _DATE):
        return exp.Sub(this=_day_number(left), expression=_day_number(right))
    if (_is(left, _TIMESTAMP) and (_is(right, _TIMESTAMP) or _is(right, _DATE))) or (
        _is(left, _DATE) and _is(right, _TIMESTAMP)
    ):
        problems.append(
            (
                node,
                "untranslatable",
                "timestamp - timestamp (an interval) cannot be translated to polars",
                "compare timestamps, or subtract dates: CAST(x AS DATE) - CAST(y AS DATE) gives days",
            )
        )
    elif (_is(left, _DATE) or _is(left, _TIMESTAMP)) and _unknown(right):
        problems.append(
            (
                node,
                "untranslatable",
                f"cannot tell the type of {right.sql()} in a date subtraction",
                "CAST it to DATE (days between dates) or INT (days to subtract)",
            )
        )
    return node


def _date_diff(node: exp.DateDiff, problems: list[Problem]) -> exp.Expression:
    unit = (node.text("unit") or "DAY").upper()
    end, start = node.this, node.expression
    # sqlglot wraps string arguments of DATEDIFF in TimeStrToTime; the column underneath is typed
    end = end.this if isinstance(end, exp.TimeStrToTime) and not _unknown(end.this) else end
    start = start.this if isinstance(start, exp.TimeStrToTime) and not _unknown(start.this) else start
    if unit in ("DAY", "DAYS", "D", "DD"):
        return exp.paren(exp.Sub(this=_day_number(end), expression=_day_number(start)), copy=False)
    if unit in ("YEAR", "YEARS", "YY", "YYYY"):
        return exp.paren(exp.Sub(this=_extract("year", end), expression=_extract("year", start)), copy=False)
    if unit in ("MONTH", "MONTHS", "MM", "M"):
        years = exp.Sub(this=_extract("year", end), expression=_extract("year", start))
        months = exp.Sub(this=_extract("month", end), expression=_extract("month", start))
        return exp.paren(
            exp.Add(this=exp.Mul(this=exp.paren(years), expression=exp.Literal.number(12)), expression=months),
            copy=False,
        )
    problems.append(
        (
            node,
            "untranslatable",
            f"DATE_DIFF with unit {unit} cannot be translated faithfully to polars",
            "use day, month or year",
        )
    )
    return node


def _typed_division(node: exp.Div, problems: list[Problem]) -> exp.Expression:
    if node.args.get("typed") and (_unknown(node.this) or _unknown(node.expression)):
        problems.append(
            (
                node,
                "untranslatable",
                f"cannot tell whether {node.sql()} is integer or true division",
                "CAST one operand (e.g. CAST(x AS DOUBLE) / y, or CAST(x AS INT) / y)",
            )
        )
    return node


_INTEGER = tuple(exp.DataType.INTEGER_TYPES)
_FLOATING = (exp.DType.DOUBLE, exp.DType.FLOAT)
_DECIMAL = tuple(t for t in exp.DataType.REAL_TYPES if t not in _FLOATING)
#: source dialects whose CAST(float AS int) rounds half to even (like polars' ROUND), or truncates (like polars' CAST)
_CAST_ROUNDS = ("postgres", "duckdb")
_CAST_TRUNCATES = ("tsql", "spark", "spark2", "databricks", "hive", "sqlite")


def _float_to_int(node: exp.Cast, dialect: str, problems: list[Problem]) -> exp.Expression:
    if node.to.this not in _INTEGER:
        return node
    constant_decimal = not any(True for _ in node.this.find_all(exp.Column)) and any(
        lit.is_number and not lit.is_int for lit in node.this.find_all(exp.Literal)
    )  # 2.5 is NUMERIC in SQL
    if (
        _is(node.this, _DECIMAL) or constant_decimal
    ):  # NUMERIC rounds half away from zero in PostgreSQL; polars has no such cast
        problems.append(
            (
                node,
                "untranslatable",
                f"CAST of a decimal to an integer ({node.sql()}) rounds halves away from zero; polars truncates",
                "use FLOOR(x), CEIL(x) or FLOOR(x + 0.5) before the CAST",
            )
        )
        return node
    if not _is(node.this, _FLOATING):
        return node
    if dialect in _CAST_ROUNDS:
        rounded = exp.Round(this=node.this.copy())
        rounded.type = node.this.type
        return exp.Cast(this=rounded, to=node.to.copy())
    if dialect in _CAST_TRUNCATES:
        return node
    problems.append(
        (
            node,
            "untranslatable",
            f"CAST of a float to an integer ({node.sql()}) rounds differently in {dialect} than in polars",
            "use FLOOR(x), CEIL(x) or FLOOR(x + 0.5) before the CAST",
        )
    )
    return node


def _round(node: exp.Round, problems: list[Problem]) -> exp.Expression:
    if _is(node.this, _INTEGER):
        return node
    problems.append(
        (
            node,
            "untranslatable",
            f"ROUND of a non-integer ({node.sql()}) rounds halves differently "
            "across engines (half to even vs half away from zero)",
            "use FLOOR(x + 0.5) for half up, or compare the unrounded value",
        )
    )
    return node


def _str_position(node: exp.StrPosition, problems: list[Problem]) -> exp.Expression:
    if node.args.get("position") is not None or node.args.get("occurrence") is not None:
        problems.append(
            (
                node,
                "untranslatable",
                f"{node.sql()} with a start position or occurrence has no polars translation",
                "use POSITION(needle IN SUBSTRING(s FROM n)) or compare substrings",
            )
        )
        return node
    parts = [p for p in (node.this, node.args.get("substr")) if p is not None and not isinstance(p, exp.Literal)]
    if not parts:
        return node
    is_null = exp.or_(*[exp.Is(this=p.copy(), expression=exp.Null()) for p in parts])
    return exp.Case(ifs=[exp.If(this=is_null, true=exp.Null())], default=node)


def _age(node: exp.Expression, problems: list[Problem]) -> exp.Expression:
    problems.append(
        (
            node,
            "untranslatable",
            "AGE(...) has no faithful polars translation",
            "compare dates directly, e.g. birth_date <= :as_of_date - INTERVAL '6 years'",
        )
    )
    return node


def _rewriter(problems: list[Problem], dialect: str) -> Callable[[exp.Expression], exp.Expression]:
    def visit(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Cast) and not isinstance(node, exp.TryCast):
            return _float_to_int(node, dialect, problems)
        if isinstance(node, exp.Round):
            return _round(node, problems)
        if isinstance(node, exp.StrPosition):
            return _str_position(node, problems)
        if isinstance(node, exp.Sub):
            return _date_subtraction(node, problems)
        if isinstance(node, exp.DateDiff):
            return _date_diff(node, problems)
        if isinstance(node, exp.Div):
            return _typed_division(node, problems)
        if isinstance(node, exp.Anonymous) and str(node.this).upper() == "AGE":
            return _age(node, problems)
        return node

    return visit


def rewrite_for_polars(tree: exp.Expression, dialect: str = "postgres") -> tuple[exp.Expression, list[Problem]]:
    """Rewrite a typed tree (parsed in ``dialect``) for polars; returns the new tree and the constructs
    it had to refuse."""
    problems: list[Problem] = []
    out = tree.transform(_rewriter(problems, dialect.lower()), copy=True)
    out = polars_pass(out, problems)  # certlib/rules/translate.py: LOWER, LEFT/RIGHT, REPLACE for polars
    out = typed_rewrites(out, dialect.lower(), problems)
    return (plan_rewrites(out) if not problems else out), problems


def as_diagnostics(problems: list[Problem], locate, rule_id: str | None, file: str | None) -> list[Diagnostic]:
    out = []
    for node, code, message, hint in problems:
        line, col = locate(node)
        out.append(Diagnostic(rule_id, file, line, col, "error", code, message, hint))
    return out


# --- typed rewrites (issue 13): integer widths, joins on null-safe equality, substrings, regexes ---------

#: functions whose polars result is a small or unsigned integer (EXTRACT: i8, LENGTH / STRPOS: u32), so
#: ``MONTH(d) * 100 + DAY(d)`` overflows and ``LENGTH(s) - 10`` wraps around; SQL engines answer BIGINT
_SMALL_INT_FUNCS = (exp.Extract, exp.Year, exp.Month, exp.Day, exp.Length, exp.StrPosition)


def _bigint(node: exp.Expression) -> exp.Expression:
    out = exp.Cast(this=node, to=exp.DataType.build("BIGINT"))
    out.type = exp.DataType.build("BIGINT")
    return out


def _ascii_regex(pattern: str) -> str | None:
    """``pattern`` with \\d \\w \\s \\b made ASCII-only (RE2/DuckDB semantics; polars' are Unicode), or
    None when a construct cannot be translated (a negated class escape inside ``[...]``)."""
    out, i, in_class = [], 0, False
    outside = {
        "d": "[0-9]",
        "D": "[^0-9]",
        "w": "[0-9A-Za-z_]",
        "W": "[^0-9A-Za-z_]",
        "s": "[\\t\\n\\f\\r ]",
        "S": "[^\\t\\n\\f\\r ]",
        "b": "(?-u:\\b)",
        "B": "(?-u:\\B)",
    }
    inside = {"d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\f\\r "}
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if in_class and nxt in inside:
                out.append(inside[nxt])
            elif in_class and nxt in "DWSbB":
                return None
            elif not in_class and nxt in outside:
                out.append(outside[nxt])
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
            out.append(ch)
            i += 1
            if i < len(pattern) and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < len(pattern) and pattern[i] == "]":
                out.append("\\]")
                i += 1
            continue
        if ch == "[" and in_class and pattern[i : i + 2] == "[:":
            end = pattern.find(":]", i)
            if end < 0:
                return None
            out.append(pattern[i : end + 2])
            i = end + 2
            continue
        if ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


def _regex(node: exp.Expression, problems: list[Problem]) -> exp.Expression:
    pattern = node.expression
    flags = node.args.get("flag")
    if not (isinstance(pattern, exp.Literal) and pattern.is_string):
        problems.append(
            (
                node,
                "untranslatable",
                "a regular expression must be a string literal "
                f"({node.sql()}): engines differ in what \\d, \\w, \\s match",
                "write the pattern as a literal, e.g. s ~ '^[0-9]+$'",
            )
        )
        return node
    prefix = "(?i)" if isinstance(node, exp.RegexpILike) else ""
    if flags is not None:
        if not (isinstance(flags, exp.Literal) and flags.is_string and set(flags.this) <= set("ic")):
            problems.append(
                (
                    node,
                    "untranslatable",
                    f"regular expression flags {flags.sql()} cannot be translated",
                    "only the flags 'i' (ignore case) and 'c' (case-sensitive) are supported",
                )
            )
            return node
        for f in flags.this:  # the last of i / c wins, as in DuckDB and PostgreSQL
            prefix = "(?i)" if f == "i" else ""
    translated = _ascii_regex(pattern.this)
    if translated is None:
        problems.append(
            (
                node,
                "untranslatable",
                f"the regular expression {pattern.sql()} cannot be translated",
                "write \\D, \\W, \\S outside a [...] class, or list the characters",
            )
        )
        return node
    if node.args.get("full_match"):  # Snowflake's REGEXP_LIKE / RLIKE match the whole string
        translated = f"^(?:{translated})$"
    out = exp.RegexpLike(this=node.this, expression=exp.Literal.string(prefix + translated))
    out.type = exp.DataType.build("BOOLEAN")
    return out


def _substring(node: exp.Substring, dialect: str, problems: list[Problem]) -> None:
    start, length = node.args.get("start"), node.args.get("length")

    def literal_int(e: exp.Expression | None) -> int | None:
        if isinstance(e, exp.Neg) and isinstance(e.this, exp.Literal) and e.this.is_int:
            return -int(e.this.this)
        return int(e.this) if isinstance(e, exp.Literal) and e.is_int else None

    s = literal_int(start) if start is not None else 1
    n = literal_int(length) if length is not None else 0
    if s is None or (length is not None and n is None):
        problems.append(
            (
                node,
                "untranslatable",
                f"{node.sql()}: SUBSTRING with a computed start or length is not "
                "translated (engines differ below 1 and for negative lengths)",
                "use integer literals, e.g. SUBSTRING(s, 1, 3)",
            )
        )
    elif n is not None and n < 0:
        problems.append(
            (
                node,
                "untranslatable",
                f"{node.sql()}: a negative SUBSTRING length is an error in PostgreSQL and differs elsewhere",
                "use a length >= 0",
            )
        )
    elif s < 1 and dialect not in ("postgres", "tsql"):
        problems.append(
            (
                node,
                "untranslatable",
                f"{node.sql()}: a start below 1 counts from the end of the string in "
                f"{dialect} (PostgreSQL and T-SQL count a window before the first character)",
                "use RIGHT(s, n) semantics explicitly, e.g. SUBSTRING(s, LENGTH(s) - 2, 3), or a start >= 1",
            )
        )


def _join_null_safe(tree: exp.Expression) -> None:
    """``JOIN ... ON a IS NOT DISTINCT FROM b`` plans wrongly (or panics) in polars when combined with
    other conditions: written as ``(a = b OR (a IS NULL AND b IS NULL))``, which is the same where the
    condition is not negated; under a ``NOT`` (a ``NOT EXISTS`` condition the decorrelator moved into a
    join) as ``((a = b AND a IS NOT NULL AND b IS NOT NULL) OR (a IS NULL AND b IS NULL))``, never NULL
    like the original."""
    for join in list(tree.find_all(exp.Join)):
        on = join.args.get("on")
        if on is None:
            continue
        for eq in list(on.find_all(exp.NullSafeEQ)):
            a, b = eq.this, eq.expression
            both_null = exp.and_(
                exp.Is(this=a.copy(), expression=exp.Null()), exp.Is(this=b.copy(), expression=exp.Null())
            )
            equal: exp.Expression = exp.EQ(this=a.copy(), expression=b.copy())
            negated = any(isinstance(p, exp.Not) for p in _ancestors(eq, on))
            if negated:  # NULL = x is NULL, and NOT NULL is NULL: the never-NULL form under a NOT
                equal = exp.paren(
                    exp.and_(
                        equal,
                        exp.not_(exp.Is(this=a.copy(), expression=exp.Null())),
                        exp.not_(exp.Is(this=b.copy(), expression=exp.Null())),
                    )
                )
            eq.replace(exp.paren(exp.or_(equal, exp.paren(both_null))))


def _ancestors(node: exp.Expression, stop: exp.Expression):
    p = node.parent
    while p is not None and p is not stop:
        yield p
        p = p.parent


def portable_regex(tree: exp.Expression, problems: list[Problem]) -> exp.Expression:
    """Every regex predicate as a plain ``RegexpLike`` with an inline ``(?i)`` and ASCII classes: the one
    form polars (Rust regex) and Spark (Java regex) read alike; flags and ``~*`` are not dropped."""
    for node in list(tree.find_all(exp.RegexpLike, exp.RegexpILike)):
        new = _regex(node, problems)
        if new is not node:
            node.replace(new)
    return tree


def typed_rewrites(tree: exp.Expression, dialect: str, problems: list[Problem]) -> exp.Expression:
    """Rewrites decided by the annotated types, applied bottom-up after :func:`rewrite_for_polars`'s."""
    _join_null_safe(tree)
    portable_regex(tree, problems)
    for node in list(tree.find_all(exp.Substring)):
        _substring(node, dialect, problems)
    for node in list(tree.find_all(exp.Sum)):
        arg = node.this
        if _is(arg, _INTEGER) or (isinstance(arg, exp.Distinct) is False and _is(arg, _INTEGER)):
            node.set("this", exp.Cast(this=arg.copy(), to=exp.DataType.build("INT128")))
    for node in list(tree.find_all(*_SMALL_INT_FUNCS)):
        if isinstance(node.parent, exp.Cast) and node.parent.to.is_type(exp.DType.BIGINT):
            continue
        node.replace(_bigint(node.copy()))
    return tree
