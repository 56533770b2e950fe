"""Scan a data directory into typed, scoped LazyFrames, one per table declared in the pack.

A data directory holds ``<table>.parquet`` (preferred) or ``<table>.csv`` per declared table; a table in a
schema is ``<schema>/<table>.parquet`` (``edfi/Student.parquet``) or ``<schema>.<table>.parquet``, or the
path its ``file`` key gives. File names and headers match the declared names case-insensitively (an exact
match wins; two candidates differing only in case are an error). Every frame comes out with exactly the
declared columns (declared spelling) and types, so rules can trust the schema. A ``postgresql://`` URL
instead of a directory reads the tables from a database (:mod:`certlib.engine.database`). Bad input
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

import csv
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from certlib.errors import DataError
from certlib.rules.model import POLARS_TYPES, Pack, TableSchema

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
    data_dir: str | Path,
    pack: Pack,
    scope: Mapping[str, str] | None = None,
    *,
    candidates: Mapping[str, str] | None = None,
) -> dict[str, pl.LazyFrame]:
    """Scan every declared table of ``pack`` under ``data_dir`` (or read it from the database a
    ``postgresql://`` URL names, :mod:`certlib.engine.database`); return ``{table: LazyFrame}``.

    ``scope`` keeps the rows of that scope. ``candidates`` (a scope) says the caller needs no rows but that
    scope's and those with NULL in its columns: a database reads only those (files are scanned lazily, and
    polars pushes the later filters into the scan itself).

    >>> frames = scan_tables("sample_data/state", pack, scope={"district_number": "1071"})  # doctest: +SKIP
    >>> frames["enrollments"].collect()                                                     # doctest: +SKIP
    """
    from certlib.engine.database import is_database_url, read_tables

    if is_database_url(data_dir):
        read = read_tables(str(data_dir), pack, candidates or scope)
        return scope_frames(read, pack, scope)
    root = Path(data_dir)
    if not root.is_dir():
        raise DataError(f"{root}: data directory does not exist")
    return scope_frames({name: _scan_one(root, pack.tables[name]) for name in sorted(pack.tables)}, pack, scope)


def school_directory(pack: Pack) -> TableSchema | None:
    """The table that places schools in districts: keyed by its school column alone and holding the
    district column (``edfi.School``: ``SchoolId`` -> ``LocalEducationAgencyId``; ``schools``)."""
    found = [
        t
        for t in pack.tables.values()
        if scope_column(t, "school") and scope_column(t, "district") and t.keys == (scope_column(t, "school"),)
    ]
    return found[0] if len(found) == 1 else None


def scope_frames(
    frames: Mapping[str, pl.LazyFrame], pack: Pack, scope: Mapping[str, str] | None, *, for_keys: bool = False
) -> dict[str, pl.LazyFrame]:
    """Every frame filtered to the scope (:func:`apply_scope`). A table holding a school column but no district
    column (Ed-Fi's ``StudentSchoolAssociation``) is filtered by a district scope through the school directory
    (:func:`school_directory`): the rows of the district's schools — never left whole, which would count
    other districts' rows in a district's run.

    ``for_keys``: the frames the key check (:func:`certlib.engine.keys.check_keys`) reads — every table whole
    (it finds the rows without a district itself) except those filtered through the school directory, which
    keep the district's rows and the rows without a school (in no district's scope, so reported)."""
    out = {name: frame if for_keys else apply_scope(frame, pack.tables[name], scope) for name, frame in frames.items()}
    district = next((v for k, v in (scope or {}).items() if _SCOPE_KEYS.get(k, ("",))[0] == "district_key"), None)
    directory = school_directory(pack) if district is not None else None
    if directory is None or directory.name not in frames:
        return out
    directory_school = scope_column(directory, "school")
    for name, frame in out.items():
        table = pack.tables[name]
        school = scope_column(table, "school")
        if school is None or scope_column(table, "district") is not None or name == directory.name:
            continue
        want = POLARS_TYPES[table.column(school).type]  # type: ignore[union-attr]
        schools = (
            apply_scope(frames[directory.name], directory, {"district_number": district})
            .select(pl.col(directory_school).cast(want).alias(school))
            .unique()
        )
        placed = frame.join(schools, on=school, how="semi")
        out[name] = pl.concat([placed, frame.filter(pl.col(school).is_null())]) if for_keys else placed
    return out


def damaged_files(data_dir: str | Path, pack: Pack, tables: list[str]) -> dict[str, str]:
    """``{table: "<file>: ... is damaged ..."}`` for each of ``tables`` whose data file does not decode in
    full (a corrupted parquet page shows only when the rows are read). Reads every file named: meant for
    the path where something already failed."""
    root = Path(data_dir) if not str(data_dir).startswith(("postgresql:", "postgres:")) else None
    out: dict[str, str] = {}
    if root is None or not root.is_dir():
        return out
    for name in tables:
        if name not in pack.tables:
            continue
        try:
            path = data_file(root, pack.tables[name])
        except DataError:
            continue
        try:
            if path.suffix.lower() == ".parquet":
                pl.read_parquet(path)
            else:
                check_csv_text(path)
        except DataError as err:
            out[name] = str(err)
        except Exception as err:  # noqa: BLE001 - whatever the decoder says, the file is what is wrong
            out[name] = f"{path}: the data file of table {name!r} is damaged and cannot be read ({_first_line(err)})"
    return out


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0][:300]


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


def data_file(root: Path, table: TableSchema) -> Path:
    """The table's file in ``root``: ``<file>`` (the pack's flat mapping), else ``<schema>/<table>`` or
    ``<schema>.<table>`` for a table in a schema, else ``<table>``; ``.parquet`` before ``.csv``. Names match
    case-insensitively (an exact match wins; two that differ only in case are an error)."""
    if table.file:
        stems = [table.file]
    elif table.schema:
        stems = [f"{table.schema}/{table.bare_name}", f"{table.schema}.{table.bare_name}"]
    else:
        stems = [table.name]
    for stem in stems:
        for ext in (".parquet", ".csv"):
            found = _find_path(root, stem + ext)
            if found is not None:
                return found
    first = root / f"{stems[0]}.parquet"
    raise DataError(
        f"{first}: missing data file for table {table.name!r} (no .parquet or .csv"
        + (f"; also looked for {', '.join(s + '.*' for s in stems[1:])}" if len(stems) > 1 else "")
        + ")"
    )


def _find_path(root: Path, relative: str) -> Path | None:
    """``root/relative`` with every part matched case-insensitively (exact first)."""
    current = root
    for part in Path(relative).parts:
        exact = current / part
        if exact.exists():
            current = exact
            continue
        if not current.is_dir():
            return None
        same = sorted(p for p in current.iterdir() if p.name.lower() == part.lower())
        if len(same) > 1:
            raise DataError(
                f"{current}: {', '.join(p.name for p in same)} differ only in case; which is {part!r} cannot be told"
            )
        if not same:
            return None
        current = same[0]
    return current if current.is_file() else None


def match_columns(where: object, table: TableSchema, present: list[str]) -> dict[str, str]:
    """declared column -> the column of the file (or database table) holding it: the same name, else the one
    name that differs from it only in case. Missing and ambiguous columns are errors naming ``where``."""
    mapping: dict[str, str] = {}
    missing: list[str] = []
    for column in table.column_names:
        if column in present:
            mapping[column] = column
            continue
        same = [p for p in present if p.lower() == column.lower()]
        if len(same) > 1:
            raise DataError(
                f"{where}: columns {', '.join(repr(c) for c in same)} all match column {column!r} "
                f"declared for table {table.name!r} (names are matched case-insensitively)"
            )
        if same:
            mapping[column] = same[0]
        else:
            missing.append(column)
    if missing:
        raise DataError(
            f"{where}: column {missing[0]!r} declared for table {table.name!r} is missing"
            + (f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else "")
        )
    return mapping


def _scan_one(root: Path, table: TableSchema) -> pl.LazyFrame:
    path = data_file(root, table)
    if path.suffix.lower() == ".parquet":
        return _scan_parquet(path, table)
    return _read_csv(path, table).lazy()


def _scan_parquet(path: Path, table: TableSchema) -> pl.LazyFrame:
    try:
        stored = pl.read_parquet_schema(path)
    except Exception as err:  # noqa: BLE001 - any unreadable file is a data error
        raise DataError(f"{path}: cannot read parquet metadata: {err}") from err
    mapping = match_columns(path, table, list(stored))
    frame = pl.scan_parquet(path).select([pl.col(mapping[c]).alias(c) for c in table.column_names])
    return cast_to_declared(frame, table, path, row_word="row")


def cast_to_declared(frame: pl.LazyFrame, table: TableSchema, where: object, row_word: str = "row") -> pl.LazyFrame:
    """``frame`` (declared column names, any stored types) with the declared types; the first value that does
    not convert is a :class:`DataError` naming ``where``, the column, the value and its row."""
    stored = frame.collect_schema()
    casts = []
    for column in table.columns:
        want, have = POLARS_TYPES[column.type], stored[column.name]
        if have == want:
            continue
        if not _widening(have, want):
            bad = _first_bad_value(frame.select(column.name), column.name, want)
            if bad is not None:
                raise _bad_value(where, column.name, column.type, bad[0], f"{row_word} {bad[1] + 1}")
        casts.append(_cast(column.name, want, have))
    frame = frame.select(list(table.column_names))
    return frame.with_columns(casts) if casts else frame


def check_csv_text(path: Path) -> list[str]:
    """The header of a CSV file after checking the file as text: UTF-8 throughout, a header line, and every
    row with as many fields as the header. A :class:`DataError` names the file and the line otherwise
    (polars would stop with a bare decoding error, or fill the missing fields of a short row with NULL)."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head.strip():
        raise DataError(f"{path}: the file is empty; a table without rows still needs its header line")
    header: list[str] | None = None
    csv.field_size_limit(2**31 - 1)  # a long text field is data, not an error
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                if header is None:
                    header = row
                    continue
                if len(row) != len(header) and row:  # a blank line is no row
                    raise DataError(
                        f"{path}: line {_line_of(path, row)} has {len(row)} field"
                        f"{'s' if len(row) != 1 else ''}, the header has {len(header)}"
                    )
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path}: line {_decoding_line(path, err)} is not UTF-8 text (byte 0x{err.object[err.start]:02x}); "
            "save the file as UTF-8"
        ) from None
    except csv.Error as err:
        raise DataError(f"{path}: not a readable CSV file: {err}") from None
    return header or []


