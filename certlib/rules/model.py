"""The records of a rule pack: tables, groups, rules, diagnostics, compiled rules.

This module is the contract between the rule loader/compiler (``certlib.rules``), the engines
(``certlib.engine``), the generator and the services. Plain frozen dataclasses, no behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

Severity = Literal["fatal", "warning", "info"]
Level = Literal["district", "school"]
ColumnType = Literal["string", "int", "float", "date", "datetime", "bool"]

SEVERITIES: tuple[str, ...] = ("fatal", "warning", "info")
COLUMN_TYPES: tuple[str, ...] = ("string", "int", "float", "date", "datetime", "bool")
#: declared column type -> polars dtype (the one map; the engine, compiler, fixtures and generator use it)
POLARS_TYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
    "bool": pl.Boolean(),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str = ""


@dataclass(frozen=True)
class TableSchema:
    """One dataset table as declared in pack.toml ``[tables.<name>]`` (or ``[tables."<schema>.<name>"]``).

    ``name`` is the pack's key for the table: ``enrollments``, or ``edfi.Student`` for a table in a schema
    (then ``schema`` is ``edfi`` and ``bare_name`` is ``Student``). Names keep the case they are declared
    with; rules match them as their dialect resolves identifiers (:mod:`certlib.rules.names`)."""

    name: str
    columns: tuple[Column, ...]
    keys: tuple[str, ...]  # the record key (what a finding points at)
    district_key: str | None = None  # column holding the district number (scope filter)
    school_key: str | None = None  # column holding the school code (scope filter)
    student_key: str | None = None  # column holding the student state id
    description: str = ""
    duplicates_rule: str | None = None  # a pack rule reporting duplicate keys (the built-in check defers to it)
    schema: str | None = None  # the schema the table lives in (``edfi``), None for a pack without schemas
    file: str | None = None  # data file path (relative, without extension) when not <schema>/<name>

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def bare_name(self) -> str:
        """The table's name without its schema (``Student`` for ``edfi.Student``)."""
        return self.name[len(self.schema) + 1 :] if self.schema else self.name

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class Group:
    """A validation group ("Calendar Certification"): rules run together, at district or school level."""

    name: str
    level: Level
    description: str = ""


@dataclass(frozen=True)
class Rule:
    """One rule file: metadata from its ``-- key: value`` header plus the SQL body."""

    id: str
    title: str
    severity: Severity
    groups: tuple[str, ...]
    description: str
    resolution: str
    sql: str
    path: Path | None = None
    sql_line: int = 1  # 1-based line in the file where the SQL body starts
    external_id: str | None = None
    status: Literal["active", "inactive"] = "active"
    max_results: int | None = None
    dialect: str | None = None  # None = the pack default
    tables: tuple[str, ...] = ()  # as declared in the header (optional); the compiler finds the real ones
    dataset: str | None = None  # report "Dataset" label; defaults to the title
    keys: tuple[str, ...] = ()  # override of the record-key columns (e.g. for an aggregate rule)
    error_message: str | None = None  # the catalog's message per finding (DataChecker's ErrorMessage)


@dataclass(frozen=True)
class BrokenRule:
    """A rule file the loader could not take (bad header, duplicate id, unknown group, not UTF-8).

    The rest of the pack loads without it; ``validate`` reports it as a rule error in every run of
    its groups (every run when its groups are unknown), so a certification never passes over it."""

    id: str  # the id from its header, else the file's stem
    path: Path
    groups: tuple[str, ...]  # () when the header did not say (the file is then in every run)
    diagnostics: tuple[Diagnostic, ...]

    @property
    def message(self) -> str:
        return "; ".join(str(d) for d in self.diagnostics if d.level == "error")


@dataclass(frozen=True)
class Pack:
    name: str
    root: Path
    dialect: str
    max_results: int
    tables: dict[str, TableSchema]
    groups: dict[str, Group]
    rules: dict[str, Rule]  # by id, in file order
    broken: tuple[BrokenRule, ...] = ()  # rule files left out, each with its diagnostics
    default_schema: str | None = None  # unqualified table names in rules resolve in this schema

    @property
    def identity_columns(self) -> dict[str, tuple[str, ...]]:
        """The student / school / district key columns the pack declares, by role (a rule may return
        these instead of its main table's keys)."""
        out: dict[str, list[str]] = {"district": [], "school": [], "student": []}
        for table in self.tables.values():
            for role in out:
                column = getattr(table, f"{role}_key")
                if column and column not in out[role]:
                    out[role].append(column)
        return {role: tuple(cols) for role, cols in out.items()}

    @property
    def problems(self) -> list[Diagnostic]:
        """Every diagnostic of the rule files left out of the pack."""
        return [d for b in self.broken for d in b.diagnostics]

    def broken_in(self, groups: list[str] | tuple[str, ...] | None = None) -> list[BrokenRule]:
        """The broken rule files a run of ``groups`` (default all) would have included."""
        wanted = set(groups) if groups else None
        return [
            b
            for b in self.broken
            if wanted is None or not b.groups or wanted & set(b.groups) or not (set(b.groups) & set(self.groups))
        ]

    def rules_in(self, groups: list[str] | tuple[str, ...] | None = None, active_only: bool = True) -> list[Rule]:
        wanted = set(groups) if groups else None
        return [
            r
            for r in self.rules.values()
            if (not active_only or r.status == "active") and (wanted is None or wanted & set(r.groups))
        ]


@dataclass(frozen=True)
class Diagnostic:
    """One finding of the loader or compiler; printed as ``file:line:col: level: message``."""

    rule_id: str | None
    file: str | None
    line: int | None
    col: int | None
    level: Literal["error", "warning"]
    code: str  # e.g. "syntax", "unknown-table", "unknown-column", "forbidden", "untranslatable"
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file or "<rule>", self.line, self.col) if p is not None)
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}: {self.level}: {self.message}{hint}"


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready for an engine: SQL in the target dialect with parameters bound as literals by the
    compiler's AST (never by text pasting), the tables it reads and the key columns it returns."""

    rule: Rule
    sql: str  # target-dialect SQL (polars SQL for the polars engine)
    dialect: str  # target dialect name ("polars", "duckdb", "spark", ...)
    tables: tuple[str, ...]  # pack tables read
    key_columns: tuple[str, ...]  # output columns that identify a record
    output_columns: tuple[str, ...] = ()
    lineage: dict[str, tuple[str, ...]] = field(default_factory=dict)  # table -> columns read
    diagnostics: tuple[Diagnostic, ...] = ()
