"""CLI commands of issue 18: run history, notes and exceptions, bulk actions, unit timeline,
certificate. Each command is a few lines over :class:`certlib.services.Workspace`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from certlib.cli.base import ID, as_option, cli, emit, format_option, now_option, parse_now
from certlib.errors import ConfigError, NotFound
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


def _date(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option}={value!r} is not an ISO date (e.g. 2025-08-31)") from None


# ---- run history --------------------------------------------------------------------------------

HISTORY_COLUMNS = [
    "run",
    "at",
    "copy",
    "user",
    "step",
    "generation",
    "fatal",
    "warning",
    "info",
    "excepted",
    "errors",
    "new",
    "still there",
    "fixed",
    "unknown",
    "source",
]
RULE_COLUMNS = [
    "run",
    "at",
    "copy",
    "user",
    "rule",
    "severity",
    "status",
    "count",
    "excepted",
    "new",
    "still there",
    "fixed",
    "unknown",
    "source",
]


@cli.command("history")
@click.argument("unit_id", type=ID)
@click.option("--rule", "rule", default=None, help="Only this rule: its count in every run.")
@click.option(
    "--changes",
    "changes",
    is_flag=True,
    help="Per rule and record key: new / still there / fixed in the latest run (or --run).",
)
@click.option("--run", "run_id", type=ID, default=None, help="With --changes: this run instead of the latest.")
@click.option(
    "--copy",
    "copy",
    type=click.Choice(["district", "state"]),
    default=None,
    help="With --changes: the latest run of this copy.",
)
@common
def history(
    ctx: click.Context,
    unit_id: int,
    rule: str | None,
    changes: bool,
    run_id: int | None,
    copy: str | None,
    actor: str | None,
    fmt: str,
    now: str | None,
) -> None:
    """A unit's validation runs: open findings per severity (or one rule's count), and how many are
    new / still there / fixed since the previous run of the same copy."""
    with _ws(ctx) as ws:
        if changes:
            rows = [c.as_dict() for c in ws.history.changes(_actor(actor), unit_id, parse_now(now), run_id, rule, copy)]
            emit(rows, fmt, ["rule_id", "record_key", "change"])
            return
        rows = ws.history.runs(_actor(actor), unit_id, parse_now(now), rule)
    emit(rows, fmt, RULE_COLUMNS if rule else HISTORY_COLUMNS)


# ---- notes and exceptions -------------------------------------------------------------------------


@cli.group()
def notes() -> None:
    """Notes on a finding (rule + record key) or a rule of a unit's report."""


@notes.command("add")
@click.argument("unit_id", type=ID)
@click.option("--rule", "rule", required=True)
@click.option("--record", "record", default=None, help="The finding's record key, e.g. 'enrollment_id=300004'.")
@click.option("--text", "text", required=True)
@common
def notes_add(
    ctx: click.Context,
    unit_id: int,
    rule: str,
    record: str | None,
    text: str,
    actor: str | None,
    fmt: str,
    now: str | None,
) -> None:
    with _ws(ctx) as ws:
        note = ws.exceptions.note(_actor(actor), unit_id, rule, text, parse_now(now), record)
    emit(note.as_dict(), fmt)


@notes.command("list")
@click.argument("unit_id", type=ID)
@click.option("--rule", "rule", default=None)
@common
def notes_list(
    ctx: click.Context, unit_id: int, rule: str | None, actor: str | None, fmt: str, now: str | None
) -> None:
    with _ws(ctx) as ws:
        rows = [n.as_dict() for n in ws.exceptions.notes(_actor(actor), unit_id, parse_now(now), rule)]
    emit(rows, fmt, ["id", "at", "author", "rule_id", "record_key", "text"])


@cli.group()
def exceptions() -> None:
    """Exceptions on findings: a district member requests, the state approver approves or rejects."""


EXCEPTION_COLUMNS = [
    "id",
    "status",
    "in_force",
    "unit_id",
    "event",
    "district",
    "rule_id",
    "severity",
    "record_key",
    "requested_by",
    "request_reason",
    "decided_by",
    "decision_reason",
    "expires_on",
]


