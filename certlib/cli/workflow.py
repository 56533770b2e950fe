"""CLI commands over the workflow store: events, units, submit/approve/recert, messages, audit, alerts,
people and wizard progress. Each command is a few lines over :class:`certlib.store.Store`.

The store file is ``<workspace>/certlib.db``. Any refusal exits with code 1 (see ``CertlibGroup``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from certlib.cli.base import (
    COUNT,
    DAYS,
    ID,
    YEAR,
    acting_user,
    as_option,
    cli,
    emit,
    format_option,
    now_option,
    parse_now,
)
from certlib.errors import AuditChainError, NotFound
from certlib.services import Workspace
from certlib.store import Store, load_people


def _store(ctx: click.Context, create: bool = False) -> Store:
    return Store.open_workspace(Path(ctx.obj["workspace"]), create=create)


def _actor(actor: str | None) -> str:
    return acting_user(actor)


def common(f: Callable[..., Any]) -> Callable[..., Any]:
    """--as, --format and --now on every command."""
    return as_option(format_option(now_option(click.pass_context(f))))


def _unit_out(unit: Any) -> dict[str, Any]:
    return {
        "unit_id": unit.id,
        "event_id": unit.event_id,
        "district": unit.district_number,
        "school": unit.school_code or "",
        "status": str(unit.status),
        "round": unit.round,
        "own_due_date": unit.due_date.isoformat() if unit.due_date else None,
    }


EVENT_COLUMNS = ["id", "name", "status", "reporting_year", "category", "level", "end_date", "units"]
UNIT_COLUMNS = [
    "unit_id",
    "event_id",
    "event_name",
    "district",
    "school",
    "user_status",
    "event_status",
    "due_date",
    "round",
    "role",
]


# ---- events ------------------------------------------------------------------------------------


@cli.group()
def events() -> None:
    """Certification events (state side): list, show, create, edit, publish, copy, extend, close, delete."""


@events.command("list")
@common
def events_list(ctx: click.Context, actor: str | None, fmt: str, now: str | None) -> None:
    """Events the user may see."""
    with _store(ctx) as store:
        rows = [v.as_dict() for v in store.events_for(_actor(actor), parse_now(now))]
    if fmt == "table":
        rows = [{**r, "units": ", ".join(f"{k}: {v}" for k, v in r["units"].items())} for r in rows]
    emit(rows, fmt, EVENT_COLUMNS)


@events.command("show")
@click.argument("event_id", type=ID)
@common
def events_show(ctx: click.Context, event_id: int, actor: str | None, fmt: str, now: str | None) -> None:
    """One event's details (the state sees its unpublished changes) and the actions allowed on it."""
    with _store(ctx) as store:
        event = store.event(event_id, _actor(actor))
        out = {"id": event.id, "status": str(event.status), **event.details(), "draft": event.draft}
        if store.user(actor).is_state:
            out["allowed"] = [a.as_dict() for a in store.allowed_event_actions(actor, event_id, parse_now(now))]
    emit(out, fmt)


def _event_fields(name, year, category, level, groups, start, opens, end, districts) -> dict[str, Any]:  # noqa: ANN001
    fields = {
        "name": name,
        "reporting_year": year,
        "category_id": category,
        "level": level,
        "groups": list(groups) or None,
        "start_date": start,
        "certification_opens": opens,
        "end_date": end,
        "districts": list(districts) or None,
    }
    return {k: v for k, v in fields.items() if v is not None}


def event_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed(
        [
            click.option("--name", default=None),
            click.option("--year", "year", type=YEAR, default=None, help="Reporting year (2025 means 2024-25)."),
            click.option("--category", default=None, help="Certification category id."),
            click.option("--level", type=click.Choice(["district", "school"]), default=None),
            click.option("--group", "groups", multiple=True, help="Validation group (repeatable)."),
            click.option("--start", default=None, help="Start date (districts may review)."),
            click.option("--opens", default=None, help="Certification opens on."),
            click.option("--end", default=None, help="End (= due) date."),
            click.option("--district", "districts", multiple=True, help="Limit to these districts (repeatable)."),
        ]
    ):
        f = opt(f)
    return f


@events.command("create")
@event_options
@common
def events_create(ctx: click.Context, actor: str | None, fmt: str, now: str | None, **kw: Any) -> None:
    """Create an Unpublished event (needs the add right)."""
    with _store(ctx) as store:
        event = store.create_event(_actor(actor), parse_now(now), **_event_fields(**kw))
    emit({"id": event.id, "status": str(event.status), **event.details()}, fmt)


