"""CLI commands: demo workspace and wizard (filled by the wizard issue)."""

from __future__ import annotations

from pathlib import Path

import click

from certlib.cli.base import cli


@cli.group()
def demo() -> None:
    """The demo workspace."""


@demo.command("init")
@click.option("--workspace", "workspace", type=click.Path(path_type=Path), default=None)
@click.pass_context
def demo_init(ctx: click.Context, workspace: Path | None) -> None:
    """Create the demo workspace (placeholder until the wizard services land)."""
    ws = workspace or ctx.obj["workspace"]
    ws.mkdir(parents=True, exist_ok=True)
    click.echo(f"workspace ready at {ws}")