@exceptions.command("request")
@click.argument("unit_id", type=ID)
@click.option("--rule", "rule", required=True)
@click.option(
    "--record",
    "record",
    default=None,
    help="The finding's record key ('enrollment_id=300004'); omit for the whole (non-fatal) rule.",
)
@click.option("--reason", "reason", default=None, help="Why the finding is right as it is (required).")
@common
def exceptions_request(
    ctx: click.Context,
    unit_id: int,
    rule: str,
    record: str | None,
    reason: str | None,
    actor: str | None,
    fmt: str,
    now: str | None,
) -> None:
    with _ws(ctx) as ws:
        e = ws.exceptions.request(_actor(actor), unit_id, rule, record, reason or "", parse_now(now))
    emit(e.as_dict(), fmt)


@exceptions.command("approve")
@click.argument("exception_id", type=ID)
@click.option("--reason", "reason", default=None, help="Why (required).")
@click.option("--expires", "expires", default=None, help="Last day the exception holds (ISO date).")
@common
def exceptions_approve(
    ctx: click.Context,
    exception_id: int,
    reason: str | None,
    expires: str | None,
    actor: str | None,
    fmt: str,
    now: str | None,
) -> None:
    with _ws(ctx) as ws:
        e = ws.exceptions.approve(_actor(actor), exception_id, reason, parse_now(now), _date(expires, "--expires"))
    emit(e.as_dict(), fmt)


@exceptions.command("reject")
@click.argument("exception_id", type=ID)
@click.option("--reason", "reason", default=None, help="Why (required).")
@common
def exceptions_reject(
    ctx: click.Context, exception_id: int, reason: str | None, actor: str | None, fmt: str, now: str | None
) -> None:
    with _ws(ctx) as ws:
        e = ws.exceptions.reject(_actor(actor), exception_id, reason, parse_now(now))
    emit(e.as_dict(), fmt)


@exceptions.command("list")
@click.option("--unit", "unit_id", type=ID, default=None)
@click.option(
    "--status",
    "status",
    type=click.Choice(["requested", "approved", "rejected"]),
    default=None,
    help="'requested': the pending requests (the state's list).",
)
@common
def exceptions_list(
    ctx: click.Context, unit_id: int | None, status: str | None, actor: str | None, fmt: str, now: str | None
) -> None:
    """Exception requests on the units the user sees."""
    with _ws(ctx) as ws:
        rows = ws.exceptions.list(_actor(actor), parse_now(now), unit_id, status)
    emit(rows, fmt, EXCEPTION_COLUMNS)


# ---- bulk actions -------------------------------------------------------------------------------


@cli.group()
def bulk() -> None:
    """Bulk actions: each unit (or message) on its own; the answer lists accepted / refused with why."""


def _bulk_out(rows: list[Any], fmt: str) -> None:
    emit([r.as_dict() for r in rows], fmt, ["id", "result", "status", "reason"])


@bulk.command("approve")
@click.argument("unit_ids", type=ID, nargs=-1, required=True)
@click.option("--reason", "reason", default=None, help="Optional note on every approval.")
@common
def bulk_approve(
    ctx: click.Context, unit_ids: tuple[int, ...], reason: str | None, actor: str | None, fmt: str, now: str | None
) -> None:
    """Approve many units (state approver): each its own audited transaction."""
    with _ws(ctx) as ws:
        _bulk_out(ws.bulk(_actor(actor), "approve", list(unit_ids), parse_now(now), reason), fmt)


@bulk.command("recert")
@click.argument("unit_ids", type=ID, nargs=-1, required=True)
@click.option("--reason", "reason", default=None, help="Why (required).")
@common
def bulk_recert(
    ctx: click.Context, unit_ids: tuple[int, ...], reason: str | None, actor: str | None, fmt: str, now: str | None
) -> None:
    """Send many units back for recertification (state approver): each its own audited transaction."""
    with _ws(ctx) as ws:
        _bulk_out(ws.bulk(_actor(actor), "request_recert", list(unit_ids), parse_now(now), reason), fmt)


