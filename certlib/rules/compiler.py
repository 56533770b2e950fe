"""Compile a rule: parse, refuse anything unsafe, bind parameters, qualify columns against the pack's
schema, rewrite only what polars runs differently, and print for the target (polars or any sqlglot
dialect). A plan on empty typed frames proves polars accepts the result before any data is read.

>>> from certlib.rules import load_pack
>>> pack = load_pack()                                                        # doctest: +SKIP
>>> c = compile_sql("SELECT enrollment_id FROM enrollments WHERE grade = '13'", pack)  # doctest: +SKIP
>>> c.key_columns                                                             # doctest: +SKIP
('enrollment_id',)
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import polars as pl
import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, TokenError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope, traverse_scope
from sqlglot.schema import MappingSchema

from certlib.errors import RuleError
from certlib.rules.catalog import check_catalog, target_problems
from certlib.rules.decorrelate import decorrelate_exists
from certlib.rules.decorrelate_scalar import decorrelate_scalar
from certlib.rules.model import POLARS_TYPES, CompiledRule, Diagnostic, Pack, Rule
from certlib.rules.names import (
    did_you_mean,
    resolve_columns,
    resolve_tables,
    same_column,
    split_schema_tables,
)
from certlib.rules.normalize import normalize
from certlib.rules.polars_dialect import Polars
from certlib.rules.rewrites import as_diagnostics, portable_regex, rewrite_for_polars
from certlib.rules.safety import check_read_only
from certlib.rules.translate import typed_pass
from certlib.rules.tsql import tsql_semantics

DEFAULT_PARAMS: dict[str, Any] = {"school_year": 2025, "as_of_date": date(2025, 6, 30)}
KNOWN_PARAMS = ("school_year", "as_of_date", "district_number", "school_code")

SQL_TYPES = {
    "string": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "bool": "BOOLEAN",
}


def sqlglot_schema(pack: Pack) -> dict[str, dict[str, str]]:
    return {t.name: {c.name: SQL_TYPES[c.type] for c in t.columns} for t in pack.tables.values()}


def _exact_schema(pack: Pack, dialect: str) -> MappingSchema:
    """The pack's tables for sqlglot with their declared names, not normalized: the tree's references were
    resolved to exactly these names (:mod:`certlib.rules.names`)."""
    return MappingSchema(sqlglot_schema(pack), dialect=dialect, normalize=False)


def empty_frames(pack: Pack) -> dict[str, pl.LazyFrame]:
    return {
        t.name: pl.LazyFrame(schema={c.name: POLARS_TYPES[c.type] for c in t.columns}) for t in pack.tables.values()
    }


class _Ctx:
    """Where diagnostics point: the rule, its file and the line offset of its SQL in that file."""

    def __init__(
        self, rule_id: str | None, file: str | None, line_offset: int, sql: str = "", dialect: str = "postgres"
    ):
        self.rule_id, self.file, self.offset, self.sql, self.dialect = rule_id, file, line_offset, sql, dialect
        self.diagnostics: list[Diagnostic] = []

    def _position(self, meta: dict) -> tuple[int | None, int | None]:
        if "start" in meta and self.sql:  # sqlglot's "col" is where the token ends; report where it starts
            start = meta["start"]
            line = self.sql.count("\n", 0, start) + 1
            return line + self.offset, start - (self.sql.rfind("\n", 0, start) + 1) + 1
        return meta["line"] + self.offset, meta.get("col")

    def locate(self, node: exp.Expression | None) -> tuple[int | None, int | None]:
        for n in ([node] if node is not None else []) + (list(node.walk()) if node is not None else []):
            meta = getattr(n, "meta", None) or {}
            if "line" in meta:
                return self._position(meta)
            if isinstance(n, exp.Expression) and isinstance(n.this, exp.Identifier) and "line" in n.this.meta:
                return self._position(n.this.meta)
        return None, None

    def error(
        self,
        code: str,
        message: str,
        node: exp.Expression | None = None,
        hint: str | None = None,
        line: int | None = None,
        col: int | None = None,
    ) -> None:
        if line is None and node is not None:
            line, col = self.locate(node)
        self.diagnostics.append(Diagnostic(self.rule_id, self.file, line, col, "error", code, message, hint))

    def warn(self, code: str, message: str, node: exp.Expression | None = None, hint: str | None = None) -> None:
        line, col = self.locate(node) if node is not None else (None, None)
        self.diagnostics.append(Diagnostic(self.rule_id, self.file, line, col, "warning", code, message, hint))

    def fail(self, summary: str) -> RuleError:
        errors = [d for d in self.diagnostics if d.level == "error"]
        return RuleError(f"{summary}: " + "; ".join(str(d) for d in errors), self.diagnostics)


def _parse(sql: str, dialect: str, ctx: _Ctx) -> exp.Expression | None:
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except ParseError as err:
        first = (err.errors or [{}])[0]
        line = first.get("line")
        highlight = first.get("highlight") or ""
        ctx.error(
            "syntax",
            f"syntax error: {first.get('description') or err}" + (f" near {highlight!r}" if highlight else ""),
            line=(line + ctx.offset) if line else None,
            col=first.get("col"),
        )
        return None
    except TokenError as err:
        m = re.search(r"[Ll]ine (\d+), [Cc]ol:? (\d+)", str(err))
        ctx.error(
            "syntax",
            f"syntax error: {err}",
            line=int(m.group(1)) + ctx.offset if m else None,
            col=int(m.group(2)) if m else None,
        )
        return None
    except ValueError as err:  # unknown dialect
        ctx.error("dialect", str(err), hint="see sqlglot's dialect names: postgres, tsql, duckdb, ...")
        return None
    if not statements:
        ctx.error("syntax", "the rule has no SQL statement")
        return None
    if len(statements) > 1:
        ctx.error(
            "forbidden",
            f"a rule is one statement; found {len(statements)}",
            statements[1],
            hint="remove the extra statements (and the ';' between them)",
        )
        return None
    return statements[0]


def _literal(value: Any) -> exp.Expression:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DType.TIMESTAMP)
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DType.DATE)
    return exp.Literal.string(str(value))


def _coerce_param(name: str, value: Any) -> Any:
    if name == "school_year" and isinstance(value, str):
        return int(value)
    if name == "as_of_date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _param_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _bind(tree: exp.Expression, params: Mapping[str, Any], ctx: _Ctx) -> exp.Expression:
    """Replace ``:name`` (or T-SQL's ``@name``) placeholders by typed literals in the tree — never by text.
    Names match ignoring case and underscores: ``@SchoolYear`` is ``:school_year``."""

    def visit(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder | exp.Parameter):
            name = node.name if isinstance(node, exp.Placeholder) else node.this.name if node.this else ""
            if not name:
                ctx.error(
                    "parameter",
                    "positional parameters ('?') are not supported",
                    node,
                    hint="use :school_year, :as_of_date, :district_number or :school_code",
                )
                return node
            sign = "@" if isinstance(node, exp.Parameter) else ":"
            if name not in params:  # @SchoolYear, :SchoolYear -> school_year (case and underscores ignored)
                name = next((k for k in params if _param_key(k) == _param_key(name)), name)
            if name not in params:
                ctx.error(
                    "parameter",
                    f"unknown parameter {sign}{name}",
                    node,
                    hint=did_you_mean(name, KNOWN_PARAMS) or "known: " + ", ".join(KNOWN_PARAMS),
                )
                return node
            try:
                return _literal(_coerce_param(name, params[name]))
            except ValueError:
                ctx.error(
                    "parameter",
                    f"parameter :{name} has a bad value {params[name]!r}",
                    node,
                    hint="school_year is a year like 2025, as_of_date a date like 2025-06-30",
                )
                return node
        return node

    return tree.transform(visit, copy=False)


def _pack_case(tree: exp.Expression, dialect: str) -> exp.Expression:
    """Dialects that fold unquoted names to upper case (Snowflake, Oracle) leave ``ENROLLMENT_ID`` after
    qualification; the pack's (and polars') names are lower case, and unquoted names are case-insensitive
    in those dialects, so every unquoted identifier is folded back to lower case."""
    from sqlglot.dialects.dialect import Dialect, NormalizationStrategy

    if Dialect.get_or_raise(dialect).NORMALIZATION_STRATEGY is not NormalizationStrategy.UPPERCASE:
        return tree
    for ident in tree.find_all(exp.Identifier):
        if not ident.quoted and not ident.meta.get("case_sensitive"):  # declared names keep their case
            ident.set("this", ident.this.lower())
    return tree


def _main_table(tree: exp.Expression, pack: Pack) -> str | None:
    """The base table the outermost query reads first (through CTEs and derived tables)."""
    node: exp.Expression | None = tree
    root = build_scope(tree)
    scope = root
    for _ in range(20):
        if scope is None or node is None:
            return None
        select = scope.expression
        if isinstance(select, exp.SetOperation):
            select = select.this if isinstance(select.this, exp.Select) else select.find(exp.Select)
        from_ = select.args.get("from_") or select.args.get("from") if isinstance(select, exp.Select) else None
        if from_ is None:
            return None
        first = from_.this
        alias = first.alias_or_name
        source = scope.sources.get(alias)
        if isinstance(source, exp.Table):
            return next((t for t in pack.tables if t.lower() == source.name.lower()), None)
        if isinstance(source, Scope):
            scope = source
            node = source.expression
            continue
        return None
    return None


def _record_keys(
    outputs: tuple[str, ...],
    declared: tuple[str, ...],
    table_name: str | None,
    pack: Pack,
    ctx: _Ctx,
    tree: exp.Expression,
    *,
    strict: bool,
) -> tuple[str, ...]:
    """The output columns that identify a finding: the rule's ``-- keys:``, else its main table's keys, else
    the student / school / district key columns of the pack it returns (in its output order). Names compare
    case-insensitively; the output's spelling is kept (the report links findings by it)."""

    def found(names: tuple[str, ...]) -> tuple[list[str], list[str]]:
        hit = {n: next((o for o in outputs if same_column(o, n)), None) for n in names}
        return [o for o in hit.values() if o is not None], [n for n, o in hit.items() if o is None]

    complain = ctx.error if strict else ctx.warn
    if declared:
        keys, missing = found(declared)
        if missing:
            complain(
                "missing-keys",
                f"the query must return its declared key column(s) {', '.join(missing)}",
                tree,
                hint="add them to the SELECT list, or change the rule's '-- keys:' line",
            )
        return tuple(keys) if not missing else declared
    main = tuple(pack.tables[table_name].keys) if table_name else ()
    keys, missing = found(main)
    if main and not missing:
        return tuple(keys)
    roles = {role: {c.lower() for c in cols} for role, cols in pack.identity_columns.items()}
    returned = tuple(o for o in outputs if any(o.lower() in cols for cols in roles.values()))
    if any(o.lower() in roles["student"] | roles["school"] for o in returned):  # a district alone is no record
        return returned
    if main:
        named = ", ".join(dict.fromkeys(c for role in ("student", "school") for c in pack.identity_columns[role]))
        complain(
            "missing-keys",
            f"the query must return the record key column(s) {', '.join(missing)} of "
            f"{table_name}" + (f", or a student or school key ({named})" if named else ""),
            tree,
            hint="add them to the SELECT list, or declare the rule's keys with '-- keys: a, b'",
        )
        return main
    ctx.warn("no-keys", "cannot tell which columns identify a record; declare '-- keys: ...'", tree)
    return ()