@events.command("edit")
@click.argument("event_id", type=ID)
@event_options
@common
def events_edit(ctx: click.Context, event_id: int, actor: str | None, fmt: str, now: str | None, **kw: Any) -> None:
    """Edit details (write right); a published event gets status Unpublished Changes."""
    with _store(ctx) as store:
        event = store.edit_event(_actor(actor), event_id, parse_now(now), **_event_fields(**kw))
    emit({"id": event.id, "status": str(event.status), **event.details(), "draft": event.draft}, fmt)


def _event_action(name: str, doc: str, call: Callable[[Store, str, int, datetime], Any]) -> None:
    @events.command(name, help=doc)
    @click.argument("event_id", type=ID)
    @common
    def _cmd(ctx: click.Context, event_id: int, actor: str | None, fmt: str, now: str | None) -> None:
        with _store(ctx) as store:
            event = call(store, _actor(actor), event_id, parse_now(now))
        if event is None:
            emit({"id": event_id, "status": "(deleted)"}, fmt)
        else:
            emit(
                {
                    "id": event.id,
                    "name": event.name,
                    "status": str(event.status),
                    "end_date": event.end_date.isoformat(),
                },
                fmt,
            )


_event_action(
    "publish",
    "Publish (add right): units for every district/school in scope, alerts to members.",
    lambda s, a, e, n: s.publish_event(a, e, n),
)
_event_action(
    "close", "Close (delete right): nobody may act on the event any more.", lambda s, a, e, n: s.close_event(a, e, n)
)
_event_action("delete", "Delete an Unpublished event (delete right).", lambda s, a, e, n: s.delete_event(a, e, n))


@events.command("copy")
@click.argument("event_id", type=ID)
@click.option("--name", default=None, help="Name of the copy (default: '<name>-COPY').")
@common
def events_copy(
    ctx: click.Context, event_id: int, name: str | None, actor: str | None, fmt: str, now: str | None
) -> None:
    """Copy an event into a new Unpublished one (add right)."""
    with _store(ctx) as store:
        event = store.copy_event(_actor(actor), event_id, parse_now(now), **({"name": name} if name else {}))
    emit({"id": event.id, "name": event.name, "status": str(event.status), "source": event_id}, fmt)


@events.command("extend")
@click.argument("event_id", type=ID)
@click.option("--end", "end", required=True, help="The new, later end (due) date.")
@common
def events_extend(ctx: click.Context, event_id: int, end: str, actor: str | None, fmt: str, now: str | None) -> None:
    """Extend the end (due) date (write right)."""
    with _store(ctx) as store:
        event = store.extend_event(_actor(actor), event_id, end, parse_now(now))
    emit({"id": event.id, "name": event.name, "status": str(event.status), "end_date": event.end_date.isoformat()}, fmt)


# ---- units and transitions ---------------------------------------------------------------------


@cli.group()
def units() -> None:
    """Units (one district or school of an event) with the user's derived status."""


@units.command("list")
@click.option("--event", "event_id", type=ID, default=None)
@common
def units_list(ctx: click.Context, event_id: int | None, actor: str | None, fmt: str, now: str | None) -> None:
    """Units the user sees, with User Status and Event Status."""
    with _store(ctx) as store:
        rows = [v.as_dict() for v in store.units_for(_actor(actor), parse_now(now), event_id)]
    emit(rows, fmt, UNIT_COLUMNS)


@units.command("show")
@click.argument("unit_id", type=ID)
@common
def units_show(ctx: click.Context, unit_id: int, actor: str | None, fmt: str, now: str | None) -> None:
    """One unit with every action and whether the user may take it (and why not)."""
    with _store(ctx) as store:
        view = store.unit_view(_actor(actor), unit_id, parse_now(now)).as_dict()
    if fmt == "table":
        allowed = view.pop("allowed")
        emit({k: v for k, v in view.items()}, fmt)
        emit(
            [
                {"action": a["action"], "allowed": "yes" if a["allowed"] else "no", "why not": a["reason"] or ""}
                for a in allowed
            ],
            fmt,
        )
    else:
        emit(view, fmt)


def _transition(
    ctx: click.Context,
    action: str,
    unit_id: int,
    actor: str | None,
    fmt: str,
    now: str | None,
    reason: str | None = None,
    due: str | None = None,
) -> None:
    with _store(ctx) as store:
        who = _actor(actor)
        if action == "request_recert":
            action = store.recert_action_for(who)
        unit = store.transition(action, who, unit_id, parse_now(now), reason, due_date=_due(due))
    emit({"action": action, **_unit_out(unit)}, fmt)


