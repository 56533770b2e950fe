"""`certlib members`: keep certification categories current (add, change, remove, list), each a few
lines over the store; the domain's table decides who may (:mod:`certlib.domain.members`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from certlib.cli.base import as_option, cli, emit, format_option, now_option, parse_now
from certlib.domain.entities import Membership
from certlib.errors import NotFound
from certlib.store import Store

COLUMNS = ["user", "category", "role", "primary", "schools"]


def _row(m: Membership) -> dict[str, Any]:
    return {
        "user": m.user_id,
        "category": m.category_id,
        "role": m.role,
        "primary": m.primary,
        "schools": ",".join(m.schools),
    }


def _store(ctx: click.Context) -> Store:
    return Store.open_workspace(Path(ctx.obj["workspace"]), create=False)


def _actor(actor: str | None) -> str:
    if not actor:
        raise NotFound("no acting user: pass --as USER_ID")
    return actor


def common(f: Callable[..., Any]) -> Callable[..., Any]:
    return as_option(format_option(now_option(click.pass_context(f))))


def _schools(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(s.strip() for s in value.split(",") if s.strip())


@cli.group()
def members() -> None:
    """Category members: list, add, change (role / primary / schools), remove (state rights; audited)."""


@members.command("list")
@click.option("--category", default=None)
@common
def members_list(ctx: click.Context, category: str | None, actor: str | None, fmt: str, now: str | None) -> None:
    with _store(ctx) as store:
        rows = [_row(m) for m in store.memberships(category_id=category)]
    emit(rows, fmt, COLUMNS)


@members.command("add")
@click.argument("category")
@click.argument("user")
@click.option("--role", type=click.Choice(["certifier", "reviewer", "approver"]), required=True)
@click.option("--primary/--secondary", default=False, help="Certifiers: primary (required for Sent to State).")
@click.option("--schools", default=None, help="Comma-separated school codes (default: the whole district).")
@common
def members_add(
    ctx: click.Context,
    category: str,
    user: str,
    role: str,
    primary: bool,
    schools: str | None,
    actor: str | None,
    fmt: str,
    now: str | None,
) -> None:
    """Add USER to CATEGORY (the state's add right)."""
    m = Membership(user, category, role, primary, _schools(schools) or ())  # type: ignore[arg-type]
    with _store(ctx) as store:
        emit(_row(store.add_member(_actor(actor), m, parse_now(now))), fmt)


@members.command("change")
@click.argument("category")
@click.argument("user")
@click.option("--role", type=click.Choice(["certifier", "reviewer", "approver"]), default=None)
@click.option("--primary/--secondary", default=None)
@click.option("--schools", default=None, help="Comma-separated school codes; '' for the whole district.")
@common
def members_change(
    ctx: click.Context,
    category: str,
    user: str,
    role: str | None,
    primary: bool | None,
    schools: str | None,
    actor: str | None,
    fmt: str,
    now: str | None,
) -> None:
    """Change USER's role, primary flag or schools in CATEGORY (the state's write right)."""
    with _store(ctx) as store:
        m = store.change_member(
            _actor(actor), user, category, parse_now(now), role=role, primary=primary, schools=_schools(schools)
        )
    emit(_row(m), fmt)


@members.command("remove")
@click.argument("category")
@click.argument("user")
@common
def members_remove(ctx: click.Context, category: str, user: str, actor: str | None, fmt: str, now: str | None) -> None:
    """Remove USER from CATEGORY (the state's delete right); their submissions are kept."""
    with _store(ctx) as store:
        m = store.remove_member(_actor(actor), user, category, parse_now(now))
    emit({**_row(m), "removed": True}, fmt)