def _lineage(tree: exp.Expression, pack: Pack) -> dict[str, tuple[str, ...]]:
    read: dict[str, set[str]] = {}
    for scope in traverse_scope(tree):
        for column in scope.columns:
            source = scope.sources.get(column.table)
            if isinstance(source, exp.Table):
                table = next((t for t in pack.tables if t.lower() == source.name.lower()), None)
                if table:
                    read.setdefault(table, set()).add(column.name)
        for source in scope.sources.values():
            if isinstance(source, exp.Table):
                table = next((t for t in pack.tables if t.lower() == source.name.lower()), None)
                if table:
                    read.setdefault(table, set())
    return {t: tuple(sorted(cols)) for t, cols in sorted(read.items())}


def _polars_refusal(sql: str, pack: Pack) -> str | None:
    """Plan the polars SQL on empty typed frames; polars' complaint, or None when it plans."""
    try:
        # collect (not only the schema): some type errors (EXTRACT of an integer) surface only then
        pl.SQLContext(empty_frames(pack), eager=False).execute(sql).collect()
    except (Exception, BaseException) as err:  # polars raises several error types; a Rust panic is a BaseException
        if isinstance(err, KeyboardInterrupt | SystemExit):
            raise
        text = str(err).split("Resolved plan")[0].strip()
        text = re.sub(r":\s*Query \{.*", "", text, flags=re.S)  # drop polars' dump of the parsed query
        return (text.splitlines() or [type(err).__name__])[0][:300]
    return None