@cli.command("submit")
@click.argument("unit_id", type=ID)
@click.option("--title", "title", default=None, help="Your title, recorded with the attestation.")
@common
def submit(ctx: click.Context, unit_id: int, title: str | None, actor: str | None, fmt: str, now: str | None) -> None:
    """Submit Certification to State (certifier; steps 1-3 COMPLETED in this round).

    The wizard's step 4: the pinned snapshot's files are verified first, then the store's guards decide.
    The submission records the attestation (CERTLIB_ATTESTATION, your name and --title)."""
    with Workspace.open(Path(ctx.obj["workspace"])) as ws:
        unit = ws.wizard(_actor(actor), unit_id, parse_now(now)).submit(title)
    emit({"action": "submit", **_unit_out(unit)}, fmt)


@cli.command("approve")
@click.argument("unit_id", type=ID)
@click.option("--reason", default=None, help="Optional note.")
@common
def approve(ctx: click.Context, unit_id: int, reason: str | None, actor: str | None, fmt: str, now: str | None) -> None:
    """Approve a unit's certification (state approver of the category); refused when a snapshot pinned
    by a submission of the round no longer verifies against what the store registered."""
    with Workspace.open(Path(ctx.obj["workspace"])) as ws:
        unit = ws.approve(_actor(actor), unit_id, parse_now(now), reason)
    emit({"action": "approve", **_unit_out(unit)}, fmt)


@cli.group()
def recert() -> None:
    """Recertification: request (state approver or unit certifier), accept, deny."""


DUE_HELP = (
    "The unit's own due date for the new round (YYYY-MM-DD; state). Default when the round starts after "
    "the unit's due date: 14 days from today; the event's end date stays for every other unit."
)


