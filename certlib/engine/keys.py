"""Declared keys enforced: a built-in rule, ``SYS-KEY-001``, reports every table row a run cannot trust.

Why: a rule counts what its joins and filters see. Two ``schools`` rows with the same ``school_code``
double every listing joined to schools; a row whose ``district_number`` is NULL falls out of every
district-scoped run, taking its findings with it. Neither shows in the rules' own counts, so the run
itself checks the tables it reads (after loading, before the rules run) and reports what it found as
the findings of one fatal built-in rule — the counts of the other rules are then known to be
untrustworthy and the run blocks certification until the data is fixed. See docs/rule-pack.md.

What is checked, on every table the run's rules read:

* **duplicate key** — two or more rows (in the run's scope) with the same values of the table's
  declared ``keys``; one finding per repeated key, naming it. A table may leave this to a pack rule
  that reports the same duplicates (``duplicates_rule = "ATT-005"`` in pack.toml) when that rule is
  part of the run.
* **NULL key** — a row (in scope) with a NULL in a key column; one finding per table and column.
* **NULL district / school** — a row whose ``district_key`` or ``school_key`` column is NULL and that
  could belong to the run's scope (every scope column it has either matches or is NULL); one finding
  per table and column. Such a row cannot be placed, so it is counted but its key is not shown (it
  may belong to another district).

>>> found = check_keys(pack, frames, ["schools"], scope={"district_number": "1071"})   # doctest: +SKIP
>>> found.rows.select("table", "problem", "key", "records")                             # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from time import perf_counter

import polars as pl

from certlib.engine.results import RuleResult
from certlib.engine.tables import scope_column
from certlib.rules.model import POLARS_TYPES, Pack, TableSchema

KEY_RULE_ID = "SYS-KEY-001"
KEY_RULE_DATASET = "Declared keys"
KEY_COLUMNS = ("table", "problem", "key")
_SCHEMA = {"table": pl.String(), "problem": pl.String(), "key": pl.String(), "records": pl.Int64()}
_DESCRIPTION = (
    "Rows of a table this run reads have a duplicate or missing declared key, or no district/school. "
    "Every count of this run that reads the table may be wrong (a duplicate is counted twice, a row "
    "without a district is left out of the district's run)."
)
_RESOLUTION = (
    "Fix the rows named here in the data file (remove the duplicate, fill in the key or the "
    "district/school), then re-run the report. These findings block certification."
)


def _rendered(keys: tuple[str, ...]) -> pl.Expr:
    """``school_code=0588, grade=07``: a key as one string (the finding's ``key`` column)."""
    parts: list[pl.Expr] = []
    for i, k in enumerate(keys):
        if i:
            parts.append(pl.lit(", "))
        parts.append(pl.lit(f"{k}="))
        parts.append(pl.col(k).cast(pl.String).fill_null("NULL"))
    return pl.concat_str(parts)


def _scope_filters(table: TableSchema, scope: Mapping[str, str]) -> list[tuple[str, pl.Expr]]:
    """(column, equality with the scope value) for every scope key the table holds."""
    out = []
    for key, value in sorted(scope.items()):
        column = scope_column(table, key)
        if column is not None:
            dtype = POLARS_TYPES[table.column(column).type]  # type: ignore[union-attr]
            out.append((column, pl.col(column) == pl.lit(value).cast(dtype)))
    return out


def key_findings(
    table: TableSchema, frame: pl.LazyFrame, scope: Mapping[str, str] | None = None, *, duplicates: bool = True
) -> pl.LazyFrame:
    """The findings (``table, problem, key, records``) of one **unscoped** table frame under ``scope``."""
    filters = _scope_filters(table, scope or {})
    in_scope = frame
    for _, cond in filters:
        in_scope = in_scope.filter(cond)
    parts: list[pl.LazyFrame] = []
    keys = tuple(k for k in table.keys if k in table.column_names)
    if keys and duplicates:
        parts.append(
            in_scope.group_by(list(keys))
            .agg(pl.len().cast(pl.Int64).alias("records"))
            .filter(pl.col("records") > 1)
            .select(
                pl.lit(table.name).alias("table"),
                pl.lit(f"duplicate key ({', '.join(keys)})").alias("problem"),
                _rendered(keys).alias("key"),
                "records",
            )
        )
    placed = [c for c in (table.district_key, table.school_key) if c and c in table.column_names]
    for k in keys:
        if k not in placed:  # a NULL district/school key is reported once, below
            parts.append(_null_rows(in_scope.filter(pl.col(k).is_null()), table.name, f"{k} is NULL (key column)"))
    for column in dict.fromkeys(placed):
        maybe = frame.filter(pl.col(column).is_null())
        for other, cond in filters:
            if other != column:
                maybe = maybe.filter(cond | pl.col(other).is_null())
        noun = "district" if column == table.district_key else "school"
        parts.append(_null_rows(maybe, table.name, f"{column} is NULL (no {noun}; the row is in no scope)"))
    if not parts:
        return pl.LazyFrame(schema=_SCHEMA)
    return pl.concat(parts, how="vertical")


def _null_rows(rows: pl.LazyFrame, table: str, problem: str) -> pl.LazyFrame:
    return (
        rows.select(pl.len().cast(pl.Int64).alias("records"))
        .filter(pl.col("records") > 0)
        .select(pl.lit(table).alias("table"), pl.lit(problem).alias("problem"), pl.lit("").alias("key"), "records")
    )


def check_keys(
    pack: Pack,
    frames: Mapping[str, pl.LazyFrame],
    tables: Iterable[str],
    scope: Mapping[str, str] | None = None,
    *,
    rule_ids: Iterable[str] = (),
) -> RuleResult | None:
    """The ``SYS-KEY-001`` result over ``tables`` (unscoped ``frames``), or None when every key holds.

    ``rule_ids`` are the rules of the run: a table whose ``duplicates_rule`` is among them leaves its
    duplicates to that rule.
    """
    t0 = perf_counter()
    running = set(rule_ids)
    names = sorted(set(tables) & set(frames) & set(pack.tables))
    plans = []
    for name in names:
        table = pack.tables[name]
        covered = getattr(table, "duplicates_rule", None) in running
        plans.append(key_findings(table, frames[name], scope, duplicates=not covered))
    if not plans:
        return None
    found = pl.concat(pl.collect_all(plans), how="vertical").sort("table", "problem", "key").select(list(_SCHEMA))
    if found.height == 0:
        return None
    bad_tables = list(dict.fromkeys(found["table"].to_list()))
    return RuleResult(
        id=KEY_RULE_ID,
        title=f"Duplicate or missing key in {', '.join(bad_tables)}",
        severity="fatal",
        groups=(),
        dataset=KEY_RULE_DATASET,
        status="failed",
        count=found.height,
        rows=found,
        truncated=False,
        elapsed_ms=round((perf_counter() - t0) * 1000.0, 3),
        description=_DESCRIPTION,
        resolution=_RESOLUTION,
        key_columns=KEY_COLUMNS,
    )