_SAMPLES: dict[str, dict[str, pl.DataFrame]] = {}


def _sample_refusal(sql: str, pack: Pack) -> str | None:
    """Run the polars SQL once on the adversarial sample (:mod:`certlib.rules.sample`); polars' complaint,
    or None when it runs. What raises here would raise on some district's data at run time."""
    from certlib.rules.sample import adversarial_frames

    key = repr(pack.tables)
    if key not in _SAMPLES:
        _SAMPLES.clear()
        _SAMPLES[key] = adversarial_frames(pack)
    try:
        pl.SQLContext(_SAMPLES[key], eager=False).execute(sql).collect()
    except (Exception, BaseException) as err:  # a Rust panic is a BaseException
        if isinstance(err, KeyboardInterrupt | SystemExit):
            raise
        text = str(err).split("Resolved plan")[0].strip()
        return (text.splitlines() or [type(err).__name__])[0][:300]
    return None


def _to_polars(typed: exp.Expression, pack: Pack, ctx: _Ctx) -> str:
    """Rewrite and print for polars; decorrelate EXISTS / scalar subqueries only when polars cannot plan
    the query as is."""
    rewritten, problems = rewrite_for_polars(typed, ctx.dialect)
    ctx.diagnostics.extend(as_diagnostics(problems, ctx.locate, ctx.rule_id, ctx.file))
    out_sql = rewritten.sql(dialect=Polars)
    if problems:
        return out_sql
    out_sql = _planned_sql(typed, out_sql, pack, ctx)
    if out_sql and not any(d.level == "error" for d in ctx.diagnostics):
        failure = _sample_refusal(out_sql, pack)
        if failure:
            ctx.error(
                "fails-at-run-time",
                f"the rule fails on data it can meet (NULLs, blank or non-numeric text, "
                f"extreme numbers, boundary dates): {failure}",
                hint="guard conversions of text (e.g. CASE WHEN s ~ '^[0-9]+$' THEN ... END) and keep "
                "arithmetic within range; certlib refuses at check time what would fail at run time",
            )
    return out_sql


