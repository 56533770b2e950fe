"""CLI command: ``certlib generate`` — write a synthetic state (see certlib.generate)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from certlib.cli.base import cli
from certlib.errors import CertlibError


@cli.command("generate")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="Output directory.")
@click.option("--students", type=click.IntRange(min=10), default=1500, show_default=True)
@click.option("--districts", type=click.IntRange(min=1), default=None, help="Default: about one per 1,000 students.")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--year", type=int, default=2025, show_default=True, help="School year (2025 = 2024-25).")
@click.option(
    "--defects",
    type=click.Choice(["on", "off"]),
    default="on",
    show_default=True,
    help="Plant the defects listed in manifest.json.",
)
def generate(out: Path, students: int, districts: int | None, seed: int, year: int, defects: str) -> None:
    """Generate a deterministic synthetic state: district copies, state copy, manifest and drift."""
    from certlib.generate import generate_state

    t0 = time.perf_counter()
    show = sys.stderr.isatty()

    def progress(phase: str) -> None:
        if show:
            click.echo(f"[{time.perf_counter() - t0:5.1f}s] {phase}", err=True)

    try:
        summary = generate_state(
            out,
            students=students,
            districts=districts,
            seed=seed,
            year=year,
            defects=defects == "on",
            progress=progress,
        )
    except ValueError as err:
        raise CertlibError(str(err)) from err
    click.echo(
        f"wrote {out}: {summary.districts} districts, {summary.schools} schools, "
        f"{summary.counts['students']} student rows, {summary.counts['enrollments']} enrollments, "
        f"{summary.counts['attendance_daily']} attendance rows, "
        f"{sum(summary.planted.values())} planted defects in {summary.elapsed_s:.1f}s"
    )
