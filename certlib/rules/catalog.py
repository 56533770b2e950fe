"""The function and operator catalog: an allowlist, not a denylist.

Every function and operator a rule may use has one entry here: the source dialects it is accepted
from, its argument types, how it is translated for polars, and the differential cases (in
``tests/rules/catalog_cases.py``) that prove the translation gives DuckDB's rows. Anything not in the
catalog is refused at compile time with the rule file's line and column and a hint about *that*
construct (:data:`HINTS`). ``certlib rules functions [--dialect D]`` prints the catalog; the table in
docs/rule-pack.md is checked against it by a test.

The same allowlist is applied again to the final SQL each engine receives
(:func:`check_target_sql`), just before execution: a function the compiler did not put there (Spark's
``reflect``, ``java_method``, ``input_file_name``, ...) never reaches an engine.

>>> entry_for("Coalesce", "tsql").name
'COALESCE / ISNULL / NVL'
>>> entry_for("PercentileDisc", "duckdb") is None   # not (yet) in the catalog
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from certlib.errors import RuleError
from certlib.rules.model import Diagnostic

#: source dialects rules may be written in; every other sqlglot dialect is refused (its string
#: comparison, rounding and casting rules are not modelled: MySQL compares case-insensitively, ...)
SOURCE_DIALECTS: tuple[str, ...] = ("postgres", "duckdb", "tsql", "snowflake", "spark")
ALL = SOURCE_DIALECTS


@dataclass(frozen=True)
class Entry:
    """One function or operator a rule may use."""

    name: str  # as rule authors write it
    nodes: tuple[str, ...]  # sqlglot expression classes the parser produces for it
    dialects: tuple[str, ...]  # source dialects it is accepted from
    args: str  # argument types
    translation: str  # what polars receives
    cases: tuple[str, ...]  # differential cases proving it (tests/rules/catalog_cases.py)
    kind: str = "function"  # function | operator | aggregate | window


E = Entry
CATALOG: tuple[Entry, ...] = (
    # --- operators -------------------------------------------------------------------------
    E(
        "+ - * (numbers)",
        ("Add", "Sub", "Mul", "Neg"),
        ALL,
        "int, float, decimal",
        "same; date - date becomes a day count; date ± INTERVAL / integer days kept",
        ("arith", "date_arith"),
        "operator",
    ),
    E(
        "/",
        ("Div",),
        ALL,
        "int, float, decimal",
        "integer / integer truncates for postgres and tsql (true division for duckdb, snowflake, spark); "
        "an operand of unknown type is refused",
        ("division", "decimal_literals"),
        "operator",
    ),
    E("// (integer division)", ("IntDiv",), ("duckdb",), "int", "truncated division", ("division",), "operator"),
    E("%", ("Mod",), ALL, "int", "same (sign of the dividend)", ("arith",), "operator"),
    E(
        "= <> < <= > >=",
        ("EQ", "NEQ", "LT", "LTE", "GT", "GTE"),
        ALL,
        "same-typed values; a quoted literal against a date or integer is typed at compile time",
        "same; a quoted ISO date against a date -> DATE, a quoted integer against an integer -> the number; "
        "tsql strings compare as SQL Server does (case-insensitive, trailing blanks ignored)",
        ("compare", "tsql_strings"),
        "operator",
    ),
    E("AND OR NOT", ("And", "Or", "Not"), ALL, "bool", "same (three-valued)", ("compare",), "operator"),
    E(
        "IS [NOT] NULL / TRUE / FALSE",
        ("Is",),
        ALL,
        "any",
        "IS TRUE/FALSE as null-safe comparison",
        ("compare",),
        "operator",
    ),
    E(
        "IS [NOT] DISTINCT FROM",
        ("NullSafeEQ", "NullSafeNEQ"),
        ALL,
        "same-typed values",
        "same; in a JOIN ... ON: (a = b AND both NOT NULL) OR (a IS NULL AND b IS NULL)",
        ("join_not_distinct",),
        "operator",
    ),
    E(
        "[NOT] IN (list | subquery)",
        ("In",),
        ALL,
        "same-typed values",
        "same (NULL semantics kept)",
        ("compare",),
        "operator",
    ),
    E("= ANY (subquery)", ("Any",), ("postgres", "duckdb", "snowflake"), "subquery", "same", ("compare",), "operator"),
    E("[NOT] BETWEEN", ("Between",), ALL, "same-typed values", "same", ("compare",), "operator"),
    E(
        "[NOT] EXISTS (subquery)",
        ("Exists",),
        ALL,
        "subquery",
        "same, or a row-id join when correlated on a range",
        ("exists",),
        "operator",
    ),
    E(
        "LIKE",
        ("Like",),
        ALL,
        "string",
        "same (tsql: case-insensitive, trailing blanks of the value ignored)",
        ("strings", "tsql_strings"),
        "operator",
    ),
    E("CASE / IIF / IFF", ("Case", "If"), ALL, "bool conditions", "same", ("case_when",), "operator"),
    E(
        "CAST / CONVERT / ::",
        ("Cast",),
        ALL,
        "see translation",
        "same; float -> int rounds half to even (postgres, duckdb) or truncates (tsql, spark); decimal -> int refused",
        ("casts",),
        "operator",
    ),
    E(
        "TRY_CAST / TRY_CONVERT",
        ("TryCast",),
        ("tsql",),
        "text to INT, BIGINT or SMALLINT",
        "SQL Server's conversion: blanks around the digits and a sign allowed, '' / '+' / '-' are 0, anything else "
        "(12.5, 1e3, out of range) NULL",
        ("try_cast",),
        "operator",
    ),
    E(
        "INTERVAL 'n unit'",
        ("Interval",),
        ("postgres", "duckdb", "snowflake", "spark"),
        "day/week/month/year",
        "date ± INTERVAL 'n unit' with n >= 0 (a negative count flips the sign)",
        ("date_arith",),
        "operator",
    ),
    # --- functions ------------------------------------------------------------------------
    E("COALESCE / ISNULL / NVL", ("Coalesce",), ALL, "same-typed values", "same", ("coalesce",)),
    E("NULLIF", ("Nullif",), ALL, "same-typed values", "same", ("coalesce",)),
    E(
        "LENGTH / LEN / CHAR_LENGTH",
        ("Length",),
        ALL,
        "string",
        "BIGINT character count (T-SQL LEN ignores trailing blanks)",
        ("strings", "small_ints", "tsql_strings"),
    ),
    E("TRIM / LTRIM / RTRIM", ("Trim",), ALL, "string", "same (blanks)", ("strings",)),
    E(
        "SUBSTRING / SUBSTR",
        ("Substring",),
        ALL,
        "string, literal start, literal length",
        "same; a start below 1 is refused except in postgres and tsql (SQL's window rule)",
        ("substring",),
    ),
    E(
        "POSITION / STRPOS / CHARINDEX",
        ("StrPosition",),
        ALL,
        "string",
        "BIGINT, in characters (polars counts bytes); NULL for a NULL string",
        ("strings",),
    ),
    E(
        "regular expression match: ~ !~ ~* REGEXP_LIKE RLIKE regexp_matches",
        ("RegexpLike", "RegexpILike"),
        ALL,
        "string, literal pattern, literal flags (i, c)",
        "REGEXP_LIKE (Snowflake's: whole string); \\d \\w \\s \\b ASCII only (as in DuckDB/RE2); flags i, c",
        ("regex",),
    ),
    E(
        "LOWER",
        ("Lower",),
        ALL,
        "string",
        "one character to one, as SQL engines map it (polars' own would give İ -> i̇ and a final Σ -> ς); in tsql "
        "comparisons are case-insensitive anyway",
        ("case_mapping",),
    ),
    E(
        "LEFT / RIGHT",
        ("Left", "Right"),
        ALL,
        "string, literal length >= 0",
        "same; NULL for a NULL string",
        ("string_functions",),
    ),
    E(
        "REPLACE",
        ("Replace",),
        ALL,
        "string, non-empty literal search string (tsql: without letters)",
        "same (literal text, not a pattern)",
        ("string_functions",),
    ),
    E(
        "concatenation: a double pipe (a || b)",
        ("DPipe",),
        ("postgres", "duckdb", "snowflake", "spark"),
        "strings",
        "same (NULL when either side is NULL)",
        ("string_functions",),
        "operator",
    ),
    E(
        "CONTAINS",
        ("Contains",),
        ("duckdb", "snowflake"),
        "string, string",
        "STRPOS(s, t) > 0 (NULL for NULL)",
        ("string_functions",),
    ),
    E(
        "DAYOFWEEK / ISODOW / DAYOFWEEKISO",
        ("DayOfWeek", "DayOfWeekIso"),
        ("duckdb", "snowflake", "spark"),
        "date",
        "EXTRACT(DOW ...) (0 = Sunday; Spark's DAYOFWEEK 1 = Sunday) / EXTRACT(ISODOW ...) (1 = Monday)",
        ("dates",),
    ),
    E("ABS / FLOOR / CEIL", ("Abs", "Floor", "Ceil"), ALL, "numbers", "same", ("arith",)),
    E("ROUND", ("Round",), ALL, "integer only", "same (a non-integer is refused: halves differ)", ("arith",)),
    E(
        "EXTRACT / DATE_PART / YEAR / MONTH / DAY",
        ("Extract", "Year", "Month", "Day"),
        ALL,
        "date; year, month, day, dow, isodow, doy, week",
        "BIGINT; day of week 1 = Sunday for tsql (DATEFIRST 7) and spark, 0 = Sunday elsewhere; tsql "
        "DATEPART(week) refused (not ISO; iso_week is)",
        ("small_ints", "dates"),
    ),
    E("DATEDIFF / DATE_DIFF", ("DateDiff",), ALL, "day, month, year", "day numbers / EXTRACT (boundaries)", ("dates",)),
    E(
        "DATEADD / DATE_ADD",
        ("DateAdd",),
        ("tsql", "snowflake", "duckdb"),
        "day, week, month, year; a literal count (also negative)",
        "date + INTERVAL 'n unit' / date - INTERVAL 'n unit' (n >= 0); a computed count is refused",
        ("dates", "date_arith"),
    ),
    E(
        "strftime / FORMAT / TO_CHAR of a date",
        ("TimeToStr", "ToChar"),
        ("postgres", "duckdb", "tsql", "snowflake"),
        "a DATE; a literal format of year, month, day numbers and separators",
        "STRFTIME(d, '%Y-%m-%d') (names of months and days depend on the locale: refused)",
        ("date_formats",),
    ),
    E("CURRENT_DATE", ("CurrentDate",), ALL, "", "the run's :as_of_date (never the wall clock)", ("clock",)),
    E(
        "CAST(GETDATE() AS DATE) / CAST(NOW() AS DATE)",
        (),
        ALL,
        "",
        "the run's :as_of_date; a bare GETDATE() / NOW() / CURRENT_TIMESTAMP (a time of day) is refused",
        ("clock",),
    ),
    # --- aggregates -----------------------------------------------------------------------
    E("COUNT", ("Count",), ALL, "any; DISTINCT", "same", ("aggregates",), "aggregate"),
    E(
        "SUM",
        ("Sum",),
        ALL,
        "int, float",
        "an integer SUM is computed in 128 bits (no wrap-around)",
        ("aggregates", "small_ints"),
        "aggregate",
    ),
    E("MIN / MAX", ("Min", "Max"), ALL, "any", "same", ("aggregates",), "aggregate"),
    E("AVG", ("Avg",), ALL, "int, float", "same (DOUBLE)", ("aggregates",), "aggregate"),
    E(
        "BOOL_AND / BOOL_OR",
        ("LogicalAnd", "LogicalOr"),
        ("postgres", "duckdb", "snowflake"),
        "bool",
        "MIN / MAX",
        ("aggregates",),
        "aggregate",
    ),
    E(
        "MEDIAN / PERCENTILE_CONT / QUANTILE_CONT",
        ("Median", "PercentileCont", "WithinGroup"),
        ("postgres", "duckdb", "snowflake", "spark"),
        "a number; a literal fraction in [0, 1]; not as a window",
        "MEDIAN / QUANTILE_CONT (linear interpolation, NULLs ignored); ORDER BY x DESC takes 1 - p",
        ("quantiles",),
        "aggregate",
    ),
    # --- window functions -----------------------------------------------------------------
    E("ROW_NUMBER / RANK / DENSE_RANK", ("RowNumber", "Rank", "DenseRank"), ALL, "", "same", ("windows",), "window"),
    E("LAG / LEAD", ("Lag", "Lead"), ALL, "any, literal offset", "same", ("windows",), "window"),
)

#: query structure: always allowed (the catalog is about what computes values)
STRUCTURE = frozenset(
    {
        "Select",
        "From",
        "Join",
        "Where",
        "Group",
        "Having",
        "Order",
        "Ordered",
        "Limit",
        "Offset",
        "With",
        "CTE",
        "TableAlias",
        "Table",
        "Column",
        "Identifier",
        "Alias",
        "Star",
        "Literal",
        "Boolean",
        "Null",
        "DataType",
        "DataTypeParam",
        "Var",
        "Subquery",
        "Union",
        "Except",
        "Intersect",
        "Distinct",
        "Window",
        "WindowSpec",
        "Tuple",
        "Paren",
        "Placeholder",
        "Parameter",
        # conversions the parser inserts around DATEDIFF / DATEADD arguments in tsql, spark, snowflake
        "TsOrDsToDate",
        "TimeStrToTime",
        "TsOrDsAdd",
    }
)

_CASE_HINT = "engines map non-ASCII letters differently (ß, İ, ſ, final sigma), so certlib does not translate case mapping; for a case-insensitive match use a regular expression with the i flag, which matches the same in every engine: s ~* '^n' (postgres), REGEXP_LIKE(s, '^n', 'i') (duckdb, snowflake)"

#: what to write instead, for constructs authors reach for that are not (or not yet) in the catalog
HINTS: dict[str, str] = {
    "WithinGroup": "of the ordered-set aggregates only PERCENTILE_CONT ... WITHIN GROUP is translated",
    "PercentileDisc": "PERCENTILE_DISC is not translated; PERCENTILE_CONT (interpolated) is",
    "Quantile": "use PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY x) or MEDIAN(x)",
    "Collate": "COLLATE is not supported: certlib compares strings as the rule's dialect does by default "
    "(T-SQL: case-insensitive, trailing blanks ignored); use UPPER() or a binary comparison instead",
    "CurrentTimestamp": "the wall clock makes a report unrepeatable: use CAST(GETDATE() AS DATE), CURRENT_DATE "
    "or :as_of_date (the run's as-of date)",
    "Localtimestamp": "the wall clock makes a report unrepeatable: use CURRENT_DATE or :as_of_date",
    "CurrentTime": "the wall clock makes a report unrepeatable: use CURRENT_DATE or :as_of_date",
    "CurrentDatetime": "the wall clock makes a report unrepeatable: use CURRENT_DATE or :as_of_date",
    "Anonymous:NOW": "the wall clock makes a report unrepeatable: use CURRENT_DATE or :as_of_date",
    "Anonymous:GETUTCDATE": "the wall clock makes a report unrepeatable: use CAST(GETDATE() AS DATE) or :as_of_date",
    "Anonymous:SYSUTCDATETIME": "the wall clock makes a report unrepeatable: use :as_of_date",
    "Anonymous:REFLECT": "reflect reaches Java; rules may only compute on the pack's tables",
    "Anonymous:JAVA_METHOD": "java_method reaches Java; rules may only compute on the pack's tables",
    "Anonymous:INPUT_FILE_NAME": "input_file_name reveals file paths; rules may only read the pack's tables",
    "TimeToStr": "formatting dates as text (strftime / FORMAT / TO_CHAR) is not translated exactly yet; "
    "compare EXTRACT(YEAR ...) / EXTRACT(MONTH ...) numbers instead",
    "ToChar": "TO_CHAR is not translated exactly yet; compare EXTRACT(...) numbers instead",
    "DayOfWeek": "use EXTRACT(DOW FROM d) (0 = Sunday) or EXTRACT(ISODOW FROM d) (1 = Monday)",
    "DayOfWeekIso": "use EXTRACT(ISODOW FROM d) (1 = Monday .. 7 = Sunday)",
    "Anonymous:AGE": "AGE returns an interval with no faithful translation; compare dates, e.g. "
    "birth_date <= :as_of_date - INTERVAL '6 years'",
    "Anonymous:MAKE_DATE": "MAKE_DATE is not translated; compare with a DATE 'YYYY-MM-DD' literal",
    "RegexpReplace": "REGEXP_REPLACE is not translated exactly (replacement syntax differs by engine); "
    "match with REGEXP_LIKE instead",
    "RegexpExtract": "REGEXP_EXTRACT is not translated exactly; match with REGEXP_LIKE instead",
    "Anonymous:REGEXP_MATCHES": "in PostgreSQL regexp_matches returns a set of arrays; use s ~ 'pattern'",
    "SimilarTo": "SIMILAR TO is not translated; use a regular expression: s ~ '^...$'",
    "Filter": "aggregate FILTER (WHERE ...) is not translated; use SUM(CASE WHEN ... THEN 1 ELSE 0 END)",
    "Lateral": "LATERAL is not supported; use a join or a correlated subquery",
    "Unnest": "UNNEST is not supported; rules read the pack's tables",
    "GroupConcat": "STRING_AGG / LISTAGG is not translated; list the rows instead",
    "TryToNumber": "converting text to numbers leniently is not translated exactly yet: test the text, e.g. "
    "s ~ '^[0-9]+$'",
    "TryCast": "TRY_CAST / TRY_CONVERT are translated only from T-SQL (engines accept different text: DuckDB rounds "
    "'12.5', reads '1e3' and '0x1F'): test the text first, e.g. WHERE s ~ '^[0-9]+$'",
    "ILike": "ILIKE: " + _CASE_HINT,
    "Initcap": "INITCAP: " + _CASE_HINT,
    "Contains": "use STRPOS(s, t) > 0 or s LIKE '%t%'",
    "Upper": "UPPER: engines upper-case ß, ligatures and some Greek letters differently (DuckDB ß -> ẞ, polars and "
    "Snowflake -> SS, PostgreSQL keeps ß); compare LOWER(s) instead (one character to one in every "
    "engine), or use a regular expression with the i flag: REGEXP_LIKE(s, '^n', 'i')",
    "StartsWith": "use s LIKE 't%'",
    "EndsWith": "use s LIKE '%t'",
    "Concat": "CONCAT is not translated yet (NULL handling differs); use CASE/COALESCE",
    "DPipe": "|| is not accepted from this dialect; in T-SQL use + (NULL when either side is NULL)",
    "ToNumber": "use CAST(s AS INT) or TRY_CAST(s AS INT)",
}

_BY_NODE: dict[str, list[Entry]] = {}
for _entry in CATALOG:
    for _node in _entry.nodes:
        _BY_NODE.setdefault(_node, []).append(_entry)


def node_key(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return f"Anonymous:{str(node.this).upper()}"
    return type(node).__name__


def entry_for(node_name: str, dialect: str) -> Entry | None:
    """The catalog entry accepting ``node_name`` (a sqlglot class name) from ``dialect``, if any."""
    return next((e for e in _BY_NODE.get(node_name, ()) if dialect in e.dialects), None)


def display_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return f"{str(node.this).upper()}(...)"
    entries = _BY_NODE.get(type(node).__name__)
    if entries:
        return entries[0].name
    try:
        name = node.sql_name()
    except Exception:  # pragma: no cover - defensive
        name = type(node).__name__
    return f"{name}(...)" if isinstance(node, exp.Func) else name


Problem = tuple[exp.Expression, str, str, str | None]


def _written_name(node: exp.Expression, dialect: str) -> str:
    """A refused function as the rule's dialect spells it (T-SQL's ``GETDATE(...)``, not sqlglot's
    ``CURRENT_TIMESTAMP``), else :func:`display_name`."""
    if isinstance(node, exp.Func) and not isinstance(node, exp.Anonymous):
        try:
            head = node.sql(dialect=dialect).split("(", 1)[0].strip()
        except Exception:  # noqa: BLE001 - a node the dialect cannot print: the catalog's name
            head = ""
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", head):
            return f"{head.upper()}(...)"
    return display_name(node)


def check_catalog(tree: exp.Expression, dialect: str) -> list[Problem]:
    """Every node of ``tree`` (parsed in ``dialect``) must be query structure or in the catalog."""
    problems: list[Problem] = []
    if dialect not in SOURCE_DIALECTS:
        problems.append(
            (
                tree,
                "dialect",
                f"rules in dialect {dialect!r} are not supported",
                f"write the rule in one of: {', '.join(SOURCE_DIALECTS)} (string comparison, rounding "
                f"and casting rules of {dialect} are not modelled)",
            )
        )
        return problems
    for node in tree.walk():
        key = node_key(node)
        if key in STRUCTURE or isinstance(node.parent, exp.DataType):
            continue
        if entry_for(key, dialect) is not None:
            continue
        others = [d for e in _BY_NODE.get(key, ()) for d in e.dialects]
        name = _written_name(node, dialect)
        if others:
            problems.append(
                (
                    node,
                    "not-in-catalog",
                    f"{name} is not accepted from dialect {dialect}",
                    f"it is accepted from {', '.join(sorted(set(others)))}; see `certlib rules functions "
                    f"--dialect {dialect}`" + (f"; {HINTS[key]}" if key in HINTS else ""),
                )
            )
        else:
            problems.append(
                (
                    node,
                    "not-in-catalog",
                    f"{name} is not in certlib's function catalog",
                    HINTS.get(key) or f"see `certlib rules functions --dialect {dialect}` for what rules may use",
                )
            )
    return problems


# --- the final SQL each engine receives ------------------------------------------------------

#: pure functions the compiler's rewrites and sqlglot's printers write into the target SQL
_HELPERS = frozenset(
    {
        "Trunc",
        "Cast",
        "TryCast",
        "Case",
        "If",
        "Floor",
        "Ceil",
        "Round",
        "Extract",
        "Interval",
        "DateAdd",
        "DateSub",
        "TsOrDsAdd",
        "TsOrDsToDate",
        "TimeStrToTime",
        "StrToTime",
        "StrToDate",
        "DateDiff",
        "DatetimeDiff",
        "TimestampDiff",
        "Coalesce",
        "Length",
        "Substring",
        "Trim",
        "StrPosition",
        "Locate",
        "RegexpLike",
        "RegexpFullMatch",
        "Is",
        "Not",
        "Paren",
        "Neg",
        "Sub",
        "Add",
        "Div",
        "Mul",
        "IntDiv",
        "Mod",
        "Or",
        "And",
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "NullSafeEQ",
        "NullSafeNEQ",
        "Between",
        "In",
        "Exists",
        "Like",
        "ILike",
        "Upper",
        "Lower",
        "Min",
        "Max",
        "Window",
        "RowNumber",
        "Date",
        "DateStrToDate",
        "DPipe",
        "Concat",
        "UnixDate",
        "DiToDate",
        "TsOrDiToDi",
        "DateToDi",
        "DatetimeAdd",
        "DatetimeSub",
        "TimestampAdd",
        "TimestampSub",
        "Abs",
        "Sign",
        "Anonymous:BROUND",
        "Anonymous:DATEDIFF",
        "Anonymous:REGEXP_LIKE",
        "Anonymous:STRPOS",
        "Anonymous:DATE_DIFF",
        "Anonymous:DATE_ADD",
        "Anonymous:DATEADD",
        "Anonymous:RLIKE",
        "Anonymous:REGEXP_MATCHES",
        "Anonymous:TRUNC",
        "Anonymous:CONTAINS",
        "Anonymous:LEN",
        "Anonymous:CHARINDEX",
        "Anonymous:DATEFROMPARTS",
        "Anonymous:MEDIAN",
        "Anonymous:QUANTILE_CONT",
        "Anonymous:SPLIT_PART",
        "SplitPart",
        "Anonymous:STRFTIME",
        "Anonymous:LEAST",
        "Anonymous:GREATEST",
        "Greatest",
        "Least",
        "Lag",
        "Lead",
        "Replace",
    }
)
#: never in any engine's SQL, whatever produced it
DENIED_NAMES = frozenset(
    {
        "REFLECT",
        "JAVA_METHOD",
        "INPUT_FILE_NAME",
        "INPUT_FILE_BLOCK_START",
        "INPUT_FILE_BLOCK_LENGTH",
        "CURRENT_USER",
        "USER",
        "SESSION_USER",
        "CURRENT_CATALOG",
        "CURRENT_DATABASE",
        "CURRENT_SCHEMA",
        "VERSION",
        "UUID",
        "RAND",
        "RANDOM",
        "SHUFFLE",
        "GETENV",
        "SECRET",
        "AES_DECRYPT",
        "AES_ENCRYPT",
        "TRY_AES_DECRYPT",
        "URL_DECODE",
        "PARSE_URL",
        "XPATH",
        "FROM_JSON",
        "SPARK_PARTITION_ID",
        "MONOTONICALLY_INCREASING_ID",
    }
)
_ALLOWED = frozenset({n for e in CATALOG for n in e.nodes} | STRUCTURE | _HELPERS)


def target_problems(sql: str, target: str) -> list[str]:
    """What in the final ``sql`` for ``target`` ("polars", "spark", "duckdb", ...) is not allowed."""
    from certlib.rules.polars_dialect import Polars

    read = Polars if target == "polars" else target
    try:
        trees = [t for t in sqlglot.parse(sql, read=read) if t is not None]
    except Exception as err:  # noqa: BLE001 - unparsable final SQL is refused, not run
        return [f"the SQL for {target} does not parse back ({str(err).splitlines()[0][:200]})"]
    if len(trees) != 1:
        return [f"the SQL for {target} is {len(trees)} statements, not one query"]
    allowed = _ALLOWED
    found: list[str] = []
    for node in trees[0].walk():
        key = node_key(node)
        bare = (
            key.split(":", 1)[-1].upper()
            if key.startswith("Anonymous:")
            else (node.sql_name().upper() if isinstance(node, exp.Func) else "")
        )
        if bare in DENIED_NAMES:
            found.append(f"{bare.lower()}(...) is never allowed")
        elif (
            isinstance(node, exp.Func | exp.Binary | exp.Unary)
            and key not in allowed
            and not isinstance(node.parent, exp.DataType)
        ):
            found.append(f"{display_name(node)} is not in {target}'s allowlist")
        elif isinstance(node, exp.Query | exp.Table) and not isinstance(node, exp.Query | exp.Table):
            pass  # pragma: no cover
    from certlib.rules.safety import check_read_only

    for d in check_read_only(trees[0], {}):
        if d.code != "unknown-table":
            found.append(d.message)
    return sorted(set(found))


def check_target_sql(sql: str, target: str) -> None:
    """Raise :class:`RuleError` when the final SQL for ``target`` uses anything outside its allowlist."""
    found = target_problems(sql, target)
    if found:
        raise RuleError(
            f"refused to send SQL to {target}: " + "; ".join(found),
            [Diagnostic(None, None, None, None, "error", "target-allowlist", f, None) for f in found],
        )


def catalog_rows(dialect: str | None = None) -> list[dict[str, str]]:
    """The catalog as rows (for ``certlib rules functions`` and the docs)."""
    rows = []
    for e in CATALOG:
        if dialect is not None and dialect not in e.dialects:
            continue
        rows.append(
            {
                "name": e.name,
                "kind": e.kind,
                "dialects": ", ".join(e.dialects),
                "args": e.args,
                "translation": e.translation,
                "cases": ", ".join(e.cases),
            }
        )
    return rows


Locate = Callable[[exp.Expression], tuple[int | None, int | None]]

__all__ = [
    "CATALOG",
    "HINTS",
    "SOURCE_DIALECTS",
    "Entry",
    "catalog_rows",
    "check_catalog",
    "check_target_sql",
    "entry_for",
    "target_problems",
]