def _planned_sql(typed: exp.Expression, out_sql: str, pack: Pack, ctx: _Ctx) -> str:
    refusal = _polars_refusal(out_sql, pack)
    if refusal:
        columns = {t.name: list(t.column_names) for t in pack.tables.values()}
        attempts = []
        if any(True for _ in typed.find_all(exp.Exists)):
            attempts.append(lambda: decorrelate_exists(typed, columns))
        if any(True for _ in typed.find_all(exp.Subquery)):
            attempts.append(lambda: decorrelate_scalar(typed, columns))
            attempts.append(lambda: decorrelate_scalar(decorrelate_exists(typed, columns), columns))
        for attempt in attempts:
            second, _ = rewrite_for_polars(attempt(), ctx.dialect)
            second_sql = second.sql(dialect=Polars)
            if _polars_refusal(second_sql, pack) is None:
                return second_sql
    if refusal:
        correlated = any(True for _ in typed.find_all(exp.Exists, exp.Subquery))
        ctx.error(
            "untranslatable",
            f"polars cannot run this query: {refusal}",
            hint=(
                "polars cannot plan this correlated subquery: write it as a LEFT JOIN ... IS NULL "
                "(NOT EXISTS) or a grouped join"
                if correlated and re.search(r"correlat|subquer", refusal, re.I)
                else "certlib refuses what it cannot run exactly: rewrite the construct named above"
            ),
        )
    return out_sql


