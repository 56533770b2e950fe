"""A live database as a data source: a pack's tables read from PostgreSQL into polars.

``--data postgresql://user@host:5432/ods`` (or the wizard's ``CERTLIB_STATE_DATA`` /
``CERTLIB_DISTRICT_DATA``, see :mod:`certlib.config`) reads every declared table of the pack from the database with the **ADBC**
PostgreSQL driver (``adbc-driver-postgresql``, the Arrow project's libpq-based driver): rows arrive as Arrow
columns that polars takes without a copy, the driver ships as a wheel with libpq inside (nothing to install
on the machine), and — what decided it over connectorx — it binds query parameters, so the scope filter is
pushed into the database as ``WHERE "LocalEducationAgencyId" = $1`` with a typed value, never pasted into
the SQL text (connectorx takes only a finished query string).

Names follow the same rules as data files: a pack table ``edfi.Student`` is the database's table
``Student`` in schema ``edfi`` matched case-insensitively (Ed-Fi's PostgreSQL ODS spells it
``edfi.student``), a pack table without a schema is looked up in the connection's ``search_path``;
each declared column is matched to the table's column the same way (exact case wins; two that differ only
in case are an error). Values are cast to the declared types with the checks the file readers use, so a
bad value is a :class:`~certlib.errors.DataError` naming the table, column and value.

The scope filter (``{"district_number": "255901"}``) reads only the rows that could belong to the scope:
``(col = $1 OR col IS NULL)`` — the NULL rows are what the built-in key check (SYS-KEY-001) reports;
:func:`certlib.engine.tables.apply_scope` keeps the in-scope rows for the rules, as for files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from certlib.errors import DataError
from certlib.rules.model import Pack, TableSchema

_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://", "postgresql+adbc://")


def is_database_url(source: object) -> bool:
    """Whether a ``--data`` value names a database rather than a directory."""
    return isinstance(source, str) and source.lower().startswith(_SCHEMES)


def data_source(value: str | Path) -> str | Path:
    """A configured data location: a database URL kept as text, anything else a directory."""
    return str(value) if is_database_url(str(value)) else Path(value)


def redact(url: str) -> str:
    """The URL without its password (for messages and report labels)."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def _libpq_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url, flags=re.I)


def _connect(url: str):
    try:
        from adbc_driver_postgresql import dbapi
    except ImportError:  # pragma: no cover - a dependency of certlib
        raise DataError(
            "reading a database needs the ADBC PostgreSQL driver: pip install adbc-driver-postgresql"
        ) from None
    try:
        return dbapi.connect(_libpq_url(url))
    except Exception as err:  # noqa: BLE001 - the driver's error names host, port and cause
        raise DataError(f"{redact(url)}: cannot connect: {str(err).splitlines()[0]}") from None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _catalog(cur) -> dict[tuple[str, str], dict[str, list[str]]]:
    """{(schema, table) lower-cased: {"schema": [exact], "table": [exact], "columns": [exact, ...]}} of every
    table the connection can see, plus which schemas are on the search path."""
    cur.execute(
        "SELECT table_schema, table_name, column_name, table_schema = ANY (current_schemas(false)) "
        "FROM information_schema.columns "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
        "ORDER BY table_schema, table_name, ordinal_position"
    )
    out: dict[tuple[str, str], dict] = {}
    for schema, table, column, on_path in cur.fetchall():
        entry = out.setdefault((schema.lower(), table.lower()), {"names": set(), "columns": [], "on_path": on_path})
        entry["names"].add((schema, table))
        entry["columns"].append(column)
    return out


def _find_table(catalog: dict, table: TableSchema, url: str) -> tuple[str, str, list[str]]:
    if table.schema:
        entry = catalog.get((table.schema.lower(), table.bare_name.lower()))
        candidates = [entry] if entry else []
    else:
        candidates = [e for (s, t), e in catalog.items() if t == table.name.lower() and e["on_path"]]
    if not candidates:
        raise DataError(f"{redact(url)}: no table {table.name!r} in the database (table {table.name!r} of the pack)")
    entry = candidates[0]
    names = sorted(entry["names"])
    exact = [n for n in names if (n[0] if table.schema else None, n[1]) == (table.schema, table.bare_name)]
    if len(names) > 1 and not exact:
        raise DataError(
            f"{redact(url)}: table {table.name!r} is ambiguous in the database: "
            + ", ".join(f"{s}.{t}" for s, t in names)
        )
    schema, name = (exact or names)[0]
    return schema, name, entry["columns"]


def read_tables(url: str, pack: Pack, scope: Mapping[str, str] | None = None) -> dict[str, pl.LazyFrame]:
    """Every declared table of ``pack`` read from the database at ``url``; with a ``scope``, only the rows
    that could belong to it (scope column equal or NULL)."""
    from certlib.engine.tables import cast_to_declared, match_columns, scope_column

    frames: dict[str, pl.LazyFrame] = {}
    with _connect(url) as con:
        with con.cursor() as cur:
            # every table from one moment, and nothing written: one read-only repeatable-read transaction
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            catalog = _catalog(cur)
            for name in sorted(pack.tables):
                table = pack.tables[name]
                schema, db_table, present = _find_table(catalog, table, url)
                where = f"{redact(url)}: table {schema}.{db_table}"
                mapping = match_columns(where, table, present)
                select = ", ".join(f"{_quote(mapping[c.name])} AS {_quote(c.name)}" for c in table.columns)
                filters, params = [], []
                for key, value in sorted((scope or {}).items()):
                    column = scope_column(table, key)
                    if column is None:
                        continue
                    typ = table.column(column).type  # type: ignore[union-attr]
                    try:
                        bound = int(value) if typ == "int" else str(value)
                    except ValueError:
                        raise DataError(f"scope {key}={value!r} is not a number, but {name}.{column} is") from None
                    params.append(bound)
                    filters.append(f"({_quote(mapping[column])} = ${len(params)} OR {_quote(mapping[column])} IS NULL)")
                sql = f"SELECT {select} FROM {_quote(schema)}.{_quote(db_table)}"
                if filters:
                    sql += " WHERE " + " AND ".join(filters)
                try:
                    cur.execute(sql, params or None)
                    arrow = cur.fetch_arrow_table()
                except Exception as err:  # noqa: BLE001
                    raise DataError(f"{where}: cannot read: {str(err).splitlines()[0]}") from None
                frame = pl.from_arrow(arrow)
                assert isinstance(frame, pl.DataFrame)
                frames[name] = cast_to_declared(frame.lazy(), table, where, row_word="row")
    return frames


__all__ = ["data_source", "is_database_url", "read_tables", "redact"]
