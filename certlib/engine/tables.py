"""Scan a data directory into typed, scoped LazyFrames, one per table declared in the pack.

A data directory holds ``<table>.parquet`` (preferred) or ``<table>.csv`` per declared table. Every
frame comes out with exactly the declared columns and types, so rules can trust the schema. Bad input
fails early with a :class:`~certlib.errors.DataError` naming the file, the column and the first bad
value, found cheaply:

* parquet: the schema comes from the file's metadata; values are only read when a column's stored
  type differs from the declared one (to find an uncastable value before the engine runs);
* CSV: read once with the declared dtypes (CSV has no metadata to trust); only when that read fails
  is the file re-read as text to locate the first bad value.

A scope (``{"district_number": "1071"}`` or ``{"school_code": "0588"}``) becomes a filter on every
table that holds that key column; tables without it (statewide lookups) are left whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from certlib.errors import DataError
from certlib.rules.model import Pack, TableSchema

#: declared column type -> polars dtype
POLARS_TYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
    "bool": pl.Boolean(),
}

#: accepted spellings of a scope key -> (TableSchema attribute naming the column, default column name)
_SCOPE_KEYS: dict[str, tuple[str, str]] = {
    "district": ("district_key", "district_number"),
    "district_number": ("district_key", "district_number"),
    "school": ("school_key", "school_code"),
    "school_code": ("school_key", "school_code"),
}

_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


def polars_schema(table: TableSchema) -> dict[str, pl.DataType]:
    """The declared schema of ``table`` as polars dtypes, in declaration order."""
    return {c.name: POLARS_TYPES[c.type] for c in table.columns}


def empty_frame(table: TableSchema) -> pl.DataFrame:
    """A zero-row frame with the declared schema (a table that is absent from a fixture)."""
    return pl.DataFrame(schema=polars_schema(table))


def scan_tables(
    data_dir: str | Path, pack: Pack, scope: Mapping[str, str] | None = None
) -> dict[str, pl.LazyFrame]:
    """Scan every declared table of ``pack`` under ``data_dir``; return ``{table: LazyFrame}``.

    >>> frames = scan_tables("sample_data/state", pack, scope={"district_number": "1071"})  # doctest: +SKIP
    >>> frames["enrollments"].collect()                                                     # doctest: +SKIP
    """
    root = Path(data_dir)
    if not root.is_dir():
        raise DataError(f"{root}: data directory does not exist")
    frames: dict[str, pl.LazyFrame] = {}
    for name in sorted(pack.tables):
        table = pack.tables[name]
        frames[name] = apply_scope(_scan_one(root, table), table, scope)
    return frames


def scope_column(table: TableSchema, key: str) -> str | None:
    """The column of ``table`` a scope key filters, or None when the table has no such column."""
    try:
        attr, default = _SCOPE_KEYS[key]
    except KeyError:
        raise DataError(
            f"unknown scope key {key!r}: use one of district, district_number, school, school_code"
        ) from None
    column = getattr(table, attr) or default
    return column if column in table.column_names else None


def apply_scope(frame: pl.LazyFrame, table: TableSchema, scope: Mapping[str, str] | None) -> pl.LazyFrame:
    """Filter ``frame`` to the scope on every scope key the table holds (a pushed-down predicate)."""
    for key, value in sorted((scope or {}).items()):
        column = scope_column(table, key)
        if column is None:
            continue
        dtype = POLARS_TYPES[table.column(column).type]  # type: ignore[union-attr]
        frame = frame.filter(pl.col(column) == pl.lit(value).cast(dtype))
    return frame


def _scan_one(root: Path, table: TableSchema) -> pl.LazyFrame:
    parquet, csv = root / f"{table.name}.parquet", root / f"{table.name}.csv"
    if parquet.is_file():
        return _scan_parquet(parquet, table)
    if csv.is_file():
        return _read_csv(csv, table).lazy()
    raise DataError(f"{parquet}: missing data file for table {table.name!r} (no .parquet or .csv)")


def _scan_parquet(path: Path, table: TableSchema) -> pl.LazyFrame:
    try:
        stored = pl.read_parquet_schema(path)
    except Exception as err:  # noqa: BLE001 - any unreadable file is a data error
        raise DataError(f"{path}: cannot read parquet metadata: {err}") from err
    _check_columns(path, table, list(stored))
    frame = pl.scan_parquet(path)
    casts = []
    for column in table.columns:
        want, have = POLARS_TYPES[column.type], stored[column.name]
        if have == want:
            continue
        if not _widening(have, want):
            bad = _first_bad_value(pl.scan_parquet(path).select(column.name), column.name, want)
            if bad is not None:
                raise _bad_value(path, column.name, column.type, bad[0], f"row {bad[1] + 1}")
        casts.append(_cast(column.name, want, have))
    frame = frame.select([c.name for c in table.columns])
    return frame.with_columns(casts) if casts else frame


def _read_csv(path: Path, table: TableSchema) -> pl.DataFrame:
    if path.stat().st_size == 0:
        return empty_frame(table)
    try:
        header = pl.read_csv(path, n_rows=0, infer_schema=False).columns
    except Exception as err:  # noqa: BLE001
        raise DataError(f"{path}: cannot read CSV header: {err}") from err
    _check_columns(path, table, header)
    names = [c.name for c in table.columns]
    try:
        frame = pl.read_csv(
            path, columns=names, schema_overrides=polars_schema(table), infer_schema=False, try_parse_dates=False
        )
    except Exception as err:  # noqa: BLE001 - locate the bad value below, else report polars' message
        text = pl.read_csv(path, columns=names, infer_schema=False)
        for column in table.columns:
            if column.type == "string":
                continue
            bad = _first_bad_value(text.lazy(), column.name, POLARS_TYPES[column.type])
            if bad is not None:
                raise _bad_value(path, column.name, column.type, bad[0], f"line {bad[1] + 2}") from err
        raise DataError(f"{path}: cannot read CSV with the declared types: {err}") from err
    return frame.select(names)


def _check_columns(path: Path, table: TableSchema, present: list[str]) -> None:
    missing = [c for c in table.column_names if c not in present]
    if missing:
        raise DataError(
            f"{path}: column {missing[0]!r} declared for table {table.name!r} is missing"
            + (f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else "")
        )


def _widening(have: pl.DataType, want: pl.DataType) -> bool:
    """True when ``have`` converts to ``want`` without any value being able to fail."""
    if have == pl.Null():
        return True
    if want == pl.Int64():
        return have in (pl.Int8(), pl.Int16(), pl.Int32(), pl.UInt8(), pl.UInt16(), pl.UInt32())
    if want == pl.Float64():
        return have.is_numeric()
    if want == pl.Datetime("us"):
        return isinstance(have, pl.Datetime) or have == pl.Date()
    if want == pl.String():
        return not have.is_nested()
    return False


def _parse(column: str, want: pl.DataType, have: pl.DataType | None = None) -> pl.Expr:
    """Expression converting ``column`` to ``want``; NULL where a value does not convert."""
    col = pl.col(column)
    if have == pl.String() or have is None:
        if want == pl.Date():
            return col.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
        if want == pl.Datetime("us"):
            return col.str.strip_chars().str.to_datetime(time_unit="us", strict=False)
        if want == pl.Boolean():
            low = col.str.strip_chars().str.to_lowercase()
            return pl.when(low.is_in(_TRUE)).then(True).when(low.is_in(_FALSE)).then(False).otherwise(None)
        return col.str.strip_chars().cast(want, strict=False)
    if want == pl.Int64() and have.is_float():  # 1.5 must not silently become 1
        return pl.when(col == col.floor()).then(col.cast(want, strict=False)).otherwise(None)
    return col.cast(want, strict=False)


def _cast(column: str, want: pl.DataType, have: pl.DataType) -> pl.Expr:
    if _widening(have, want):
        return pl.col(column).cast(want).alias(column)
    return _parse(column, want, have).alias(column)


def _first_bad_value(frame: pl.LazyFrame, column: str, want: pl.DataType) -> tuple[object, int] | None:
    """(value, 0-based row) of the first non-null value of ``column`` that does not convert to ``want``."""
    have = frame.collect_schema()[column]
    bad = (
        frame.select(column)
        .with_row_index("__row")
        .filter(pl.col(column).is_not_null() & _parse(column, want, have).is_null())
        .sort("__row")
        .head(1)
        .collect()
    )
    if bad.height == 0:
        return None
    return bad[column][0], int(bad["__row"][0])


def _bad_value(path: Path, column: str, type_name: str, value: object, where: str) -> DataError:
    return DataError(f"{path}: column {column!r} holds {value!r} ({where}), which is not a valid {type_name}")
