"""Rule fixture cases: ``rules/cases/<RULE-ID>.toml`` read into :class:`FixtureCase` records and run.

The one small collector behind both ``certlib rules test`` and the parametrized pytest cases
(sqlfluff's YAML rule cases are the model). A case gives small input rows per table and the key
tuples the rule must return (any order); tables not listed are empty, a column left out of a row is
NULL, values are cast to the declared column types. Format: docs/contracts.md.

>>> for case in collect_cases(pack):                    # doctest: +SKIP
...     ok, got, expected = run_case(case, pack)
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from certlib.engine.polars_engine import PolarsEngine
from certlib.engine.run import compile_rules
from certlib.errors import RuleError
from certlib.rules.compiler import DEFAULT_PARAMS
from certlib.rules.model import POLARS_TYPES, Pack, Rule, TableSchema

CASES_DIR = "cases"


@dataclass(frozen=True)
class FixtureCase:
    """One case of one rule: input frames (every pack table, typed), parameters, expected keys."""

    rule_id: str
    name: str
    tables: dict[str, pl.DataFrame]
    params: dict[str, Any]
    expect: list[tuple[Any, ...]]
    path: Path
    index: int = 0  # position in its file (0-based)
    listed_tables: tuple[str, ...] = field(default=())  # the tables the case gives rows for

    @property
    def id(self) -> str:
        """``RULE-ID::case name`` (the pytest id)."""
        return f"{self.rule_id}::{self.name}"

    @property
    def finds_rows(self) -> bool:
        return bool(self.expect)


def cases_dir(pack: Pack) -> Path:
    return pack.root / CASES_DIR


def collect_cases(pack: Pack) -> list[FixtureCase]:
    """Every case of every ``cases/*.toml`` file of the pack, by file name then position in the file."""
    folder = cases_dir(pack)
    if not folder.is_dir():
        return []
    cases: list[FixtureCase] = []
    for path in sorted(folder.glob("*.toml")):
        cases.extend(load_case_file(path, pack))
    return cases


def cases_by_rule(pack: Pack, cases: list[FixtureCase] | None = None) -> dict[str, list[FixtureCase]]:
    """{rule id: its cases} for every rule of the pack (active or not); a rule without cases maps to []."""
    out: dict[str, list[FixtureCase]] = {rule_id: [] for rule_id in pack.rules}
    for case in collect_cases(pack) if cases is None else cases:
        out.setdefault(case.rule_id, []).append(case)
    return out


def load_case_file(path: Path, pack: Pack) -> list[FixtureCase]:
    rule_id = path.stem
    if rule_id not in pack.rules:
        raise RuleError(f"{path}: no rule with id {rule_id!r} in the pack (case files are named <RULE-ID>.toml)")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise RuleError(f"{path}: {err}") from err
    unknown = sorted(set(doc) - {"case"})
    if unknown:
        raise RuleError(f"{path}: unknown top-level key {unknown[0]!r} (cases are [[case]] tables)")
    raw_cases = doc.get("case", [])
    if not isinstance(raw_cases, list):
        raise RuleError(f"{path}: 'case' must be an array of tables ([[case]])")
    seen: set[str] = set()
    cases = []
    for i, raw in enumerate(raw_cases):
        case = _case(path, pack, rule_id, i, raw)
        if case.name in seen:
            raise RuleError(f"{path}: case {i + 1}: duplicate case name {case.name!r}")
        seen.add(case.name)
        cases.append(case)
    return cases


def _case(path: Path, pack: Pack, rule_id: str, index: int, raw: Mapping[str, Any]) -> FixtureCase:
    where = f"{path}: case {index + 1}"
    unknown = sorted(set(raw) - {"name", "params", "expect", "tables"})
    if unknown:
        raise RuleError(f"{where}: unknown key {unknown[0]!r} (allowed: name, params, expect, tables)")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RuleError(f"{where}: every case needs a name")
    where = f"{path}: case {name!r}"
    if "expect" not in raw or not isinstance(raw["expect"], list):
        raise RuleError(f"{where}: 'expect' must be a list of key tuples ([] = the rule passes)")
    expect = []
    for item in raw["expect"]:
        expect.append(tuple(item) if isinstance(item, list) else (item,))
    given = raw.get("tables", {})
    if not isinstance(given, Mapping):
        raise RuleError(f"{where}: 'tables' must be a table of row lists")
    by_lower = {t.lower(): t for t in pack.tables}
    named: dict[str, Any] = {}
    for table, rows in given.items():  # names match case-insensitively, as in rules and data files
        declared = table if table in pack.tables else by_lower.get(table.lower())
        if declared is None:
            raise RuleError(f"{where}: unknown table {table!r} (declared: {', '.join(sorted(pack.tables))})")
        named[declared] = rows
    given = named
    frames = {t: _frame(where, pack.tables[t], given.get(t, [])) for t in sorted(pack.tables)}
    params = dict(raw.get("params", {}))
    return FixtureCase(
        rule_id=rule_id,
        name=name,
        tables=frames,
        params=params,
        expect=expect,
        path=path,
        index=index,
        listed_tables=tuple(sorted(given)),
    )


def _frame(where: str, table: TableSchema, rows: Any) -> pl.DataFrame:
    """Rows of one table as a frame with the declared schema; left-out columns are NULL."""

    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise RuleError(f"{where}: table {table.name!r} must be a list of rows ({{ column = value, ... }})")
    declared = set(table.column_names)
    by_lower = {c.lower(): c for c in table.column_names}
    rows = [{k if k in declared else by_lower.get(k.lower(), k): v for k, v in row.items()} for row in rows]
    for n, row in enumerate(rows, start=1):
        extra = sorted(set(row) - declared)
        if extra:
            raise RuleError(f"{where}: {table.name} row {n}: unknown column {extra[0]!r}")
    columns = {}
    for col in table.columns:
        values = [row.get(col.name) for row in rows]
        dtype = POLARS_TYPES[col.type]
        columns[col.name] = _series(where, table.name, col.name, col.type, values, dtype)
    return pl.DataFrame(columns, schema={c.name: POLARS_TYPES[c.type] for c in table.columns})


def _series(where: str, table: str, column: str, type_name: str, values: list[Any], dtype: pl.DataType) -> pl.Series:
    converted = []
    for n, v in enumerate(values, start=1):
        try:
            converted.append(_convert(v, type_name))
        except (TypeError, ValueError):
            raise RuleError(
                f"{where}: {table} row {n}: column {column!r} holds {v!r}, which is not a valid {type_name}"
            ) from None
    return pl.Series(column, converted, dtype=dtype)


def _convert(value: Any, type_name: str) -> Any:
    """A TOML value as the Python value of the declared type (strict: no silent NULLs)."""
    if value is None:
        return None
    if type_name == "string":
        if isinstance(value, bool | dict | list):
            raise TypeError
        return value if isinstance(value, str) else str(value)
    if type_name == "int":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise TypeError
        as_int = int(value) if not isinstance(value, str) else int(value.strip())
        if isinstance(value, float) and value != as_int:
            raise ValueError
        return as_int
    if type_name == "float":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise TypeError
        return float(value)
    if type_name == "bool":
        if isinstance(value, bool):
            return value
        raise TypeError
    if type_name == "date":
        if isinstance(value, datetime):
            raise TypeError
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            return date.fromisoformat(value)
        raise TypeError
    if type_name == "datetime":
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        if isinstance(value, str):
            return datetime.fromisoformat(value)
        raise TypeError
    raise TypeError


def _sort_key(key: tuple[Any, ...]) -> tuple:
    return tuple((v is None, type(v).__name__, v if v is not None else 0) for v in key)


def _sorted(keys: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    try:
        return sorted(keys, key=_sort_key)
    except TypeError:
        return sorted(keys, key=repr)


def run_case(case: FixtureCase, pack: Pack) -> tuple[bool, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Compile the case's rule with its params and run it on its tables.

    Returns ``(ok, got, expected)``: the returned and the expected key tuples (sorted); ``ok`` when
    they are equal as multisets. Raises :class:`RuleError` when the rule does not compile or errors.
    """

    rule: Rule = replace(pack.rules[case.rule_id], max_results=None)  # fixtures see every row
    params = {**DEFAULT_PARAMS, **case.params}
    (compiled,) = compile_rules([rule], pack, target="polars", params=params)
    result = PolarsEngine().run([compiled], {t: f.lazy() for t, f in case.tables.items()}).rules[0]
    if result.status == "error":
        raise RuleError(f"{case.id}: the rule failed to run: {result.error}")
    keys = list(compiled.key_columns) or list(result.rows.columns)
    missing = [k for k in keys if k not in result.rows.columns]
    if missing:
        raise RuleError(f"{case.id}: the rule's output lacks key column {missing[0]!r}")
    got = [tuple(row) for row in result.rows.select(keys).iter_rows()]
    ok = Counter(got) == Counter(case.expect)
    return ok, _sorted(got), _sorted(list(case.expect))
