"""Identifiers as the rule's dialect resolves them: pack tables and columns by their declared names.

A pack declares names with their case (``edfi.Student``, ``StudentUniqueId``). A rule names them as its
dialect does (sqlglot's per-dialect normalization):

=============================  ======================================================================
dialect                        matching a declared name
=============================  ======================================================================
T-SQL, DuckDB, Spark           case-insensitive, quoted (``[StudentUniqueId]``) or not
Postgres, Snowflake            unquoted: case-insensitive; quoted (``"StudentUniqueId"``): exact
=============================  ======================================================================

Table aliases, CTE names and output aliases are compared after the dialect's normalization
(``STudent2`` is the alias ``student2`` in T-SQL). :func:`resolve_tables` and :func:`resolve_columns`
rewrite every reference to a pack table or column into its declared name, marked ``case_sensitive``
(sqlglot's normalization leaves it alone) and quoted when it is not plain lower case, so the rest of the
compiler and every engine see the declared names; output aliases keep the spelling the author wrote, so a
report shows ``StudentUniqueId`` or ``Age``, not ``studentuniqueid`` / ``age``.

Tables: a pack table ``edfi.Student`` is named ``edfi.Student`` or, when ``edfi`` is the pack's
``default_schema``, ``Student``; a table outside the pack's schemas, or with a database/catalog part
(``ods.edfi.Student``), is refused. In the compiled tree a pack table is one identifier holding its pack
name (``"edfi.Student"``), which is the name the engines register its frame under;
:func:`split_schema_tables` turns it back into ``"edfi"."Student"`` for a warehouse.

>>> import sqlglot
>>> from certlib.rules.model import Column, Pack, TableSchema
>>> t = TableSchema("edfi.Student", (Column("StudentUniqueId", "string"),), ("StudentUniqueId",), schema="edfi")
>>> pack = Pack("p", None, "tsql", 10, {t.name: t}, {}, {}, default_schema="edfi")
>>> tree = sqlglot.parse_one("SELECT S.studentuniqueid AS Id FROM [Student] s", read="tsql")
>>> problems = []
>>> tree = resolve_tables(tree, pack, "tsql", lambda *a, **k: problems.append(a))
>>> resolve_columns(tree, pack, "tsql", lambda *a, **k: problems.append(a)).sql()
'SELECT s."StudentUniqueId" AS "Id" FROM "edfi.Student" AS s'
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect, NormalizationStrategy
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.scope import Scope, traverse_scope

from certlib.rules.model import Pack, TableSchema

#: ``report(code, message, node, hint=...)``: the compiler's diagnostic sink
Report = Callable[..., None]

_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")
_WRITTEN = "certlib_written"


def _strategy(dialect: str) -> NormalizationStrategy:
    return Dialect.get_or_raise(dialect).NORMALIZATION_STRATEGY


def is_exact(ident: exp.Identifier, dialect: str) -> bool:
    """Whether ``ident`` names something only with exactly its own case in ``dialect``."""
    strategy = _strategy(dialect)
    if strategy is NormalizationStrategy.CASE_SENSITIVE or ident.meta.get("case_sensitive"):
        return True
    return bool(ident.quoted) and strategy in (NormalizationStrategy.LOWERCASE, NormalizationStrategy.UPPERCASE)


def matches(ident: exp.Identifier, name: str, dialect: str) -> bool:
    """Does the (normalized) identifier ``ident`` name ``name`` (a declared or output name)?"""
    if is_exact(ident, dialect):
        return ident.this == name
    return ident.this.lower() == name.lower()


def pick(ident: exp.Identifier, names: Iterable[str], dialect: str) -> list[str]:
    """The names ``ident`` matches; an exact match wins over case-insensitive ones."""
    names = list(names)
    if ident.this in names:
        return [ident.this]
    return [n for n in names if matches(ident, n, dialect)]


def set_name(ident: exp.Identifier, name: str) -> exp.Identifier:
    """Make ``ident`` the exact name ``name``: quoted unless plain lower case, never normalized again."""
    ident.meta.setdefault(_WRITTEN, ident.this)
    ident.set("this", name)
    ident.set("quoted", not _PLAIN.match(name))
    ident.meta["case_sensitive"] = True
    return ident


def declared(name: str) -> exp.Identifier:
    return set_name(exp.to_identifier(name), name)


def did_you_mean(name: str, options: Iterable[str], cutoff: float = 0.75) -> str | None:
    """A close option (same letters in another case first, then spelling); None when nothing is close."""
    options = list(dict.fromkeys(options))
    same = [o for o in options if o.lower() == name.lower()]
    if same:
        return f"did you mean {same[0]!r}?"
    lowered = {o.lower(): o for o in options}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=2, cutoff=cutoff)
    if not close:
        return None
    return "did you mean " + " or ".join(repr(lowered[c]) for c in close) + "?"


def _stamp(tree: exp.Expression) -> None:
    """Remember how every name was written (normalization is about to fold them): output aliases get it
    back, messages quote it."""
    for ident in tree.find_all(exp.Identifier):
        ident.meta[_WRITTEN] = ident.this


def written(ident: exp.Identifier) -> str:
    """The name as the author wrote it."""
    return ident.meta.get(_WRITTEN, ident.this)


def _restore_aliases(tree: exp.Expression) -> None:
    for alias in tree.find_all(exp.Alias):
        ident = alias.args.get("alias")
        if isinstance(ident, exp.Identifier) and _WRITTEN in ident.meta:
            set_name(ident, ident.meta[_WRITTEN])


def _cte_names(tree: exp.Expression) -> set[str]:
    return {cte.alias for cte in tree.find_all(exp.CTE)}


def _find_table(table: exp.Table, pack: Pack, dialect: str, report: Report) -> TableSchema | None:
    name, db = table.this, table.args.get("db")
    shown = ".".join(written(p) for p in table.parts)
    everything = [t.name for t in pack.tables.values()] + [t.bare_name for t in pack.tables.values()]
    if table.args.get("catalog"):
        report(
            "unknown-table",
            f"table {shown} names a database or catalog",
            table,
            hint="rules read only the pack's tables: name them as <schema>.<table> or <table>",
        )
        return None
    same_name = [t for t in pack.tables.values() if matches(name, t.bare_name, dialect)]
    if db is not None:
        schemas = sorted({t.schema for t in pack.tables.values() if t.schema})
        if not any(matches(db, s, dialect) for s in schemas):
            report(
                "unknown-table",
                f"table {shown}: schema {written(db)!r} is not in the pack",
                table,
                hint=(did_you_mean(written(db), schemas) or "the pack's schemas: " + ", ".join(schemas))
                if schemas
                else "the pack's tables have no schema: write the table name alone",
            )
            return None
        found = [t for t in same_name if t.schema and matches(db, t.schema, dialect)]
    else:
        found = [t for t in same_name if t.schema is None or t.schema == pack.default_schema]
        if not found and same_name:
            where = ", ".join(sorted(t.name for t in same_name))
            report(
                "unknown-table",
                f"unknown table {shown}: the pack has {where}",
                table,
                hint=f"write {same_name[0].name}, or set default_schema = {same_name[0].schema!r} in pack.toml",
            )
            return None
    if len(found) > 1:
        report(
            "ambiguous-table",
            f"table {shown} is ambiguous: " + ", ".join(t.name for t in found),
            table,
            hint="qualify it with its schema",
        )
        return None
    if not found:
        report(
            "unknown-table",
            f"unknown table {shown}",
            table,
            hint=did_you_mean(shown, everything) or "tables: " + ", ".join(pack.tables),
        )
        return None
    return found[0]


def resolve_tables(tree: exp.Expression, pack: Pack, dialect: str, report: Report) -> exp.Expression:
    """Normalize identifiers as ``dialect`` does and point every table reference at a pack table (or a CTE).

    A pack table becomes one identifier holding its pack name; a table without an alias gets the name it
    was written with as its alias, so ``Student.StudentUniqueId`` still resolves. T-SQL table hints
    (``WITH (NOLOCK)``) are dropped: rules read a consistent copy anyway."""
    _stamp(tree)
    normalize_identifiers(tree, dialect=dialect)
    ctes = _cte_names(tree)
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            continue  # table functions are the safety check's business
        if not table.args.get("db") and not table.args.get("catalog") and table.name in ctes:
            continue
        schema = _find_table(table, pack, dialect, report)
        if schema is None:
            continue
        if table.args.get("alias") is None:
            table.set("alias", exp.TableAlias(this=table.this.copy()))
        table.set("this", declared(schema.name))
        table.set("db", None)
        table.set("hints", None)
    return tree


def _outputs(scope: Scope, pack: Pack) -> list[str] | None:
    """The output names of a derived table or CTE, ``*`` and ``t.*`` expanded from its sources (None when
    they cannot be known)."""
    select = scope.expression
    if not isinstance(select, exp.Select):
        try:
            names = list(select.named_selects)
        except Exception:  # noqa: BLE001 - a shape sqlglot cannot name: columns unknown
            return None
        return None if "*" in names else names
    names = []
    for projection in select.expressions:
        star = isinstance(projection, exp.Star) or (
            isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
        )
        if not star:
            names.append(projection.alias_or_name)
            continue
        table = projection.table if isinstance(projection, exp.Column) else ""
        sources = [scope.sources.get(table)] if table else list(scope.sources.values())
        for source in sources:
            columns = _source_columns(source, pack)[1] if source is not None else None
            if columns is None:
                return None
            names += columns
    return names


def _source_columns(source, pack: Pack) -> tuple[str, list[str] | None]:
    """(label, output column names or None when unknown) of a scope source."""
    if isinstance(source, exp.Table):
        table = pack.tables.get(source.name)
        return (source.name, list(table.column_names) if table else None)
    if isinstance(source, Scope):
        return ("derived table", _outputs(source, pack))
    return ("source", None)


def _lookup_alias(scope: Scope, alias: str) -> tuple[Scope, object] | None:
    """The source an alias names, in this scope or an enclosing one (a correlated reference)."""
    current: Scope | None = scope
    while current is not None:
        if alias in current.sources:
            return current, current.sources[alias]
        current = current.parent
    return None


def _select_aliases(scope: Scope) -> list[str]:
    if isinstance(scope.expression, exp.Select):
        return [e.alias for e in scope.expression.expressions if isinstance(e, exp.Alias) and e.alias]
    return []


def resolve_columns(tree: exp.Expression, pack: Pack, dialect: str, report: Report) -> exp.Expression:
    """Every column reference -> the declared (or derived table's output) name it means in ``dialect``;
    unknown and ambiguous columns are reported naming the table, with a did-you-mean of close names only.
    Output aliases get back the spelling the author wrote."""
    _restore_aliases(tree)
    for scope in traverse_scope(tree):
        for column in scope.columns:
            ident = column.this
            if not isinstance(ident, exp.Identifier) or not column.name or column.name == "*":
                continue
            if isinstance(scope.expression, exp.Select) and column.find_ancestor(exp.Select) is not scope.expression:
                continue  # sqlglot lists a subquery's columns in the outer scope too; its own scope resolves them
            if column.table:
                _qualified(scope, column, pack, dialect, report)
            else:
                _unqualified(scope, column, pack, dialect, report)
    for join in tree.find_all(exp.Join):
        _using(join, pack, dialect, report)
    for select in tree.find_all(exp.Select):
        _order_by_outputs(select, dialect)
    return tree


def _order_by_outputs(select: exp.Select, dialect: str) -> None:
    """``ORDER BY name`` where ``name`` is an output of the select (sqlglot's scope leaves these out)."""
    order = select.args.get("order")
    if order is None:
        return
    outputs = [n for n in select.named_selects if n != "*"]
    for column in order.find_all(exp.Column):
        ident = column.this
        if column.table or not isinstance(ident, exp.Identifier) or ident.meta.get("case_sensitive"):
            continue
        if column.find_ancestor(exp.Select) is not select:
            continue
        chosen = pick(ident, outputs, dialect)
        if chosen:
            set_name(ident, chosen[0])


def _qualified(scope: Scope, column: exp.Column, pack: Pack, dialect: str, report: Report) -> None:
    found = _lookup_alias(scope, column.table)
    if found is None:
        report(
            "unknown-table",
            f"unknown table or alias {written(column.args['table'])!r} in "
            f"{written(column.args['table'])}.{written(column.this)}",
            column,
            hint=did_you_mean(column.table, list(scope.sources)),
        )
        return
    _, source = found
    db = column.args.get("db")
    if db is not None:  # edfi.Student.StudentUniqueId
        table = pack.tables.get(source.name) if isinstance(source, exp.Table) else None
        if table is None or table.schema is None or not matches(db, table.schema, dialect):
            report(
                "unknown-table",
                f"{column.sql(dialect)}: {db.this}.{column.table} is not a table of this query",
                column,
                hint=f"use the table's alias, {column.table}",
            )
            return
        column.set("db", None)
        column.set("catalog", None)
    label, names = _source_columns(source, pack)
    if names is None:
        return
    chosen = pick(column.this, names, dialect)
    if len(chosen) == 1:
        set_name(column.this, chosen[0])
    elif len(chosen) > 1:
        report(
            "ambiguous-column",
            f"column {written(column.this)!r} of {column.table} is ambiguous: {', '.join(chosen)}",
            column,
            hint="quote it with its exact case",
        )
    else:
        where = f"table {label} (as {column.table})" if label != "derived table" else f"{column.table}"
        report(
            "unknown-column",
            f"unknown column {written(column.this)!r} in {where}",
            column,
            hint=did_you_mean(written(column.this), names)
            or (f"its columns: {', '.join(names)}" if len(names) <= 12 else None),
        )


def _unqualified(scope: Scope, column: exp.Column, pack: Pack, dialect: str, report: Report) -> None:
    owners: list[tuple[str, str]] = []  # (alias, exact column name)
    unknown_source = False
    for alias, source in scope.sources.items():
        _, names = _source_columns(source, pack)
        if names is None:
            unknown_source = True
            continue
        owners += [(alias, n) for n in pick(column.this, names, dialect)]
    if len(owners) > 1:
        aliases = sorted({a for a, _ in owners})
        if len(aliases) > 1:
            report(
                "ambiguous-column",
                f"column {written(column.this)!r} is ambiguous: it is in {', '.join(aliases)}",
                column,
                hint=f"qualify it, e.g. {aliases[0]}.{owners[0][1]}",
            )
            return
    if owners:
        set_name(column.this, owners[0][1])
        return
    aliases = pick(column.this, _select_aliases(scope), dialect)
    if aliases:
        set_name(column.this, aliases[0])
        return
    outer = scope.parent
    while outer is not None:  # a correlated reference to an enclosing query's table
        for source in outer.sources.values():
            _, names = _source_columns(source, pack)
            chosen = pick(column.this, names or [], dialect)
            if chosen:
                set_name(column.this, chosen[0])
                return
        outer = outer.parent
    if unknown_source:
        return
    everything = [n for s in scope.sources.values() for n in (_source_columns(s, pack)[1] or [])]
    tables = [s.name for s in scope.sources.values() if isinstance(s, exp.Table)]
    report(
        "unknown-column",
        f"unknown column {written(column.this)!r}" + (f" (in {', '.join(tables)})" if tables else ""),
        column,
        hint=did_you_mean(written(column.this), everything),
    )


def _using(join: exp.Join, pack: Pack, dialect: str, report: Report) -> None:
    using = join.args.get("using") or []
    table = join.this if isinstance(join.this, exp.Table) else None
    names = list(pack.tables[table.name].column_names) if table is not None and table.name in pack.tables else None
    for ident in using:
        if isinstance(ident, exp.Column):
            ident = ident.this
        if not isinstance(ident, exp.Identifier) or names is None:
            continue
        chosen = pick(ident, names, dialect)
        if chosen:
            set_name(ident, chosen[0])
        else:
            report(
                "unknown-column",
                f"unknown column {written(ident)!r} in USING of table {table.name}",
                join,
                hint=did_you_mean(written(ident), names),
            )


def split_schema_tables(tree: exp.Expression, pack: Pack) -> exp.Expression:
    """For printing to a warehouse dialect: ``"edfi.Student"`` (one identifier, the engines' frame name) ->
    ``"edfi"."Student"``, and every name that is not plain lower case quoted, so the warehouse sees exactly
    the declared names (and the output names as written) whatever it folds unquoted names to."""
    for ident in tree.find_all(exp.Identifier):
        if not _PLAIN.match(ident.this):
            ident.set("quoted", True)
    for table in tree.find_all(exp.Table):
        schema = pack.tables.get(table.name) if isinstance(table.this, exp.Identifier) else None
        if schema is not None and schema.schema and not table.args.get("db"):
            table.set("this", declared(schema.bare_name))
            table.set("db", declared(schema.schema))
    return tree


def same_column(a: str, b: str) -> bool:
    """Output/key column names compare case-insensitively (a pack never declares two that differ in case)."""
    return a.lower() == b.lower()


__all__ = [
    "did_you_mean",
    "is_exact",
    "matches",
    "pick",
    "resolve_columns",
    "resolve_tables",
    "same_column",
    "set_name",
    "split_schema_tables",
]
