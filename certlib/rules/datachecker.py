"""Import Ed-Fi DataChecker rule collections into a certlib rule pack.

A DataChecker collection is JSON::

    {"Name", "Description", "EnvironmentType",
     "Containers": [{"Name", "Description",
                     "Rules": [{"Name", "Description", "ErrorMessage", "SeverityLevel", "Resolution", "Sql",
                                "Version", "ExternalRuleId", "MaxNumberResults", "Tags"}]}]}

Each rule becomes one ``<id>.sql`` file (``-- dialect: tsql``): id = ``ExternalRuleId`` when it is a usable
file name, else a unique slug of ``Name``; group = its container; severity from ``SeverityLevel``:

=====  ==========  ==========================================================================
level  DataChecker certlib
=====  ==========  ==========================================================================
1      warning     ``warning`` (acknowledged before submit)
2      major       ``fatal`` by default: a major finding is an error in the data, and certlib has one
                   blocking level; ``major="warning"`` imports it as a warning instead
3      critical    ``fatal``
=====  ==========  ==========================================================================

The pack's tables come from an ODS schema description (:func:`load_ods_schema`): JSON or TOML ::

    default_schema = "edfi"                       # optional: unqualified names in rules resolve here
    [tables."edfi.Student"]
    columns = { StudentUSI = "int", StudentUniqueId = "nvarchar(32)", BirthDate = "date" }
    keys = ["StudentUSI"]
    student_key = "StudentUniqueId"               # optional: district_key, school_key likewise

Column types are certlib's (``string``, ``int``, ``float``, ``date``, ``datetime``, ``bool``) or SQL Server /
PostgreSQL type names (``nvarchar(60)``, ``bit``, ``datetime2(7)``, ``decimal(9,2)``, ...), mapped by
:data:`SQL_TYPES`.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from certlib.domain.names import path_inside
from certlib.errors import DataError, RuleError

SEVERITY_LEVELS = {1: "warning", 2: "major", 3: "critical"}

#: SQL type name (lower case, without length/precision) -> certlib column type
SQL_TYPES: dict[str, str] = {
    **dict.fromkeys(
        (
            "string",
            "char",
            "nchar",
            "varchar",
            "nvarchar",
            "text",
            "ntext",
            "character varying",
            "character",
            "uniqueidentifier",
            "uuid",
            "citext",
            "sysname",
            "xml",
        ),
        "string",
    ),
    **dict.fromkeys(
        ("int", "bigint", "smallint", "tinyint", "integer", "int2", "int4", "int8", "serial", "bigserial"), "int"
    ),
    **dict.fromkeys(
        (
            "float",
            "real",
            "double",
            "double precision",
            "decimal",
            "numeric",
            "money",
            "smallmoney",
            "float4",
            "float8",
        ),
        "float",
    ),
    "date": "date",
    **dict.fromkeys(
        (
            "datetime",
            "datetime2",
            "smalldatetime",
            "datetimeoffset",
            "timestamp",
            "timestamp without time zone",
            "timestamp with time zone",
            "timestamptz",
        ),
        "datetime",
    ),
    **dict.fromkeys(("bool", "boolean", "bit"), "bool"),
}

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


@dataclass
class Imported:
    """One rule of a collection and what became of it."""

    id: str
    name: str
    group: str
    severity: str
    file: str
    notes: list[str] = field(default_factory=list)
    compiles: bool | None = None
    reason: str = ""

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "group": self.group,
            "severity": self.severity,
            "compiles": {True: "yes", False: "no", None: "-"}[self.compiles],
            "reason": self.reason,
            "notes": "; ".join(self.notes),
            "name": self.name,
        }


@dataclass
class ImportSummary:
    pack: Path
    rules: list[Imported]
    tables: int

    @property
    def compiled(self) -> int:
        return sum(r.compiles is True for r in self.rules)

    @property
    def refused(self) -> list[Imported]:
        return [r for r in self.rules if r.compiles is False]

    def line(self) -> str:
        return (
            f"imported {len(self.rules)} rules and {self.tables} tables into {self.pack}: "
            f"{self.compiled} compile, {len(self.refused)} refused"
        )


def column_type(spec: str, where: str) -> str:
    """``nvarchar(32)`` -> ``string``; certlib's own names pass through."""
    base = re.sub(r"\(.*\)$", "", spec.strip().lower()).strip()
    if base in SQL_TYPES:
        return SQL_TYPES[base]
    raise DataError(
        f"{where}: unknown column type {spec!r} (use string, int, float, date, datetime, bool "
        "or a SQL Server / PostgreSQL type name)"
    )