@bulk.command("read")
@click.argument("message_ids", type=ID, nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every unread message of the user.")
@common
def bulk_read(
    ctx: click.Context, message_ids: tuple[int, ...], all_: bool, actor: str | None, fmt: str, now: str | None
) -> None:
    """Mark many of the user's messages read."""
    if not message_ids and not all_:
        raise NotFound("name the messages to mark read, or pass --all")
    with _ws(ctx) as ws:
        _bulk_out(ws.mark_read_many(_actor(actor), None if all_ else list(message_ids)), fmt)


# ---- timeline and certificate ---------------------------------------------------------------------


@cli.command("timeline")
@click.argument("unit_id", type=ID)
@common
def timeline(ctx: click.Context, unit_id: int, actor: str | None, fmt: str, now: str | None) -> None:
    """The unit's audit history: who did what, when, from → to, why, what a submission rests on."""
    with _ws(ctx) as ws:
        rows = ws.timeline(_actor(actor), unit_id, parse_now(now))
    emit(rows, fmt, ["at", "who", "action", "from", "to", "reason", "what", "rests_on"])


@cli.command("certificate")
@click.argument("unit_id", type=ID)
@click.option("--round", "round_", type=ID, default=None, help="Default: the unit's current round.")
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the HTML here (default: stdout).",
)
@common
def certificate(
    ctx: click.Context,
    unit_id: int,
    round_: int | None,
    output: Path | None,
    actor: str | None,
    fmt: str,
    now: str | None,
) -> None:
    """The printable HTML certificate of a unit's round: unit, round, pinned snapshot SHA-256, the runs
    it rests on, attestations and the approval."""
    with _ws(ctx) as ws:
        html = ws.certificate(_actor(actor), unit_id, parse_now(now), round_)
    if output is None:
        click.echo(html)
        return
    output.write_text(html, encoding="utf-8")
    emit({"certificate": str(output), "unit_id": unit_id}, fmt)


# ---- email notifications ----------------------------------------------------------------------------


@cli.group()
def notify() -> None:
    """Email notifications: your address and choices; the outbox; one send pass."""


@notify.command("prefs")
@click.option("--email", "email", default=None, help="Your address ('' removes it).")
@click.option("--digest/--each", "digest", default=None, help="One email a day, or one per message.")
@click.option("--opt-out/--opt-in", "opt_out", default=None, help="No email at all / email again.")
@common
def notify_prefs(
    ctx: click.Context,
    email: str | None,
    digest: bool | None,
    opt_out: bool | None,
    actor: str | None,
    fmt: str,
    now: str | None,
) -> None:
    """Show or set your email notification choices."""
    with _ws(ctx) as ws:
        who = _actor(actor)
        if email is None and digest is None and opt_out is None:
            prefs = ws.store.prefs(who)
        else:
            prefs = ws.store.set_prefs(who, parse_now(now), email=email, digest=digest, opt_out=opt_out)
    emit(prefs.as_dict(), fmt)


@notify.command("outbox")
@click.option("--status", "status", type=click.Choice(["pending", "sent", "failed"]), default=None)
@common
def notify_outbox(ctx: click.Context, status: str | None, actor: str | None, fmt: str, now: str | None) -> None:
    """The emails queued or sent (your own; everyone's for the state)."""
    with _ws(ctx) as ws:
        who = ws.user(_actor(actor))
        rows = [e.as_dict() for e in ws.store.emails(None if who.is_state else who.id, status)]
    emit(rows, fmt, ["id", "user_id", "to_addr", "status", "attempts", "next_attempt_at", "subject", "last_error"])


@notify.command("send")
@common
def notify_send(ctx: click.Context, actor: str | None, fmt: str, now: str | None) -> None:
    """One email pass now (the worker does this after its jobs): queue new alerts, send what is due."""
    from certlib.services.notifications import run as send_emails

    with _ws(ctx) as ws:
        emit(send_emails(ws, parse_now(now)), fmt)
