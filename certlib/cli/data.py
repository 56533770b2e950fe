"""CLI commands over data: ``certlib validate`` and ``certlib rules test`` (a few lines over the core).

``validate`` exits 0 whenever the run completes, findings or not (the report says what was found);
it exits 1 on a broken rule pack or bad data (a :class:`CertlibError`, turned into a message by the
root group). A one-line summary always goes to stderr.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import Any

import click

from certlib.cli.base import cli
from certlib.config import settings
from certlib.rules import load_pack

#: parameters with a non-string type; any other ``--param k=v`` is bound as a string
PARAM_TYPES: dict[str, Any] = {"school_year": int, "as_of_date": date.fromisoformat}
SCOPE_KEYS = ("district", "school")


def parse_params(items: tuple[str, ...]) -> dict[str, Any]:
    """``("school_year=2025", "as_of_date=2025-06-30")`` -> typed values."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise click.BadParameter(f"{item!r}: use key=value", param_hint="--param")
        try:
            out[key] = PARAM_TYPES.get(key, str)(value.strip())
        except ValueError as err:
            raise click.BadParameter(f"{item!r}: {err}", param_hint="--param") from None
    return out


def parse_scope(value: str | None) -> dict[str, str] | None:
    """``district=1071`` / ``school=0588`` -> ``{"district": "1071"}``."""
    if not value:
        return None
    key, sep, code = value.partition("=")
    if not sep or key.strip() not in SCOPE_KEYS or not code.strip():
        raise click.BadParameter(f"{value!r}: use district=<number> or school=<code>", param_hint="--scope")
    return {key.strip(): code.strip()}


def _data_source(value: str) -> str | Path:
    from certlib.engine.database import data_source

    return data_source(value)


def _format_for(fmt: str | None, output: Path | None) -> str:
    from certlib.reports import FORMATS

    if fmt:
        return fmt
    if output is not None and output.suffix.lstrip(".").lower() in FORMATS:
        return output.suffix.lstrip(".").lower()
    return "json"


@cli.command("validate")
@click.option(
    "--rules",
    "rules_dir",
    type=click.Path(path_type=Path),
    default=lambda: settings().rules,
    show_default="$CERTLIB_RULES or the installed default pack",
    help="Rule pack directory.",
)
@click.option(
    "--data",
    "data_dir",
    required=True,
    callback=lambda _c, _p, v: _data_source(v),
    help="Data directory, or a database: postgresql://user@host/db.",
)
@click.option("--group", "groups", multiple=True, help="Validation group to run (repeatable; default all).")
@click.option("--scope", "scope", default=None, help="district=<number> or school=<code>.")
@click.option("--param", "params", multiple=True, help="Rule parameter key=value (repeatable).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "html", "xlsx"]),
    default=None,
    help="Report format (default: from -o's suffix, else json).",
)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write here.")
@click.option("--max-results", type=click.IntRange(min=0), default=None, help="Rows kept per rule.")
@click.option("--title", default=None, help="Report title (default: the groups run).")
@click.option(
    "--engine",
    "engine",
    type=click.Choice(["polars", "spark"]),
    default=None,
    help="Engine (default: $CERTLIB_ENGINE, else polars).",
)
def validate_cmd(
    rules_dir: Path,
    data_dir: Path | str,
    groups: tuple[str, ...],
    scope: str | None,
    params: tuple[str, ...],
    fmt: str | None,
    output: Path | None,
    max_results: int | None,
    title: str | None,
    engine: str | None,
) -> None:
    """Run a rule pack's validation groups on a data directory and write the report."""
    from certlib.engine.run import validate
    from certlib.reports import write_report

    pack = load_pack(rules_dir)
    n_rules = len(pack.rules_in(list(groups) or None))
    show_progress = sys.stdout.isatty() and sys.stderr.isatty()
    bar = (
        click.progressbar(
            length=n_rules + 1, label="validating", file=sys.stderr, show_pos=True, item_show_func=lambda item: item
        )
        if show_progress
        else nullcontext()
    )
    with bar as progress_bar:

        def progress(done: int, total: int, label: str) -> None:
            if progress_bar is not None:
                progress_bar.update(done - progress_bar.pos, current_item=label)

        run = validate(
            pack,
            data_dir,
            groups=list(groups) or None,
            scope=parse_scope(scope),
            params=parse_params(params),
            max_results=max_results,
            progress=progress,
            title=title,
            engine=engine,
        )
    fmt = _format_for(fmt, output)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        with open(output, "wb") as f:
            write_report(run, fmt, f)  # streamed as the rows are converted
    else:
        sys.stdout.flush()
        write_report(run, fmt, sys.stdout.buffer)  # bytes go to the binary stdout
        sys.stdout.buffer.flush()
    where = f" -> {output}" if output is not None else ""
    click.echo(f"{run.one_line()} in {run.elapsed_ms / 1000:.2f}s{where}", err=True)
