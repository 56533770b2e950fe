"""Reading entities from rows, and loading the data a decision needs inside a transaction."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa

from certlib.domain.entities import Alert, Category, District, Event, Membership, Progress, School, Unit, User
from certlib.domain.statuses import EventStatus, StepStatus, UnitStatus
from certlib.domain.wizard_rights import CLOSE_STEP
from certlib.errors import NotFound
from certlib.store import schema as t


def user_from(r: Any) -> User:
    rights = frozenset(x for x in (r.rights or "").split(",") if x)
    return User(r.id, r.name, r.level, r.district_number, r.school_code, rights)


def membership_from(r: Any) -> Membership:
    return Membership(r.user_id, r.category_id, r.role, bool(r.is_primary), tuple(json.loads(r.schools or "[]")))


def event_from(r: Any) -> Event:
    return Event(
        id=r.id,
        name=r.name,
        reporting_year=r.reporting_year,
        category_id=r.category_id,
        level=r.level,
        groups=tuple(json.loads(r.groups or "[]")),
        start_date=r.start_date,
        certification_opens=r.certification_opens,
        end_date=r.end_date,
        status=EventStatus(r.status),
        districts=tuple(json.loads(r.districts or "[]")),
        draft=json.loads(r.draft) if r.draft else None,
        created_by=r.created_by,
    )


def unit_from(r: Any) -> Unit:
    return Unit(
        id=r.id,
        event_id=r.event_id,
        district_number=r.district_number,
        school_code=r.school_code or None,
        status=UnitStatus(r.status),
        round=r.round,
        status_before_request=UnitStatus(r.status_before_request) if r.status_before_request else None,
        requested_by=r.requested_by,
        data_generation=r.data_generation,
        due_date=_date(getattr(r, "due_date", None)),
    )


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def progress_from(r: Any) -> Progress:
    return Progress(
        user_id=r.user_id,
        unit_id=r.unit_id,
        round=r.round,
        step=r.step,
        status=StepStatus(r.status),
        fatal_seen=bool(r.fatal_seen),
        error_seen=bool(r.error_seen),
        warnings=r.warnings,
        warnings_acknowledged=bool(r.warnings_acknowledged),
        snapshot_sha256=r.snapshot_sha256,
        updated_at=r.updated_at,
        evidence_id=r.evidence_id,
        data_generation=r.data_generation,
    )


def alert_from(r: Any) -> Alert:
    return Alert(
        id=r.id,
        user_id=r.user_id,
        process=r.process,
        text=r.text,
        posted_at=r.posted_at,
        due_date=r.due_date,
        required=bool(r.required),
        read=bool(r.is_read),
        kind=r.kind,
        event_id=r.event_id,
        unit_id=r.unit_id,
    )


def get_user(conn: sa.Connection, user_id: str | None) -> User:
    if not user_id:
        raise NotFound("no acting user: pass --as USER_ID")
    r = conn.execute(sa.select(t.users).where(t.users.c.id == user_id)).one_or_none()
    if r is None:
        raise NotFound(f"unknown user {user_id!r}")
    return user_from(r)


def get_event(conn: sa.Connection, event_id: int, lock: bool = False) -> Event:
    q = sa.select(t.events).where(t.events.c.id == event_id)
    r = conn.execute(q.with_for_update() if lock else q).one_or_none()
    if r is None:
        raise NotFound(f"unknown event {event_id}")
    return event_from(r)


def get_unit(conn: sa.Connection, unit_id: int, lock: bool = False) -> Unit:
    q = sa.select(t.units).where(t.units.c.id == unit_id)
    r = conn.execute(q.with_for_update() if lock else q).one_or_none()
    if r is None:
        raise NotFound(f"unknown unit {unit_id}")
    return unit_from(r)


def all_users(conn: sa.Connection) -> dict[str, User]:
    return {r.id: user_from(r) for r in conn.execute(sa.select(t.users).order_by(t.users.c.id))}


def memberships_of(
    conn: sa.Connection, *, user_id: str | None = None, category_id: str | None = None
) -> list[Membership]:
    q = sa.select(t.memberships).order_by(t.memberships.c.id)
    if user_id is not None:
        q = q.where(t.memberships.c.user_id == user_id)
    if category_id is not None:
        q = q.where(t.memberships.c.category_id == category_id)
    return [membership_from(r) for r in conn.execute(q)]


def submitted_in_round(conn: sa.Connection, unit: Unit) -> frozenset[str]:
    q = sa.select(t.submissions.c.user_id).where(
        t.submissions.c.unit_id == unit.id, t.submissions.c.round == unit.round
    )
    return frozenset(conn.execute(q).scalars())


def submitted_by_unit(conn: sa.Connection, units: list[Unit]) -> dict[int, frozenset[str]]:
    """Who submitted in each unit's current round, for many units in one query."""
    if not units:
        return {}
    current = {u.id: u.round for u in units}
    q = sa.select(t.submissions.c.unit_id, t.submissions.c.round, t.submissions.c.user_id).where(
        t.submissions.c.unit_id.in_(list(current))
    )
    found: dict[int, set[str]] = {u.id: set() for u in units}
    for r in conn.execute(q):
        if current[r.unit_id] == r.round:
            found[r.unit_id].add(r.user_id)
    return {k: frozenset(v) for k, v in found.items()}


def closed_by_unit(conn: sa.Connection, units: list[Unit], user_id: str) -> dict[int, dict[int, Progress]]:
    """The user's Close rows (wizard step 4 progress) in each unit's current round, for many units at once."""
    if not units:
        return {}
    current = {u.id: u.round for u in units}
    q = sa.select(t.progress).where(
        t.progress.c.user_id == user_id, t.progress.c.step == CLOSE_STEP, t.progress.c.unit_id.in_(list(current))
    )
    out: dict[int, dict[int, Progress]] = {}
    for p in (progress_from(r) for r in conn.execute(q)):
        if current[p.unit_id] == p.round:
            out[p.unit_id] = {CLOSE_STEP: p}
    return out


def progress_of(conn: sa.Connection, user_id: str, unit_id: int, round_: int) -> dict[int, Progress]:
    q = sa.select(t.progress).where(
        t.progress.c.user_id == user_id, t.progress.c.unit_id == unit_id, t.progress.c.round == round_
    )
    return {p.step: p for p in (progress_from(r) for r in conn.execute(q))}


def districts_all(conn: sa.Connection) -> list[District]:
    return [District(r.number, r.name) for r in conn.execute(sa.select(t.districts).order_by(t.districts.c.number))]


def schools_all(conn: sa.Connection) -> list[School]:
    q = sa.select(t.schools).order_by(t.schools.c.district_number, t.schools.c.code)
    return [School(r.code, r.district_number, r.name) for r in conn.execute(q)]


def categories_all(conn: sa.Connection) -> list[Category]:
    return [Category(r.id, r.name) for r in conn.execute(sa.select(t.categories).order_by(t.categories.c.id))]
