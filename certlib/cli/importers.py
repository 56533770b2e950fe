"""``certlib import ...``: bring a published rule catalog into a rule pack (a few lines over the core)."""

from __future__ import annotations

from pathlib import Path

import click

from certlib.cli.base import cli, emit, format_option


@cli.group("import")
def import_group() -> None:
    """Import rule catalogs into a rule pack."""


@import_group.command("datachecker")
@click.argument("collections", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory of the new rule pack (must not hold a pack yet).",
)
@click.option(
    "--ods-schema",
    "ods_schema",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="ODS schema description (JSON or TOML: tables -> columns, types, keys).",
)
@click.option(
    "--major",
    type=click.Choice(["fatal", "warning"]),
    default="fatal",
    show_default=True,
    help="certlib severity of DataChecker's SeverityLevel 2 (major).",
)
@format_option
def import_datachecker_cmd(
    collections: tuple[Path, ...], out: Path, ods_schema: Path | None, major: str, fmt: str
) -> None:
    """Write one rule file per DataChecker rule into OUT, then compile each: what compiles, what is refused and why."""
    from certlib.rules.datachecker import import_datachecker

    summary = import_datachecker(list(collections), out, ods_schema, major=major)
    emit([r.row() for r in summary.rules], fmt, columns=["id", "group", "severity", "compiles", "reason", "notes"])
    click.echo(summary.line(), err=True)
