"""Message Center process alerts (design §3.5): posted by transitions and by the due-date sweep.

Alerts with a ``dedupe_key`` are posted at most once, which makes the sweep idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from certlib.domain.entities import Alert, Event, Unit
from certlib.domain.scope import unit_members
from certlib.domain.statuses import LIVE_EVENT, OPEN_FOR_SUBMISSION
from certlib.errors import NotFound, Refused
from certlib.store import rows
from certlib.store import schema as t

PROCESS = "Data Certification"
BATCH_PROCESS = "Batch Report Complete"  # the article's alert when a queued report or snapshot finished
STATE_NAME = "The State"


def post(
    conn: sa.Connection,
    user_ids: Iterable[str],
    *,
    kind: str,
    text: str,
    now: datetime,
    due_date: date | None = None,
    required: bool = False,
    event_id: int | None = None,
    unit_id: int | None = None,
    dedupe: str | None = None,
    process: str = PROCESS,
) -> int:
    """Post one alert to each user (sorted, deterministic); returns how many were created."""
    created = 0
    for user_id in sorted(set(user_ids)):
        key = f"{dedupe}:{user_id}" if dedupe else None
        if key is not None:
            exists = conn.execute(sa.select(t.alerts.c.id).where(t.alerts.c.dedupe_key == key)).first()
            if exists:
                continue
        conn.execute(
            t.alerts.insert().values(
                user_id=user_id,
                kind=kind,
                process=process,
                text=text,
                posted_at=now.isoformat(),
                due_date=due_date,
                required=required,
                is_read=False,
                event_id=event_id,
                unit_id=unit_id,
                dedupe_key=key,
            )
        )
        created += 1
    return created


def unit_label(unit: Unit) -> str:
    return f"school {unit.school_code}" if unit.school_code else f"district {unit.district_number}"


def for_user(conn: sa.Connection, user_id: str, unread_only: bool = False) -> list[Alert]:
    q = (
        sa.select(t.alerts)
        .where(t.alerts.c.user_id == user_id)
        .order_by(t.alerts.c.posted_at.desc(), t.alerts.c.id.desc())
    )
    if unread_only:
        q = q.where(t.alerts.c.is_read.is_(False))
    return [rows.alert_from(r) for r in conn.execute(q)]


def mark_read(conn: sa.Connection, user_id: str, alert_id: int) -> Alert:
    r = conn.execute(sa.select(t.alerts).where(t.alerts.c.id == alert_id)).one_or_none()
    if r is None:
        raise NotFound(f"unknown message {alert_id}")
    if r.user_id != user_id:
        raise Refused("read message", user_id, None, f"outside scope: message {alert_id} belongs to another user")
    conn.execute(t.alerts.update().where(t.alerts.c.id == alert_id).values(is_read=True))
    return rows.alert_from(conn.execute(sa.select(t.alerts).where(t.alerts.c.id == alert_id)).one())


@dataclass(frozen=True)
class SweepResult:
    due_soon: int
    overdue: int

    def as_dict(self) -> dict[str, int]:
        return {"due_soon": self.due_soon, "overdue": self.overdue}


def sweep(conn: sa.Connection, now: datetime, days: int = 7) -> SweepResult:
    """Post due-in-N-days / overdue alerts to certifiers who have not submitted in the current round."""
    today = now.date()
    users = rows.all_users(conn)
    due_soon = overdue = 0
    evs = [rows.event_from(r) for r in conn.execute(sa.select(t.events).order_by(t.events.c.id))]
    for event in evs:
        if event.status not in LIVE_EVENT:
            continue
        ms = rows.memberships_of(conn, category_id=event.category_id)
        q = sa.select(t.units).where(t.units.c.event_id == event.id).order_by(t.units.c.id)
        for unit in (rows.unit_from(r) for r in conn.execute(q)):
            if unit.status not in OPEN_FOR_SUBMISSION:
                continue
            due_date = unit.due(event)  # a late recertification has its own due date
            late = today > due_date
            if not late and (due_date - today).days > days:
                continue
            pending = unit_members(users, ms, event, unit).certifiers - rows.submitted_in_round(conn, unit)
            if not pending:
                continue
            kind = "overdue" if late else "due_soon"
            text = _due_text(event, unit, late)
            n = post(
                conn,
                pending,
                kind=kind,
                text=text,
                now=now,
                due_date=due_date,
                required=True,
                event_id=event.id,
                unit_id=unit.id,
                dedupe=f"{kind}:{unit.id}:{unit.round}",
            )
            if late:
                overdue += n
            else:
                due_soon += n
    return SweepResult(due_soon, overdue)


def _due_text(event: Event, unit: Unit, late: bool) -> str:
    due = unit.due(event).strftime("%m/%d/%Y")
    if late:
        return f"Data Certification Event {event.name} ({unit_label(unit)}) is overdue: it was due {due}"
    return f"Data Certification Event {event.name} ({unit_label(unit)}) is due {due}"
