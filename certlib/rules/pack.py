"""Load a rule pack directory: ``pack.toml`` (tables, groups, defaults) and one ``.sql`` file per rule.

>>> pack = load_pack("rules")                 # doctest: +SKIP
>>> sorted(pack.groups)[:2]                   # doctest: +SKIP
['Behavior', 'Calendar Certification']
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path

from certlib.config import package_data
from certlib.errors import RuleError
from certlib.rules.header import parse_rule_text
from certlib.rules.model import COLUMN_TYPES, BrokenRule, Column, Diagnostic, Group, Pack, Rule, TableSchema

DEFAULT_PACK = package_data("rules")  # the pack installed with certlib (the repository's rules/)


def _err(path: Path, message: str, line: int | None = None, hint: str | None = None) -> Diagnostic:
    return Diagnostic(None, str(path), line, 1 if line else None, "error", "pack", message, hint)


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


_PLAIN_NAME = re.compile(r"^[^.\s\"`\[\]]+$")


def _table_name(
    key: str, spec: dict, path: Path, line: int | None, problems: list[Diagnostic]
) -> tuple[str, str | None]:
    """``[tables."edfi.Student"]`` or ``[tables.Student]`` with ``schema = "edfi"`` -> (``edfi.Student``,
    ``edfi``); a plain ``[tables.enrollments]`` -> (``enrollments``, None)."""
    schema = spec.get("schema")
    if "." in key:
        if schema:
            problems.append(_err(path, f"table {key!r}: give the schema in the name or as 'schema', not both", line))
        schema, _, bare = key.partition(".")
    else:
        bare = key
    for part in ([schema] if schema else []) + [bare]:
        if not isinstance(part, str) or not _PLAIN_NAME.match(part):
            problems.append(
                _err(
                    path,
                    f"table {key!r}: {part!r} is not a plain name (no dots, blanks, quotes)",
                    line,
                    hint='write [tables."<schema>.<table>"] or [tables.<table>] with schema = "<schema>"',
                )
            )
    return (f"{schema}.{bare}" if schema else bare), (schema or None)


def _tables(raw: dict, path: Path, text: str, problems: list[Diagnostic]) -> dict[str, TableSchema]:
    tables: dict[str, TableSchema] = {}
    for key, spec in (raw.get("tables") or {}).items():
        line = _line_of(text, f"[tables.{key}]") or _line_of(text, f'[tables."{key}"]')
        name, schema = _table_name(key, spec, path, line, problems)
        cols_raw = spec.get("columns") or {}
        if not cols_raw:
            problems.append(_err(path, f"table {name!r} declares no columns", line))
            continue
        columns = []
        for col, typ in cols_raw.items():
            if typ not in COLUMN_TYPES:
                problems.append(
                    _err(
                        path,
                        f"table {name!r} column {col!r}: unknown type {typ!r}",
                        line,
                        hint="types: " + ", ".join(COLUMN_TYPES),
                    )
                )
            columns.append(Column(col, typ))
        folded: dict[str, str] = {}
        for col in cols_raw:
            if col.lower() in folded:  # rules and data files match names case-insensitively
                problems.append(
                    _err(
                        path,
                        f"table {name!r}: columns {folded[col.lower()]!r} and {col!r} differ only in case",
                        line,
                        hint="rename one: names are matched case-insensitively",
                    )
                )
            folded.setdefault(col.lower(), col)
        names = {c.name for c in columns}
        keys = tuple(spec.get("keys") or ())
        for role in ("district_key", "school_key", "student_key"):
            if spec.get(role) and spec[role] not in names:
                problems.append(
                    _err(
                        path,
                        f"table {name!r}: {role} {spec[role]!r} is not a column",
                        line,
                        hint=_column_hint(spec[role], names),
                    )
                )
        for k in keys:
            if k not in names:
                problems.append(
                    _err(path, f"table {name!r}: key {k!r} is not a column", line, hint=_column_hint(k, names))
                )
        clash = next((t for t in tables if t.lower() == name.lower()), None)
        if clash is not None:
            problems.append(
                _err(
                    path,
                    f"tables {clash!r} and {name!r} differ only in case",
                    line,
                    hint="table names are matched case-insensitively",
                )
            )
            continue
        tables[name] = TableSchema(
            name=name,
            columns=tuple(columns),
            keys=keys,
            district_key=spec.get("district_key"),
            school_key=spec.get("school_key"),
            student_key=spec.get("student_key"),
            description=spec.get("description", ""),
            duplicates_rule=spec.get("duplicates_rule"),
            schema=schema,
            file=spec.get("file"),
        )
    return tables


def _column_hint(name: str, names: set[str]) -> str | None:
    same = [n for n in names if n.lower() == name.lower()]
    return f"did you mean {same[0]!r}? (pack.toml names are exact)" if same else None


def _groups(raw: dict, path: Path, text: str, problems: list[Diagnostic]) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for spec in raw.get("groups") or []:
        name = spec.get("name")
        line = _line_of(text, f'"{name}"') if name else None
        if not name:
            problems.append(_err(path, "a [[groups]] entry has no name"))
            continue
        level = spec.get("level", "district")
        if level not in ("district", "school"):
            problems.append(_err(path, f"group {name!r}: level {level!r} is not district or school", line))
        groups[name] = Group(name=name, level=level, description=spec.get("description", ""))
    return groups


def _header_guess(text: str, key: str) -> list[str]:
    """The values of ``-- key:`` lines in a file whose header did not parse (for a broken rule's id/groups)."""
    from certlib.rules.header import parse_header

    values, _, _, _ = parse_header(text, None)
    return [v.strip() for v in values.get(key, []) if v.strip()]


def _rule_files(root: Path, groups: dict[str, Group]) -> tuple[dict[str, Rule], list[BrokenRule]]:
    """Every ``*.sql`` file: the rules that load, and the files that do not (each with its diagnostics)."""
    loaded: list[tuple[Rule, Path]] = []
    broken: list[BrokenRule] = []
    for sql_path in sorted(root.glob("*.sql")):
        try:
            text = sql_path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            broken.append(BrokenRule(sql_path.stem, sql_path, (), (_err(sql_path, f"not UTF-8 text: {err.reason}"),)))
            continue
        try:
            rule = parse_rule_text(text, sql_path)
        except RuleError as err:
            ids = _header_guess(text, "id")
            broken.append(
                BrokenRule(
                    ids[0] if ids else sql_path.stem,
                    sql_path,
                    tuple(_header_guess(text, "group")),
                    tuple(replace(d, rule_id=d.rule_id or (ids[0] if ids else None)) for d in err.diagnostics),
                )
            )
            continue
        unknown = [
            Diagnostic(
                rule.id,
                str(sql_path),
                _line_of(text, g),
                1,
                "error",
                "unknown-group",
                f"group {g!r} is not declared in pack.toml",
                hint="declared: " + ", ".join(groups),
            )
            for g in rule.groups
            if g not in groups
        ]
        if unknown:
            broken.append(BrokenRule(rule.id, sql_path, rule.groups, tuple(unknown)))
            continue
        loaded.append((rule, sql_path))
    by_id: dict[str, list[Path]] = {}
    for rule, path in loaded:
        by_id.setdefault(rule.id, []).append(path)
    rules: dict[str, Rule] = {}
    for rule, path in loaded:
        paths = by_id[rule.id]
        if len(paths) > 1:  # which file is the real one cannot be told: neither runs, each is reported
            others = ", ".join(str(p) for p in paths if p != path)
            broken.append(
                BrokenRule(
                    rule.id,
                    path,
                    rule.groups,
                    (
                        Diagnostic(
                            rule.id,
                            str(path),
                            1,
                            1,
                            "error",
                            "duplicate-id",
                            f"rule id {rule.id!r} is also used by {others}",
                            hint="ids are never reused: give one of the files a new id",
                        ),
                    ),
                )
            )
            continue
        rules[rule.id] = rule
    return rules, broken


def declared_groups(root: str | Path) -> frozenset[str]:
    """The validation group names ``pack.toml`` declares (cheap: no rule file is read); RuleError when
    the pack cannot be read."""
    path = Path(root) / "pack.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise RuleError(f"{path}: cannot read the rule pack's groups ({err})") from None
    return frozenset(str(g["name"]) for g in raw.get("groups") or [] if isinstance(g, dict) and g.get("name"))


def load_pack(root: str | Path = DEFAULT_PACK, *, strict: bool = False) -> Pack:
    """Read a pack. A broken ``pack.toml`` raises RuleError whose diagnostics name every bad line; a
    broken rule file (bad header, duplicate id, unknown group) is left out and listed in
    ``Pack.broken`` — or, with ``strict``, raises like pack.toml problems."""
    root = Path(root)
    toml_path = root / "pack.toml"
    if not toml_path.is_file():
        raise RuleError(f"{toml_path}: no pack.toml in {root}", [_err(toml_path, "pack.toml is missing")])
    text = toml_path.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line = getattr(err, "lineno", None)
        raise RuleError(f"{toml_path}: {err}", [_err(toml_path, str(err), line)]) from None
    problems: list[Diagnostic] = []
    tables = _tables(raw, toml_path, text, problems)
    default_schema = raw.get("default_schema")
    if default_schema is not None and not any(t.schema == default_schema for t in tables.values()):
        problems.append(
            _err(
                toml_path,
                f"default_schema {default_schema!r} holds no table of the pack",
                _line_of(text, "default_schema"),
                hint="schemas: "
                + (
                    ", ".join(sorted({t.schema for t in tables.values() if t.schema}))
                    or 'none (declare [tables."<schema>.<table>"])'
                ),
            )
        )
    groups = _groups(raw, toml_path, text, problems)
    rules, broken = _rule_files(root, groups)
    if strict:
        problems.extend(d for b in broken for d in b.diagnostics)
    if problems:
        raise RuleError(
            f"rule pack {root} has {len(problems)} problem(s):\n  " + "\n  ".join(str(p) for p in problems),
            problems,
        )
    return Pack(
        name=raw.get("name", root.name),
        root=root,
        dialect=raw.get("dialect", "postgres"),
        max_results=int(raw.get("max_results", 1000)),
        tables=tables,
        groups=groups,
        rules=rules,
        broken=tuple(broken),
        default_schema=default_schema,
    )
