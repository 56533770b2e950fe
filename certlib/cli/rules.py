"""CLI commands over rule packs: check, test, show, compile, lineage."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from certlib.cli.base import cli, emit, format_option
from certlib.config import settings
from certlib.engine.fixtures import cases_by_rule, collect_cases, run_case
from certlib.errors import CertlibError, NotFound, RuleError
from certlib.rules import check_pack, compile_rule, load_pack
from certlib.rules.model import Pack, Rule

rules_option = click.option(
    "--rules",
    "rules_dir",
    type=click.Path(path_type=Path),
    default=lambda: settings().rules,
    show_default="$CERTLIB_RULES or the installed default pack",
    help="Rule pack directory.",
)


@cli.group("rules")
def rules_group() -> None:
    """Rule packs: check, test, show, compile, lineage."""


def _rule(pack: Pack, rule_id: str) -> Rule:
    rule = pack.rules.get(rule_id) or next((r for r in pack.rules.values() if r.id.lower() == rule_id.lower()), None)
    if rule is None:
        raise NotFound(f"no rule {rule_id!r} in {pack.root} ({len(pack.rules)} rules)")
    return rule


@rules_group.command("check")
@rules_option
def rules_check(rules_dir: Path) -> None:
    """Load and compile every rule; print diagnostics as file:line:col: level: message.

    Exits 1 when pack.toml, a rule file or an active rule has an error; problems of inactive rules are
    listed apart and do not fail the check (they never run)."""
    try:
        pack = load_pack(rules_dir)
    except RuleError as err:
        for d in err.diagnostics:
            click.echo(str(d))
        click.echo(f"{len(err.diagnostics)} error(s) loading {rules_dir}")
        raise SystemExit(1) from None
    found = check_pack(pack)
    inactive_ids = {r.id for r in pack.rules.values() if r.status == "inactive"}
    active = [d for d in found if d.rule_id not in inactive_ids]
    inactive = [d for d in found if d.rule_id in inactive_ids]
    for d in active:
        click.echo(str(d))
    if inactive:
        click.echo(f"inactive rules ({len(inactive_ids)}; they do not run, so their problems do not fail the check):")
        for d in inactive:
            click.echo(f"  {d}")
    errors = sum(d.level == "error" for d in active)
    warnings = len(active) - errors
    inactive_errors = sum(d.level == "error" for d in inactive)
    n_active = len(pack.rules) - len(inactive_ids)
    broken = f", {len(pack.broken)} rule file(s) not loaded" if pack.broken else ""
    click.echo(
        f"{len(pack.rules)} rules ({n_active} active) in {len(pack.groups)} groups{broken}: "
        f"{errors} error(s), {warnings} warning(s)"
        + (f"; inactive rules: {inactive_errors} error(s)" if inactive else "")
    )
    if errors:
        raise SystemExit(1)


@rules_group.command("show")
@rules_option
@format_option
@click.argument("rule_id")
def rules_show(rules_dir: Path, fmt: str, rule_id: str) -> None:
    """Show a rule's metadata and SQL."""
    rule = _rule(load_pack(rules_dir), rule_id)
    emit(
        {
            "id": rule.id,
            "title": rule.title,
            "severity": rule.severity,
            "groups": ", ".join(rule.groups),
            "status": rule.status,
            "external_id": rule.external_id or "",
            "file": str(rule.path),
            "description": rule.description,
            "resolution": rule.resolution,
            **({"sql": rule.sql} if fmt == "json" else {}),
        },
        fmt,
    )
    if fmt == "table":
        click.echo("")
        click.echo(rule.sql)


@rules_group.command("compile")
@rules_option
@click.option("--dialect", default="polars", show_default=True, help="Target: polars or any sqlglot dialect.")
@click.argument("rule_id")
def rules_compile(rules_dir: Path, dialect: str, rule_id: str) -> None:
    """Print the rule compiled for polars, or transpiled to another SQL dialect."""
    pack = load_pack(rules_dir)
    compiled = compile_rule(_rule(pack, rule_id), pack, target=dialect)
    click.echo(compiled.sql)


@rules_group.command("functions")
@format_option
@click.option("--dialect", default=None, help="Only what rules in this source dialect may use.")
def rules_functions(fmt: str, dialect: str | None) -> None:
    """The function and operator catalog: what rules may use, from which dialects, and how it is translated."""
    from certlib.rules.catalog import SOURCE_DIALECTS, catalog_rows

    if dialect is not None and dialect.lower() not in SOURCE_DIALECTS:
        raise click.BadParameter(
            f"{dialect!r} is not a supported rule dialect ({', '.join(SOURCE_DIALECTS)})", param_hint="--dialect"
        )
    rows = catalog_rows(dialect.lower() if dialect else None)
    emit(rows if fmt == "json" else [{k: r[k] for k in ("name", "kind", "dialects", "translation")} for r in rows], fmt)


@rules_group.command("lineage")
@rules_option
@format_option
@click.argument("rule_id")
def rules_lineage(rules_dir: Path, fmt: str, rule_id: str) -> None:
    """The source table.columns the rule reads, and its record-key columns."""
    pack = load_pack(rules_dir)
    compiled = compile_rule(_rule(pack, rule_id), pack)
    rows = [{"table": t, "columns": ", ".join(cols)} for t, cols in compiled.lineage.items()]
    if fmt == "json":
        emit(
            {
                "rule": compiled.rule.id,
                "keys": list(compiled.key_columns),
                "tables": {t: list(c) for t, c in compiled.lineage.items()},
            },
            fmt,
        )
    else:
        emit(rows, fmt)
        click.echo(f"keys: {', '.join(compiled.key_columns)}")


@rules_group.command("test")
@rules_option
@click.option("-k", "match", default=None, help="Only cases whose id (RULE-ID::name) contains this.")
@click.option("-v", "--verbose", is_flag=True, help="Also list the cases that pass.")
def rules_test(rules_dir: Path, match: str | None, verbose: bool) -> None:
    """Run every rule's fixture cases (rules/cases/<ID>.toml); closes with 'N passed, M failed'."""
    pack = load_pack(rules_dir)
    cases = collect_cases(pack)
    passed = failed = 0
    for case in cases:
        if match and match not in case.id:
            continue
        try:
            ok, got, expected = run_case(case, pack)
            detail = f"expected {expected}, got {got}"
        except CertlibError as err:
            ok, detail = False, str(err)
        if ok:
            passed += 1
            if verbose:
                click.echo(f"PASS {case.id}")
        else:
            failed += 1
            click.echo(f"FAIL {case.id} ({case.path.name}): {detail}")
    if not match:
        for rule_id, rule_cases in cases_by_rule(pack, cases).items():
            problem = None
            if not rule_cases:
                problem = f"no fixture cases (add {Path(pack.root.name) / 'cases' / (rule_id + '.toml')})"
            elif not any(c.finds_rows for c in rule_cases):
                problem = "no case that finds rows"
            elif all(c.finds_rows for c in rule_cases):
                problem = "no case that passes (expect = [])"
            if problem:
                failed += 1
                click.echo(f"FAIL {rule_id}: {problem}")
    click.echo(f"{passed} passed, {failed} failed")
    if failed:
        sys.exit(1)