def load_ods_schema(path: Path) -> dict[str, Any]:
    """Read an ODS schema description (JSON or TOML, see the module doc) into pack.toml's ``tables`` form."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as err:
        raise DataError(f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'TOML'}: {err}") from None
    tables = raw.get("tables")
    if not isinstance(tables, dict) or not tables:
        raise DataError(f"{path}: no 'tables' (a table name -> {{columns, keys}} map)")
    out: dict[str, Any] = {}
    for name, spec in tables.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("columns"), dict) or not spec["columns"]:
            raise DataError(f"{path}: table {name!r} has no 'columns' map")
        entry: dict[str, Any] = {
            "columns": {
                col: column_type(str(typ), f"{path}: table {name!r} column {col!r}")
                for col, typ in spec["columns"].items()
            }
        }
        for key in ("keys", "district_key", "school_key", "student_key", "description"):
            if spec.get(key):
                entry[key] = spec[key]
        out[name] = entry
    return {"default_schema": raw.get("default_schema"), "tables": out}


def read_collection(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as err:
        raise DataError(f"{path}: not valid JSON: line {err.lineno}, column {err.colno}: {err.msg}") from None
    except OSError as err:
        raise DataError(f"{path}: cannot read: {err.strerror}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("Containers"), list):
        raise DataError(f"{path}: not a DataChecker collection (no 'Containers' list)")
    return raw


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").upper()[:60] or "RULE"


def _header_value(key: str, value: str) -> list[str]:
    """``-- key: value`` with continuation lines for a multi-line value."""
    lines = [ln.strip() for ln in str(value).replace("\r", "").split("\n") if ln.strip()] or ["-"]
    return [f"-- {key}: {lines[0]}"] + [f"--   {ln}" for ln in lines[1:]]


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _pack_toml(name: str, groups: list[tuple[str, str]], ods: dict[str, Any] | None) -> str:
    out = [f"name = {_toml_str(name)}", 'dialect = "tsql"']
    if ods and ods.get("default_schema"):
        out.append(f"default_schema = {_toml_str(ods['default_schema'])}")
    out.append("")
    for table, spec in (ods or {}).get("tables", {}).items():
        out.append(f"[tables.{_toml_str(table)}]")
        cols = ", ".join(f"{_toml_str(c)} = {_toml_str(t)}" for c, t in spec["columns"].items())
        out.append(f"columns = {{ {cols} }}")
        for key in ("keys", "district_key", "school_key", "student_key", "description"):
            if key in spec:
                value = spec[key]
                out.append(
                    f"{key} = "
                    + (json.dumps(list(value)) if isinstance(value, list | tuple) else _toml_str(str(value)))
                )
        out.append("")
    for group, description in groups:
        out += ["[[groups]]", f"name = {_toml_str(group)}", 'level = "district"']
        if description:
            out.append(f"description = {_toml_str(description)}")
        out.append("")
    return "\n".join(out)


def import_datachecker(
    collections: list[Path], out: Path, ods_schema: Path | None = None, *, major: str = "fatal", check: bool = True
) -> ImportSummary:
    """Write a rule pack at ``out`` from DataChecker collections; compile each rule and say why not.

    Refuses to write into a directory that already holds a ``pack.toml`` or ``.sql`` files (nothing is
    overwritten)."""
    if major not in ("fatal", "warning"):
        raise RuleError(f"major severity must be fatal or warning, not {major!r}")
    severity_of = {1: "warning", 2: major, 3: "fatal"}
    if out.exists() and ((out / "pack.toml").exists() or any(out.glob("*.sql"))):
        raise RuleError(f"{out}: already holds a rule pack; import into a new directory")
    ods = load_ods_schema(ods_schema) if ods_schema else None
    raws = [(path, read_collection(path)) for path in collections]
    used: set[str] = set()
    groups: dict[str, str] = {}
    imported: list[Imported] = []
    files: dict[str, str] = {}
    for path, raw in raws:
        for ci, container in enumerate(raw["Containers"]):
            group = str(container.get("Name") or f"{raw.get('Name') or path.stem} {ci + 1}").strip()
            groups.setdefault(group, str(container.get("Description") or "").strip())
            for ri, rule in enumerate(container.get("Rules") or []):
                where = f"{path}: Containers[{ci}].Rules[{ri}]"
                name = str(rule.get("Name") or "").strip()
                notes: list[str] = []
                external = str(rule.get("ExternalRuleId") or "").strip()
                base = external if _SAFE_ID.match(external) else slug(name or f"{group}-{ri + 1}")
                if external and not _SAFE_ID.match(external):
                    notes.append(f"ExternalRuleId {external!r} is not a file name; id from the name")
                rule_id, n = base, 2
                while rule_id.lower() in used:
                    rule_id, n = f"{base}-{n}", n + 1
                if rule_id != base:
                    notes.append(f"id {base!r} already used; renamed {rule_id!r}")
                used.add(rule_id.lower())
                level = rule.get("SeverityLevel")
                try:
                    severity = severity_of[int(level)]
                except (TypeError, ValueError, KeyError):
                    severity = "fatal"
                    notes.append(f"SeverityLevel {level!r} is not 1, 2 or 3; imported as fatal")
                sql = str(rule.get("Sql") or "").replace("\r\n", "\n").strip()
                description = str(rule.get("Description") or "").strip() or name or rule_id
                resolution = str(rule.get("Resolution") or "").strip()
                if not resolution:
                    resolution = "Correct the listed records in the source system, then run the validation again."
                    notes.append("no Resolution; a generic one was written")
                header = _header_value("id", rule_id) + _header_value("title", name or rule_id)
                header += [f"-- severity: {severity}"] + _header_value("group", group)
                header += _header_value("description", description) + _header_value("resolution", resolution)
                if rule.get("ErrorMessage"):
                    header += _header_value("error_message", str(rule["ErrorMessage"]))
                if external:
                    header += _header_value("external_id", external)
                max_n = rule.get("MaxNumberResults")
                if isinstance(max_n, int) and max_n > 0:
                    header.append(f"-- max_results: {max_n}")
                header.append("-- dialect: tsql")
                origin = [
                    f"-- Imported from DataChecker collection {raw.get('Name') or path.name!r} "
                    f"({path.name}, container {group!r}, SeverityLevel {level})"
                ]
                if rule.get("Version") not in (None, ""):
                    origin.append(f"-- Version: {rule['Version']}")
                tags = rule.get("Tags")
                if tags:
                    origin.append(f"-- Tags: {', '.join(map(str, tags)) if isinstance(tags, list) else tags}")
                file = f"{rule_id}.sql"
                entry = Imported(rule_id, name, group, severity, file, notes)
                if not sql:
                    entry.notes.append(f"{where}: no Sql")
                files[file] = "\n".join(header + [""] + origin + [sql or "SELECT 1 AS no_sql WHERE 1 = 0"]) + "\n"
                imported.append(entry)
    out.mkdir(parents=True, exist_ok=True)
    name = " + ".join(str(raw.get("Name") or path.stem) for path, raw in raws)
    (out / "pack.toml").write_text(_pack_toml(name, list(groups.items()), ods), encoding="utf-8")
    for file, text in files.items():
        path_inside(out, file).write_text(text, encoding="utf-8")
    summary = ImportSummary(out, imported, len((ods or {}).get("tables", {})))
    if check:
        _check(summary)
    return summary


def _check(summary: ImportSummary) -> None:
    """Load the written pack and compile each rule; record the first error of each refused rule."""
    from certlib.rules.compiler import compile_rule
    from certlib.rules.pack import load_pack

    pack = load_pack(summary.pack)
    broken = {b.id: b for b in pack.broken}
    for entry in summary.rules:
        if entry.id in broken:
            entry.compiles, entry.reason = False, broken[entry.id].message
            continue
        rule = pack.rules[entry.id]
        try:
            compiled = compile_rule(rule, pack)
        except RuleError as err:
            errors = [d for d in err.diagnostics if d.level == "error"]
            first = errors[0] if errors else None
            entry.compiles = False
            entry.reason = (
                f"{first.code}: {first.message}" + (f" ({first.hint})" if first.hint else "") if first else str(err)
            )
            continue
        errors = [d for d in compiled.diagnostics if d.level == "error"]
        entry.compiles = not errors
        entry.reason = f"{errors[0].code}: {errors[0].message}" if errors else ""
