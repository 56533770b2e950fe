"""CLI commands over the workspace services: demo workspace, wizard, jobs, worker, snapshots,
compare and resync. Each command is a few lines over :class:`certlib.services.Workspace`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from certlib.cli.base import as_option, cli, format_option, now_option, parse_now
from certlib.errors import NotFound
from certlib.services import Workspace


def _ws(ctx: click.Context) -> Workspace:
    return Workspace.open(Path(ctx.obj["workspace"]))


def _actor(actor: str | None) -> str:
    if not actor:
        raise NotFound("no acting user: pass --as USER_ID")
    return actor


def common(f: Callable[..., Any]) -> Callable[..., Any]:
    """--as, --format and --now on every command."""
    return as_option(format_option(now_option(click.pass_context(f))))


@cli.group()
def demo() -> None:
    """The demo workspace."""


@demo.command("init")
@click.option("--workspace", "workspace", type=click.Path(path_type=Path), default=None)
@now_option
@click.pass_context
def demo_init(ctx: click.Context, workspace: Path | None, now: str | None) -> None:
    """Create the demo workspace: the sample state copied in and the scenario loaded."""
    root = workspace or ctx.obj["workspace"]
    with Workspace.create_demo(root, parse_now(now or "2025-07-01T10:00:00")) as ws:
        check = ws.store.verify_audit()
        click.echo(f"demo workspace ready at {root}: {len(ws.users())} users, "
                   f"{len(ws.store.events_for('state.admin', ws.now()))} events, audit chain ok={check.ok}")