def compile_sql(
    sql: str,
    pack: Pack,
    dialect: str | None = None,
    target: str = "polars",
    params: Mapping[str, Any] | None = None,
    rule: Rule | None = None,
    rule_id: str | None = None,
) -> CompiledRule:
    """Compile ad-hoc SQL (the rule lab) or a rule's SQL; raises RuleError with every diagnostic."""
    dialect = (dialect or (rule.dialect if rule else None) or pack.dialect).lower()
    rule_id = rule_id or (rule.id if rule else None)
    file = str(rule.path) if rule and rule.path else None
    ctx = _Ctx(rule_id, file, (rule.sql_line - 1) if rule else 0, sql, dialect)
    bound_params = {**DEFAULT_PARAMS, **{k: v for k, v in (params or {}).items() if v is not None}}

    tree = _parse(sql, dialect, ctx)
    if tree is None:
        raise ctx.fail("the rule does not parse")
    ctx.diagnostics.extend(check_read_only(tree, pack.tables, ctx.locate, rule_id, file))
    if any(d.level == "error" for d in ctx.diagnostics):
        raise ctx.fail("the rule is not a read-only query")
    tree = resolve_tables(tree, pack, dialect, ctx.error)
    if any(d.level == "error" for d in ctx.diagnostics):
        raise ctx.fail("the rule reads unknown tables")
    tree = _bind(tree, bound_params, ctx)
    try:
        as_of = _coerce_param("as_of_date", bound_params["as_of_date"])
    except (TypeError, ValueError):
        as_of = DEFAULT_PARAMS["as_of_date"]
    tree = normalize(tree, as_of if isinstance(as_of, date) else DEFAULT_PARAMS["as_of_date"])
    ctx.diagnostics.extend(as_diagnostics(check_catalog(tree, dialect), ctx.locate, rule_id, file))
    if any(d.level == "error" for d in ctx.diagnostics):
        raise ctx.fail("the rule uses constructs outside certlib's catalog")
    tree = resolve_columns(tree, pack, dialect, ctx.error)
    if any(d.level == "error" for d in ctx.diagnostics):
        raise ctx.fail("the rule has column errors")

    schema = _exact_schema(pack, dialect)
    try:
        qualified = qualify(
            tree.copy(),
            schema=schema,
            dialect=dialect,
            quote_identifiers=False,
            validate_qualify_columns=True,
            identify=False,
        )
    except OptimizeError as err:
        m = re.search(r"Line: (\d+), Col: (\d+)", str(err))
        ctx.error(
            "unknown-column",
            str(err).split(". Line")[0],
            line=int(m.group(1)) + ctx.offset if m else None,
            col=int(m.group(2)) if m else None,
        )
        raise ctx.fail("the rule has column errors") from None
    qualified = _pack_case(qualified, dialect)
    typed = annotate_types(qualified, schema=schema, dialect=dialect)
    typed, typed_problems = typed_pass(typed, dialect)  # literal typing, date arithmetic, daily functions
    ctx.diagnostics.extend(as_diagnostics(typed_problems, ctx.locate, rule_id, file))
    typed = annotate_types(typed, schema=schema, dialect=dialect)  # types of what the typed pass changed
    if dialect == "tsql":  # SQL Server's string comparison, for every target (issue 13 class 8)
        typed, tsql_problems = tsql_semantics(typed)
        ctx.diagnostics.extend(as_diagnostics(tsql_problems, ctx.locate, rule_id, file))

    table_name = _main_table(typed, pack)
    outputs = tuple(typed.named_selects) if isinstance(typed, exp.Query) else ()
    keys = _record_keys(
        outputs, tuple(rule.keys) if rule and rule.keys else (), table_name, pack, ctx, tree, strict=rule is not None
    )

    if target == "polars":
        out_sql = _to_polars(typed, pack, ctx) if not any(d.level == "error" for d in ctx.diagnostics) else ""
    else:
        problems: list = []
        portable = portable_regex(typed.copy(), problems)
        ctx.diagnostics.extend(as_diagnostics(problems, ctx.locate, ctx.rule_id, ctx.file))
        portable = split_schema_tables(portable, pack)
        try:
            out_sql = portable.sql(dialect=target, unsupported_level=sqlglot.ErrorLevel.RAISE)
        except Exception as err:
            ctx.error("untranslatable", f"cannot print for {target}: {err}")
            out_sql = ""
    if out_sql and not any(d.level == "error" for d in ctx.diagnostics):
        for problem in target_problems(out_sql, target):
            ctx.error(
                "target-allowlist",
                f"the SQL printed for {target} is refused: {problem}",
                hint="report this: the compiler printed something outside the target's allowlist",
            )
    if any(d.level == "error" for d in ctx.diagnostics):
        raise ctx.fail(f"the rule cannot be compiled for {target}")

    the_rule = rule or Rule(
        id=rule_id or "adhoc",
        title=rule_id or "ad-hoc query",
        severity="info",
        groups=(),
        description="",
        resolution="",
        sql=sql,
        dialect=dialect,
    )
    lineage = _lineage(typed, pack)
    return CompiledRule(
        rule=the_rule,
        sql=out_sql,
        dialect=target,
        tables=tuple(lineage),
        key_columns=keys,
        output_columns=outputs,
        lineage=lineage,
        diagnostics=tuple(ctx.diagnostics),
    )


