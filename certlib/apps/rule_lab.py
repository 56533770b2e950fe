"""The rule lab: the smallest glue between the rule-lab notebook and certlib.rules / certlib.services.lab
(compile, transpile, run in a worker process, fixtures, save). No SQL handling of our own; which data a
run reads is decided by :mod:`certlib.services.lab` (the user's data scope).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from certlib.apps.common import as_identifiers, attempt, first_line
from certlib.config import settings

NEW_RULE_TEMPLATE = """-- id: NEW-001
-- title: My new rule
-- severity: warning
-- group: Enrollment
-- description: What is wrong with the rows this rule returns.
-- resolution: How a district fixes them.
SELECT e.enrollment_id, e.district_number, e.school_code, e.grade
FROM enrollments AS e
WHERE e.grade NOT IN ('00', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12')
"""


#: sqlglot dialects offered by the rule lab (source and transpile target).
LAB_DIALECTS = [
    "postgres",
    "tsql",
    "mysql",
    "oracle",
    "duckdb",
    "snowflake",
    "bigquery",
    "spark",
    "databricks",
    "sqlite",
    "redshift",
    "trino",
]


def pack_dir(env=None) -> str:
    """The rule pack directory: ``CERTLIB_RULES`` or the pack installed with certlib."""
    return str(settings(env).rules)


def lab_pack(ws):
    """The pack the rule lab works on: the workspace's (``CERTLIB_RULES`` or the installed pack)."""
    return ws.pack


def rule_options(pack) -> dict[str, str | None]:
    """Rule picker options: "New rule" then "ID · title (severity)" → rule id."""
    opts: dict[str, str | None] = {"➕ New rule": None}
    for r in pack.rules.values():
        opts[f"{r.id} · {r.title} ({r.severity}{'' if r.status == 'active' else ', inactive'})"] = r.id
    return opts


def rule_text(pack, rule_id: str | None) -> str:
    """The full rule file (header + SQL) of ``rule_id``, or the new-rule template."""
    if rule_id is None:
        return NEW_RULE_TEMPLATE
    rule = pack.rules[rule_id]
    if rule.path is not None:
        from pathlib import Path

        return Path(rule.path).read_text(encoding="utf-8")
    return rule.sql


@dataclass(frozen=True)
class LabCompile:
    """What the rule lab shows after compiling the editor's text."""

    rule: object | None  # certlib.rules.model.Rule
    compiled: object | None  # CompiledRule
    diagnostics: tuple  # certlib.rules.model.Diagnostic records
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.compiled is not None and not any(getattr(d, "level", "") == "error" for d in self.diagnostics)


def _parse_rule_text(text: str, pack, dialect: str | None):
    """A Rule from a rule file's text, through the rule loader's header parser."""
    from dataclasses import replace as _replace

    from certlib.rules.header import parse_rule_text

    rule = parse_rule_text(text, None)
    if dialect:
        rule = _replace(rule, dialect=dialect)
    return rule


def lab_compile(text: str, pack, dialect: str | None = None, params: dict | None = None) -> LabCompile:
    """Parse and compile the editor's rule text for polars; every problem becomes a diagnostic."""
    from certlib.errors import CertlibError, RuleError
    from certlib.rules import compile_rule

    try:
        rule = _parse_rule_text(text, pack, dialect)
    except RuleError as err:
        return LabCompile(None, None, tuple(err.diagnostics), str(err))
    except CertlibError as err:
        return LabCompile(None, None, (), str(err))
    try:
        compiled = compile_rule(rule, pack, target="polars", params=dict(params or {}))
    except RuleError as err:
        return LabCompile(rule, None, tuple(err.diagnostics), str(err))
    return LabCompile(rule, compiled, tuple(compiled.diagnostics), "")


def diagnostics_frame(diags) -> pl.DataFrame:
    """Diagnostics as a table: line, col, level, code, message, hint."""
    rows = [
        {"line": d.line, "col": d.col, "level": d.level, "code": d.code, "message": d.message, "hint": d.hint or ""}
        for d in diags
    ]
    schema = {
        "line": pl.Int64,
        "col": pl.Int64,
        "level": pl.String,
        "code": pl.String,
        "message": pl.String,
        "hint": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def lab_transpile(rule, pack, target: str, params: dict | None = None) -> tuple[str, str]:
    """(SQL in ``target`` dialect, problem text or "")."""
    from certlib.errors import RuleError
    from certlib.rules import compile_rule

    try:
        c = compile_rule(rule, pack, target=target, params=dict(params or {}))
    except RuleError as err:
        return "", str(err)
    return c.sql, ""


def lineage_frame(compiled) -> pl.DataFrame:
    """The compiled rule's lineage (table → columns read) as a table."""
    rows = [{"table": t, "columns": ", ".join(cols)} for t, cols in sorted((compiled.lineage or {}).items())]
    return pl.DataFrame(rows, schema={"table": pl.String, "columns": pl.String})


def data_sources(ws, user) -> dict[str, str]:
    """Data directories ``user`` may run the lab on, label → path (:func:`certlib.services.lab.lab_sources`)."""
    from certlib.services.lab import lab_sources

    return lab_sources(ws, user)


def lab_start(ws, user, compiled, pack, data_dir: str, scope: dict | None = None):
    """Start one compiled rule for ``user`` on a data directory in a worker process, every table cut to
    their data scope and then to ``scope`` (the lab's optional narrowing); returns the running
    :class:`certlib.services.lab.LabQuery` (``poll()``, ``stop()``) at once."""
    from certlib.services.lab import start_rule

    return start_rule(ws, user, compiled, pack, data_dir, scope)


def lab_fixtures(pack, rule) -> pl.DataFrame:
    """Run the fixture cases of ``rule`` (by id, with the editor's version of the rule): case name,
    passed, got keys, expected keys, error."""
    from dataclasses import replace as _replace

    from certlib.engine.fixtures import collect_cases, run_case
    from certlib.errors import CertlibError

    trial = _replace(pack, rules={**pack.rules, rule.id: rule})
    rows = []
    for case in (c for c in collect_cases(pack) if c.rule_id == rule.id):
        try:
            ok, got, expected = run_case(case, trial)
            rows.append({"case": case.name, "passed": ok, "got": str(got), "expected": str(expected), "error": ""})
        except CertlibError as err:
            rows.append(
                {"case": case.name, "passed": False, "got": "", "expected": str(case.expect), "error": str(err)}
            )
    return pl.DataFrame(
        rows,
        schema={"case": pl.String, "passed": pl.Boolean, "got": pl.String, "expected": pl.String, "error": pl.String},
    )


def save_rule(text: str, pack, rule, app_mode: str | None) -> str:
    """Write the rule file into the pack directory (``<pack>/<ID>.sql`` or its existing path).

    Refused (``Refused``/``ReadOnlyError``) unless the notebook runs in marimo edit mode and the
    deployment is writable.
    """
    from pathlib import Path

    from certlib.domain.names import path_inside
    from certlib.errors import ReadOnlyError, Refused
    from certlib.identity import can_save_rules, read_only

    if read_only():
        raise ReadOnlyError("save rule")
    ok, why = can_save_rules(app_mode)
    if not ok:
        raise Refused("save rule", "rule lab", None, why)
    existing = pack.rules.get(rule.id)
    path = Path(existing.path) if existing is not None and existing.path else path_inside(pack.root, rule.id, ".sql")
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return str(path)


#: How the lab words a run's status: a rule that found rows did its job (a finding), it did not fail.
RESULT_WORDS: dict[str, tuple[str, str]] = {
    "passed": ("No findings", "the rule returned no row on this data"),
    "failed": ("Findings", "each row it returned is a finding for the district to fix"),
    "error": ("Rule error", "the rule could not run on this data"),
}


def result_stat(run) -> dict:
    """``mo.stat`` keyword arguments for a lab run's outcome: "Findings" (not "failed") when the rule
    found rows, "No findings" when it found none, "Rule error" (with the error) when it could not run."""
    label, caption = RESULT_WORDS.get(str(run.status), (str(run.status).capitalize(), ""))
    if run.status == "failed":
        caption = (
            "the row it returned is a finding for the district to fix"
            if run.count == 1
            else "each row it returned is a finding for the district to fix"
        )
    if run.error:
        caption = first_line(run.error)
    return {"label": "Outcome", "value": label, "caption": caption, "bordered": True}


def shown_rows(run) -> pl.DataFrame:
    """The rows a lab run shows, identifiers and years as written ("2025", "1001001", not "2,025")."""
    return as_identifiers(run.rows)


__all__ = [
    "LAB_DIALECTS",
    "RESULT_WORDS",
    "result_stat",
    "shown_rows",
    "LabCompile",
    "NEW_RULE_TEMPLATE",
    "attempt",
    "data_sources",
    "diagnostics_frame",
    "first_line",
    "lab_compile",
    "lab_fixtures",
    "lab_pack",
    "lab_start",
    "lab_transpile",
    "lineage_frame",
    "pack_dir",
    "rule_options",
    "rule_text",
    "save_rule",
]