def _due(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--due") from None


@recert.command("request")
@click.argument("unit_id", type=ID)
@click.option("--reason", default=None, help="Why (required).")
@click.option("--due", default=None, help=DUE_HELP)
@common
def recert_request(
    ctx: click.Context, unit_id: int, reason: str | None, due: str | None, actor: str | None, fmt: str, now: str | None
) -> None:
    """State approver: send back for recertification; district certifier: ask the state to."""
    _transition(ctx, "request_recert", unit_id, actor, fmt, now, reason, due)


@recert.command("accept")
@click.argument("unit_id", type=ID)
@click.option("--reason", default=None)
@click.option("--due", default=None, help=DUE_HELP)
@common
def recert_accept(
    ctx: click.Context, unit_id: int, reason: str | None, due: str | None, actor: str | None, fmt: str, now: str | None
) -> None:
    """Accept a district's recertification request (state approver)."""
    _transition(ctx, "accept_request", unit_id, actor, fmt, now, reason, due)


@recert.command("deny")
@click.argument("unit_id", type=ID)
@click.option("--reason", default=None, help="Why (required).")
@common
def recert_deny(
    ctx: click.Context, unit_id: int, reason: str | None, actor: str | None, fmt: str, now: str | None
) -> None:
    """Deny a district's recertification request (state approver); the unit returns to its prior status."""
    _transition(ctx, "deny_request", unit_id, actor, fmt, now, reason)


# ---- wizard progress (read-only here: only the wizard writes steps, citing the runs it made) -------


@cli.group()
def progress() -> None:
    """A user's wizard step records (steps 1-3) in a unit's current round."""


@progress.command("show")
@click.argument("unit_id", type=ID)
@common
def progress_show(ctx: click.Context, unit_id: int, actor: str | None, fmt: str, now: str | None) -> None:
    with _store(ctx) as store:
        steps = store.progress(_actor(actor), unit_id)
    emit(
        [
            {
                "step": p.step,
                "status": str(p.status),
                "fatal": p.fatal_seen,
                "error": p.error_seen,
                "warnings": p.warnings,
                "acknowledged": p.warnings_acknowledged,
                "snapshot": p.snapshot_sha256 or "",
                "run": p.evidence_id,
                "round": p.round,
            }
            for p in sorted(steps.values(), key=lambda p: p.step)
        ],
        fmt,
    )


# ---- Message Center ----------------------------------------------------------------------------


@cli.group()
def messages() -> None:
    """The user's Message Center process alerts."""


@messages.command("list")
@click.option("--unread", is_flag=True, help="Only unread messages.")
@common
def messages_list(ctx: click.Context, unread: bool, actor: str | None, fmt: str, now: str | None) -> None:
    with _store(ctx) as store:
        alerts = store.messages(_actor(actor), unread)
    emit(
        [
            {
                "id": a.id,
                "required": "!" if a.required else "",
                "read": a.read,
                "process": a.process,
                "name": a.text,
                "posted": a.posted_at[:10],
                "due": a.due_date.isoformat() if a.due_date else "",
                "kind": a.kind,
                "unit": a.unit_id,
            }
            for a in alerts
        ],
        fmt,
        ["id", "required", "read", "process", "name", "posted", "due", "unit"],
    )
    # a Process Alert leads to its unit's wizard: `certlib wizard status UNIT --as USER`


@messages.command("read")
@click.argument("message_id", type=ID)
@common
def messages_read(ctx: click.Context, message_id: int, actor: str | None, fmt: str, now: str | None) -> None:
    with _store(ctx) as store:
        a = store.mark_read(_actor(actor), message_id)
    emit({"id": a.id, "read": a.read, "name": a.text}, fmt)


@cli.group()
def alerts() -> None:
    """Alert jobs."""


@alerts.command("sweep")
@click.option("--days", type=DAYS, default=7, show_default=True, help="Due-soon horizon in days.")
@common
def alerts_sweep(ctx: click.Context, days: int, actor: str | None, fmt: str, now: str | None) -> None:
    """Post due-soon / overdue alerts to certifiers who have not submitted (idempotent)."""
    with _store(ctx) as store:
        result = store.sweep_alerts(parse_now(now), days)
    emit(result.as_dict(), fmt)


# ---- audit -------------------------------------------------------------------------------------


@cli.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("list")
@click.option("--event", "event_id", type=ID, default=None)
@click.option("--unit", "unit_id", type=ID, default=None)
@click.option("--limit", type=COUNT, default=None, help="Only the last N rows.")
@common
def audit_list(
    ctx: click.Context,
    event_id: int | None,
    unit_id: int | None,
    limit: int | None,
    actor: str | None,
    fmt: str,
    now: str | None,
) -> None:
    with _store(ctx) as store:
        rows = [r.as_dict() for r in store.audit_rows(event_id, unit_id, limit)]
    if fmt == "table":
        rows = [{**{k: "" if v is None else v for k, v in r.items()}, "hash": r["hash"][:12]} for r in rows]
    emit(
        rows, fmt, ["id", "at", "actor", "event_id", "unit_id", "action", "from_status", "to_status", "reason", "hash"]
    )


@audit.command("verify")
@click.option(
    "--anchor",
    "anchor",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Anchor file written outside the store (default: $CERTLIB_AUDIT_ANCHOR if it exists).",
)
@common
def audit_verify(ctx: click.Context, anchor: Path | None, actor: str | None, fmt: str, now: str | None) -> None:
    """Walk the chain (MACs with the audit key), check the anchors and replay units/submissions; exit 1
    naming the first bad row. Warnings (unkeyed chain, no anchor) go to stderr."""
    if anchor is not None and not anchor.exists():
        raise NotFound(f"no anchor file {anchor}")
    with _store(ctx) as store:
        result = store.verify_audit(anchor)
    if not result.ok:
        where = (
            f"audit chain broken at row {result.first_bad_row}" if result.first_bad_row else "audit log does not verify"
        )
        raise AuditChainError(f"{where}: {result.problem}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    emit(
        {
            "ok": True,
            "rows": result.rows,
            "keyed": result.keyed,
            "anchors": result.anchors,
            "units": result.units,
            "submissions": result.submissions,
        },
        fmt,
    )


@audit.command("anchor")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@common
def audit_anchor(ctx: click.Context, file: Path, actor: str | None, fmt: str, now: str | None) -> None:
    """Append the audit head (rows, hash) to FILE, kept outside the store (copy it somewhere the store's
    writers cannot reach); `audit verify --anchor FILE` checks the chain against it."""
    with _store(ctx) as store:
        head = store.anchor(file)
    emit({"file": str(file), "rows": head.rows, "hash": head.hash, "recorded_at": head.recorded_at}, fmt)


# ---- people ------------------------------------------------------------------------------------


@cli.group()
def people() -> None:
    """Districts, schools, categories, users and memberships."""


@people.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@common
def people_load(ctx: click.Context, file: Path, actor: str | None, fmt: str, now: str | None) -> None:
    """Load a people TOML file (see certlib.store.people) into the workspace store."""
    with _store(ctx, create=True) as store:
        counts = load_people(store, file, parse_now(now), acting_user(actor) if actor else "system")
    emit(counts, fmt)


@people.command("list")
@common
def people_list(ctx: click.Context, actor: str | None, fmt: str, now: str | None) -> None:
    with _store(ctx) as store:
        ms = store.memberships()
        rows = []
        for u in store.users():
            mine = [m for m in ms if m.user_id == u.id]
            rows.append(
                {
                    "id": u.id,
                    "name": u.name,
                    "level": u.level,
                    "district": u.district_number or "",
                    "school": u.school_code or "",
                    "rights": ",".join(sorted(u.rights)),
                    "memberships": "; ".join(
                        f"{m.category_id}:{m.role}{'(primary)' if m.primary else ''}"
                        f"{'@' + ','.join(m.schools) if m.schools else ''}"
                        for m in mine
                    ),
                }
            )
    emit(rows, fmt)
