"""The root click group and the options every command shares (--workspace, --as, --format, --now)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from certlib.config import parse_time, settings
from certlib.errors import CertlibError, NotFound
from certlib.services.trust import check_override, cli_channel
from certlib.store.audit import VIA


class CertlibGroup(click.Group):
    """A click group that turns any CertlibError, and a file the system refuses (``OSError``: permission
    denied, disk full, not a directory), into one message on stderr and exit code 1 — never a traceback."""

    def invoke(self, ctx: click.Context):
        token = VIA.set(cli_channel())  # every audit row this command writes names the CLI and the OS account
        try:
            return super().invoke(ctx)
        except CertlibError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(1)
        except OSError as err:
            where = f"{err.filename}: " if err.filename else ""
            click.echo(f"error: {where}{err.strerror or err}", err=True)
            sys.exit(1)
        finally:
            VIA.reset(token)


#: a record id (event, unit, job, message, snapshot version): a positive whole number the store can hold
ID = click.IntRange(min=1, max=2**63 - 1)
#: a reporting year (2025 means 2024-25)
YEAR = click.IntRange(min=1900, max=9999)
#: a count (days, rows, a page): not negative, and small enough for a date or the store
COUNT = click.IntRange(min=0, max=2**31 - 1)
#: a number of days added to a date (ten years at most)
DAYS = click.IntRange(min=0, max=3660)


def default_workspace() -> Path:
    return settings().workspace


def parse_now(value: str | None) -> datetime:
    """`--now` / CERTLIB_NOW lets tests and demos move the clock; ISO date (00:00 of that day) or datetime.
    In a deployed certlib only an admin may (:mod:`certlib.services.trust`)."""
    s = settings()
    supplied = parse_time(value, "--now") if value else None
    if supplied is not None or s.now is not None:
        check_override("--now" if supplied is not None else "CERTLIB_NOW")
    return s.clock(supplied)


def acting_user(actor: str | None) -> str:
    """The user ``--as`` names (required); in a deployed certlib only an admin may assert one."""
    if not actor:
        raise NotFound("no acting user: pass --as USER_ID")
    check_override("--as", actor)
    return actor


@click.group(cls=CertlibGroup)
@click.option(
    "--workspace",
    "workspace",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Workspace directory (default: $CERTLIB_WORKSPACE or ./workspace).",
)
@click.version_option(package_name="certlib")
@click.pass_context
def cli(ctx: click.Context, workspace: Path | None) -> None:
    """certlib — data certification for state education agencies."""
    ctx.ensure_object(dict)
    ctx.obj["workspace"] = workspace or default_workspace()


def emit(rows, fmt: str, columns: list[str] | None = None) -> None:
    """Print a list of dicts (or one dict) as a table or as JSON."""
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    if isinstance(rows, dict):
        width = max((len(k) for k in rows), default=0)
        for k, v in rows.items():
            click.echo(f"{k:<{width}}  {v}")
        return
    rows = list(rows)
    if not rows:
        click.echo("(none)")
        return
    cols = columns or list(rows[0].keys())
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in cols}
    click.echo("  ".join(c.upper().ljust(widths[c]) for c in cols).rstrip())
    for r in rows:
        click.echo("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in cols).rstrip())


format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
as_option = click.option("--as", "actor", required=False, help="Act as this user id.")
now_option = click.option("--now", "now", default=None, help="Pretend it is this time (ISO); or CERTLIB_NOW.")