def _line_of(path: Path, row: list[str]) -> int:
    """1-based line number of ``row`` (first match; the csv reader counts quoted line breaks differently)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        for found in reader:
            if found == row:
                return reader.line_num
    return 0  # pragma: no cover


def _decoding_line(path: Path, err: UnicodeDecodeError) -> int:
    """The line of the first byte that is not UTF-8 (the decoder reports a position in its buffer)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as whole:
        return data.count(b"\n", 0, whole.start) + 1
    return 0  # pragma: no cover


def _read_csv(path: Path, table: TableSchema) -> pl.DataFrame:
    check_csv_text(path)
    try:
        header = pl.read_csv(path, n_rows=0, infer_schema=False).columns
    except Exception as err:  # noqa: BLE001
        raise DataError(f"{path}: cannot read CSV header: {err}") from err
    mapping = match_columns(path, table, header)
    names = [mapping[c.name] for c in table.columns]
    # booleans are read as text and converted by certlib: 0/1, true/false, Y/N (polars reads only true/false)
    dtypes = {mapping[c.name]: (pl.String() if c.type == "bool" else POLARS_TYPES[c.type]) for c in table.columns}
    try:
        frame = pl.read_csv(path, columns=names, schema_overrides=dtypes, infer_schema=False, try_parse_dates=False)
    except Exception as err:  # noqa: BLE001 - locate the bad value below, else report polars' message
        try:
            text = pl.read_csv(path, columns=names, infer_schema=False)
        except Exception:  # noqa: BLE001
            raise DataError(f"{path}: cannot read CSV: {err}") from err
        for column in table.columns:
            if column.type == "string":
                continue
            bad = _first_bad_value(text.lazy(), mapping[column.name], POLARS_TYPES[column.type])
            if bad is not None:
                raise _bad_value(path, mapping[column.name], column.type, bad[0], f"line {bad[1] + 2}") from err
        raise DataError(f"{path}: cannot read CSV with the declared types: {err}") from err
    frame = frame.select([pl.col(mapping[c]).alias(c) for c in table.column_names])
    bools = [c.name for c in table.columns if c.type == "bool"]
    for name in bools:
        bad = _first_bad_value(frame.lazy(), name, pl.Boolean())
        if bad is not None:
            raise _bad_value(
                path,
                mapping[name],
                "bool",
                bad[0],
                f"line {bad[1] + 2}",
                hint="a bool column holds true/false, 1/0, Y/N or yes/no",
            )
    return frame.with_columns([_parse(n, pl.Boolean(), pl.String()).alias(n) for n in bools]) if bools else frame


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
    if want == pl.Boolean() and have.is_numeric():  # a bit column: 0 or 1, nothing else
        return pl.when(col == 1).then(True).when(col == 0).then(False).otherwise(None)
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


def _bad_value(
    path: object, column: str, type_name: str, value: object, where: str, hint: str | None = None
) -> DataError:
    if hint is None and type_name == "bool":
        hint = "a bool column holds true/false, 1/0, Y/N or yes/no"
    return DataError(
        f"{path}: column {column!r} holds {value!r} ({where}), which is not a valid {type_name}"
        + (f" ({hint})" if hint else "")
    )