#: Compiled rules by (rule, target, parameters, the pack's dialect and schemas): compiling is ~25 ms a
#: rule (parse, qualify, typed dry run) and a district's run is otherwise ~100 ms, so the wizard and the
#: rule lab reuse the result while nothing it depends on changes. Only successes are kept.
_COMPILED: OrderedDict[tuple[Any, ...], CompiledRule] = OrderedDict()
_COMPILED_MAX = 4096
_COMPILED_LOCK = threading.Lock()


def compile_rule(
    rule: Rule, pack: Pack, target: str = "polars", params: Mapping[str, Any] | None = None
) -> CompiledRule:
    """Compile one rule of a pack for ``target`` ("polars" or any sqlglot dialect name); memoized."""
    key = (
        rule,
        target,
        repr(sorted((params or {}).items())),
        pack.dialect,
        pack.max_results,
        pack.default_schema,
        repr(pack.tables),
    )
    with _COMPILED_LOCK:
        hit = _COMPILED.get(key)
        if hit is not None:
            _COMPILED.move_to_end(key)
            return hit
    compiled = compile_sql(rule.sql, pack, rule.dialect, target, params, rule=rule)
    with _COMPILED_LOCK:
        _COMPILED[key] = compiled
        while len(_COMPILED) > _COMPILED_MAX:
            _COMPILED.popitem(last=False)
    return compiled


def transpile(rule: Rule, pack: Pack, dialect: str, params: Mapping[str, Any] | None = None) -> str:
    """The rule's SQL, checked and with parameters bound, printed in any sqlglot dialect."""
    return compile_rule(rule, pack, target=dialect, params=params).sql


def lineage(compiled: CompiledRule) -> dict[str, tuple[str, ...]]:
    """Source table -> the columns the rule reads."""
    return dict(compiled.lineage)


def check_pack(pack: Pack, params: Mapping[str, Any] | None = None) -> list[Diagnostic]:
    """Every diagnostic of a pack (errors and warnings): its broken rule files, then each rule compiled."""
    found: list[Diagnostic] = list(pack.problems)
    for rule in pack.rules.values():
        try:
            compiled = compile_rule(rule, pack, params=params)
            found.extend(compiled.diagnostics)
        except RuleError as err:
            found.extend(
                err.diagnostics or [Diagnostic(rule.id, str(rule.path), None, None, "error", "compile", str(err))]
            )
    return found


__all__ = ["check_pack", "compile_rule", "compile_sql", "lineage", "transpile"]
