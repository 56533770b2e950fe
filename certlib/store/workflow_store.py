"""The workflow store: the one place that reads and writes certification state.

Every mutation is ONE transaction that (1) re-reads the current rows under a write lock (SQLite:
BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE), (2) asks the pure domain tables whether the
action is allowed, (3) writes the change, one audit row and the alerts. A refusal raises inside the
transaction, so nothing is written.

>>> from datetime import datetime                                      # doctest: +SKIP
>>> store = Store.open_workspace(Path("ws"))                           # doctest: +SKIP
>>> store.submit("c1", unit_id=1, now=datetime(2025, 7, 1, 9))         # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from certlib.config import settings
from certlib.domain.entities import (
    EDITABLE_EVENT_FIELDS,
    Alert,
    Category,
    District,
    Event,
    Membership,
    School,
    Submission,
    Unit,
    User,
    coerce_event_fields,
    json_value,
    parse_date,
)
from certlib.domain.event_transitions import (
    DELETED,
    NEW,
    SAME,
    EventContext,
    allowed_event_actions,
    decide_event,
)
from certlib.domain.guards import ActionCheck
from certlib.domain.scope import scope_refusal, sees_event, unit_members, unit_role
from certlib.domain.statuses import LIVE_EVENT, EventStatus, StepStatus, UnitStatus, UserStatus
from certlib.domain.unit_transitions import UnitContext, allowed_actions, decide
from certlib.domain.user_status import UserFacts, derive_user_status, row_buttons
from certlib.domain.wizard_rights import CLOSE_STEP, allowed_wizard_actions
from certlib.errors import CertlibError, DataError, NotFound, Refused, StoreError
from certlib.rules.pack import declared_groups
from certlib.store import alerts, audit, evidence, people, rows
from certlib.store import schema as t
from certlib.store.audit import AuditRow, VerifyResult
from certlib.store.connection import damaged_store, make_engine, transaction
from certlib.store.history import HistoryFacts
from certlib.store.members import MemberFacts
from certlib.store.migrations import current_version, migrate
from certlib.store.notifications import NotificationFacts
from certlib.store.readonly import check_writable
from certlib.store.views import EventView, UnitView
from certlib.store.wizard_facts import WizardFacts

DB_FILE = "certlib.db"
DATABASE_URL_ENV = "CERTLIB_DATABASE_URL"
#: the audit actions that open and close a resync (see :meth:`Store.dangling_resyncs`)
RESYNC_ACTIONS = ("resync requested", "resync", "resync recovered")


class Store(WizardFacts, HistoryFacts, NotificationFacts, MemberFacts):
    """SQLite (or any SQLAlchemy URL) workflow store. Open with :meth:`open_workspace` or a path/URL."""

    #: the rule pack directory whose groups events may name (None: ``CERTLIB_RULES``)
    groups_from: Path | None = None

    def __init__(self, path_or_url: str | Path, *, create: bool = True):
        self.location = str(path_or_url)
        if "://" not in self.location:
            db = Path(self.location)
            if not create and not db.exists():
                raise NotFound(f"no workflow store at {self.location}")
            if not db.exists():
                check_writable("migrate the workflow store")  # a read-only deployment creates nothing
            if db.is_file() and db.stat().st_size == 0:
                raise StoreError(
                    f"{db} is empty (0 bytes): a workflow store was there and lost its contents; restore "
                    "it from a backup (certlib does not start a new, empty store over it)"
                )
        self.engine = make_engine(path_or_url)
        try:
            with transaction(self.engine, write=False) as conn:
                fresh = current_version(conn) == 0
            if fresh:
                _refuse_over_anchor(self.location)
            self.version = migrate(self.engine)
        except sa.exc.DatabaseError as err:
            self.engine.dispose()
            damaged = damaged_store(self.engine, err)
            if damaged is not None:
                raise damaged from err
            if not isinstance(err, sa.exc.OperationalError):
                raise
            raise CertlibError(f"cannot open the workflow store {self.location}: {err.orig}") from err
        except CertlibError:
            self.engine.dispose()
            raise

    @classmethod
    def open_workspace(cls, workspace: str | Path, *, create: bool = True) -> Store:
        """The store of a workspace directory: ``<workspace>/certlib.db``, or the server database named
        by ``CERTLIB_DATABASE_URL`` (e.g. ``postgresql://...``) when that is set.

        A workspace that holds snapshots or reports but no (or an empty) ``certlib.db`` lost its store:
        that is an error, never a fresh start (the work it recorded would silently vanish)."""
        url = settings().database_url
        if url:
            return cls(url, create=create)
        ws = Path(workspace)
        if ws.exists() and not ws.is_dir():
            raise StoreError(f"{ws}: is a file, not a workspace directory")
        db = ws / DB_FILE
        refuse_lost_store(ws)
        if create and not settings().read_only:
            ws.mkdir(parents=True, exist_ok=True)
        return cls(db, create=create)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with transaction(self.engine, write=False) as conn:
            yield conn

    @contextmanager
    def _write(self, action: str, actor: str | None) -> Iterator[sa.Connection]:
        """One write transaction; after it commits, the new audit head is appended to the anchor file
        (``CERTLIB_AUDIT_ANCHOR``), which is opened first so an unwritable one refuses the action."""
        check_writable(action, actor or "anyone")
        anchor_path = settings().audit_anchor
        fd = audit.open_anchor_file(anchor_path) if anchor_path else None
        appended: list[AuditRow] = []
        try:
            try:
                with transaction(self.engine, write=True) as conn:
                    conn.info[audit.APPENDED] = appended
                    try:
                        yield conn
                    finally:
                        conn.info.pop(audit.APPENDED, None)
            except sa.exc.IntegrityError as err:
                raise DataError(f"{action}: the store refused the data ({err.orig})") from err
            if fd is not None and appended:
                audit.write_anchor(fd, audit.anchor_of(appended[-1]))
        finally:
            if fd is not None:
                os.close(fd)

    # ---- people and reference data ------------------------------------------------------------

    def load_people(self, data: dict[str, Any], now: datetime, actor: str = "system") -> dict[str, int]:
        """Create districts, schools, categories, users and memberships (see :mod:`certlib.store.people`)
        in one transaction with one audit row."""
        with self._write("load people", actor) as conn:
            counts = people.load(conn, data)
            audit.append(conn, at=now, actor=actor, action="load people", details=counts)
            return counts

    def user(self, user_id: str) -> User:
        with self._read() as conn:
            return rows.get_user(conn, user_id)

    def users(self) -> list[User]:
        with self._read() as conn:
            return list(rows.all_users(conn).values())

    def districts(self) -> list[District]:
        with self._read() as conn:
            return rows.districts_all(conn)

    def schools(self) -> list[School]:
        with self._read() as conn:
            return rows.schools_all(conn)

    def categories(self) -> list[Category]:
        with self._read() as conn:
            return rows.categories_all(conn)

    def memberships(self, user_id: str | None = None, category_id: str | None = None) -> list[Membership]:
        with self._read() as conn:
            return rows.memberships_of(conn, user_id=user_id, category_id=category_id)

    # ---- events ------------------------------------------------------------------------------

    def _event_decision(
        self,
        conn: sa.Connection,
        action: str,
        actor_id: str,
        event: Event | None,
        now: datetime,
        changes: dict[str, Any] | None = None,
        new_end_date: date | None = None,
    ) -> EventStatus | str:
        actor = rows.get_user(conn, actor_id)
        ctx = EventContext(actor, event, now, dict(changes or {}), new_end_date)
        target = decide_event(action, ctx)
        proposed = ctx.proposed()
        cat = proposed.get("category_id")
        status = event.status if event else None
        if action in ("create", "edit", "copy") and cat:
            if conn.execute(sa.select(t.categories.c.id).where(t.categories.c.id == cat)).first() is None:
                raise Refused(f"{action} event", actor_id, status, f"unknown category {cat!r}")
        if action in ("create", "edit", "copy", "publish"):
            why = self._unworkable(conn, proposed)
            if why:
                raise Refused(f"{action} event", actor_id, status, why)
        return target

    def _unworkable(self, conn: sa.Connection, fields: dict[str, Any]) -> str | None:
        """Why an event with these fields could not work (validation groups the rule pack does not
        declare, districts the store does not know), or None."""
        groups = [str(g) for g in fields.get("groups") or ()]
        if groups:
            known = self.group_names()
            unknown = [g for g in groups if g not in known]
            if unknown:
                return (
                    f"unknown validation group(s) {', '.join(map(repr, unknown))}: the rule pack declares "
                    f"{', '.join(sorted(known)) or 'none'}"
                )
        districts = [str(d) for d in fields.get("districts") or ()]
        if districts:
            have = set(
                conn.execute(sa.select(t.districts.c.number).where(t.districts.c.number.in_(districts))).scalars()
            )
            unknown = [d for d in districts if d not in have]
            if unknown:
                return f"unknown district(s) {', '.join(map(repr, unknown))}: no such district in the store"
        return None

    def group_names(self) -> frozenset[str]:
        """The validation groups events may name: those of the workspace's rule pack (the Workspace sets
        :attr:`groups_from`), else of the configured pack (``CERTLIB_RULES``)."""
        return declared_groups(self.groups_from or settings().rules)

    def create_event(self, actor_id: str, now: datetime, **fields: Any) -> Event:
        """Create an Unpublished event. Fields: name, reporting_year, category_id, level ("district" or
        "school"), groups, start_date, certification_opens, end_date, districts (optional)."""
        with self._write("create event", actor_id) as conn:
            self._event_decision(conn, "create", actor_id, None, now, fields)
            values = _event_values(coerce_event_fields(fields))
            event_id = conn.execute(
                t.events.insert().values(
                    **values, status=EventStatus.UNPUBLISHED.value, created_by=actor_id, created_at=now.isoformat()
                )
            ).inserted_primary_key[0]
            event = rows.get_event(conn, event_id)
            audit.append(
                conn,
                at=now,
                actor=actor_id,
                action="create event",
                event_id=event_id,
                to_status=event.status,
                details=event.details(),
            )
            return event

    def edit_event(self, actor_id: str, event_id: int, now: datetime, **changes: Any) -> Event:
        """Edit details. A published event keeps showing its published version to districts; the edits
        wait in a draft (status Unpublished Changes) until published again."""
        with self._write("edit event", actor_id) as conn:
            event = rows.get_event(conn, event_id, lock=True)
            target = self._event_decision(conn, "edit", actor_id, event, now, changes)
            plain = {k: json_value(v) for k, v in changes.items()}
            if event.status == EventStatus.UNPUBLISHED:
                conn.execute(
                    t.events.update()
                    .where(t.events.c.id == event_id)
                    .values(**_event_values(coerce_event_fields(changes)))
                )
            else:
                draft = {**(event.draft or {}), **plain}
                conn.execute(
                    t.events.update()
                    .where(t.events.c.id == event_id)
                    .values(draft=json.dumps(draft, sort_keys=True), status=str(target))
                )
            audit.append(
                conn,
                at=now,
                actor=actor_id,
                action="edit event",
                event_id=event_id,
                from_status=event.status,
                to_status=target,
                details={"changes": plain},
            )
            return rows.get_event(conn, event_id)

    def publish_event(self, actor_id: str, event_id: int, now: datetime) -> Event:
        """Publish: apply any draft, create the missing units for every district/school in scope and
        alert every member in scope."""
        with self._write("publish event", actor_id) as conn:
            event = rows.get_event(conn, event_id, lock=True)
            self._event_decision(conn, "publish", actor_id, event, now)
            live = event.with_draft()
            conn.execute(
                t.events.update()
                .where(t.events.c.id == event_id)
                .values(
                    **_event_values(coerce_event_fields(live.details())), draft=None, status=EventStatus.PUBLISHED.value
                )
            )
            live = rows.get_event(conn, event_id)
            created = self._create_units(conn, live)
            users = rows.all_users(conn)
            ms = rows.memberships_of(conn, category_id=live.category_id)
            recipients: set[str] = set()
            for unit in self._units_of(conn, event_id):
                recipients |= unit_members(users, ms, live, unit).members
            sent = alerts.post(
                conn,
                recipients,
                kind="published",
                now=now,
                due_date=live.end_date,
                required=True,
                text=f"{alerts.STATE_NAME} published a Data Certification Event: {live.name}",
                event_id=event_id,
                dedupe=f"published:{event_id}",
            )
            audit.append(
                conn,
                at=now,
                actor=actor_id,
                action="publish event",
                event_id=event_id,
                from_status=event.status,
                to_status=EventStatus.PUBLISHED,
                details={"units_created": len(created), "alerts": sent, "units": audit.unit_states(conn, created)},
            )
            return live

    def _create_units(self, conn: sa.Connection, event: Event) -> list[int]:
        wanted = set(event.districts)
        districts = [d.number for d in rows.districts_all(conn) if not wanted or d.number in wanted]
        if event.level == "district":
            keys = [(d, "") for d in districts]
        else:
            keys = [(s.district_number, s.code) for s in rows.schools_all(conn) if s.district_number in districts]
        have = {(u.district_number, u.school_code or "") for u in self._units_of(conn, event.id)}
        created: list[int] = []
        for district, school in keys:
            if (district, school) in have:
                continue
            created.append(
                int(
                    conn.execute(
                        t.units.insert().values(
                            event_id=event.id,
                            district_number=district,
                            school_code=school,
                            status=UnitStatus.IN_PROGRESS.value,
                            round=1,
                        )
                    ).inserted_primary_key[0]
                )
            )
        return created

    def copy_event(self, actor_id: str, event_id: int, now: datetime, **changes: Any) -> Event:
        """A new Unpublished event with the source's details (draft included); name defaults to "<name>-COPY"."""
        with self._write("copy event", actor_id) as conn:
            source = rows.get_event(conn, event_id)
            changes = {"name": f"{source.with_draft().name}-COPY", **changes}
            self._event_decision(conn, "copy", actor_id, source, now, changes)
            fields = {**coerce_event_fields(source.with_draft().details()), **coerce_event_fields(changes)}
            new_id = conn.execute(
                t.events.insert().values(
                    **_event_values(fields),
                    status=EventStatus.UNPUBLISHED.value,
                    created_by=actor_id,
                    created_at=now.isoformat(),
                )
            ).inserted_primary_key[0]
            audit.append(
                conn,
                at=now,
                actor=actor_id,
                action="copy event",
                event_id=new_id,
                to_status=EventStatus.UNPUBLISHED,
                details={"source_event": event_id, "name": fields["name"]},
            )
            return rows.get_event(conn, new_id)

    def extend_event(self, actor_id: str, event_id: int, end_date: date | str, now: datetime) -> Event:
        """Move the due date later (applies at once, also to a published event)."""
        new_end = parse_date(end_date, "end_date") if isinstance(end_date, str) else end_date
        with self._write("extend event", actor_id) as conn:
            event = rows.get_event(conn, event_id, lock=True)
            self._event_decision(conn, "extend", actor_id, event, now, new_end_date=new_end)
            draft = {k: v for k, v in (event.draft or {}).items() if k != "end_date"} or None
            conn.execute(
                t.events.update()
                .where(t.events.c.id == event_id)
                .values(end_date=new_end, draft=json.dumps(draft, sort_keys=True) if draft else None)
            )
            audit.append(
                conn,
                at=now,
                actor=actor_id,
                action="extend event",
                event_id=event_id,
                from_status=event.status,
                to_status=event.status,
                details={"from": event.with_draft().end_date.isoformat(), "to": new_end.isoformat()},
            )
            return rows.get_event(conn, event_id)

    def close_event(self, actor_id: str, event_id: int, now: datetime) -> Event:
        """Close: no one may act on the event's units any more."""
        with self._write("close event", actor_id) as conn:
            event = rows.get_event(conn, event_id, lock=True)
            self._event_decision(conn, "close", actor_id, event, now)
            conn.execute(
                t.events.update().where(t.events.c.id == event_id).values(status=EventStatus.CLOSED.value, draft=None)
            )
            audit.append(
                conn,
                at=now,
                actor=actor_id,
                action="close event",
                event_id=event_id,
                from_status=event.status,
                to_status=EventStatus.CLOSED,
            )
            return rows.get_event(conn, event_id)

    def delete_event(self, actor_id: str, event_id: int, now: datetime) -> None:
        """Delete an Unpublished event (a published one can only be closed)."""
        with self._write("delete event", actor_id) as conn:
            event = rows.get_event(conn, event_id, lock=True)
            self._event_decision(conn, "delete", actor_id, event, now)
            conn.execute(t.events.delete().where(t.events.c.id == event_id))
            audit.append(
                conn,
                at=now,
                actor=actor_id,
                action="delete event",
                event_id=event_id,
                from_status=event.status,
                to_status=DELETED,
                details=event.details(),
            )

    def event(self, event_id: int, actor_id: str | None = None) -> Event:
        """An event as ``actor_id`` sees it (state: with draft; others: the published version)."""
        with self._read() as conn:
            event = rows.get_event(conn, event_id)
            if actor_id is None:
                return event
            actor = rows.get_user(conn, actor_id)
            if actor.is_state:
                return replace(event.with_draft(), status=event.status, draft=event.draft)
            ms = rows.memberships_of(conn, user_id=actor_id)
            if not sees_event(actor, ms, event, self._units_of(conn, event_id)):
                raise Refused(
                    "view event",
                    actor_id,
                    None,
                    f"outside scope: {actor_id} has no membership covering event {event_id}",
                )
            return replace(event, draft=None)  # districts never see the state's unpublished edits

    def events_for(self, actor_id: str, now: datetime) -> list[EventView]:
        """Events ``actor_id`` may see, newest first, with unit counts per status (in their scope)."""
        with self._read() as conn:
            actor = rows.get_user(conn, actor_id)
            ms = rows.memberships_of(conn, user_id=actor_id)
            out = []
            for r in conn.execute(sa.select(t.events).order_by(t.events.c.id.desc())):
                event = rows.event_from(r)
                units = self._units_of(conn, event.id)
                if not sees_event(actor, ms, event, units):
                    continue
                mine = units if actor.is_state else [u for u in units if unit_role(actor, ms, event, u)]
                shown = (
                    replace(event.with_draft(), status=event.status, draft=event.draft)
                    if actor.is_state
                    else replace(event, draft=None)
                )
                out.append(EventView(shown, dict(Counter(str(u.status) for u in mine))))
            return out

    def allowed_event_actions(self, actor_id: str, event_id: int | None, now: datetime) -> list[ActionCheck]:
        with self._read() as conn:
            actor = rows.get_user(conn, actor_id)
            event = rows.get_event(conn, event_id) if event_id is not None else None
            return allowed_event_actions(EventContext(actor, event, now))

    # ---- units ---------------------------------------------------------------------------------

    @staticmethod
    def _units_of(conn: sa.Connection, event_id: int) -> list[Unit]:
        q = sa.select(t.units).where(t.units.c.event_id == event_id).order_by(t.units.c.id)
        return [rows.unit_from(r) for r in conn.execute(q)]

    def unit(self, unit_id: int) -> Unit:
        with self._read() as conn:
            return rows.get_unit(conn, unit_id)

    def units(self, event_id: int) -> list[Unit]:
        with self._read() as conn:
            return self._units_of(conn, event_id)

    def _context(
        self,
        conn: sa.Connection,
        actor_id: str,
        unit_id: int,
        now: datetime,
        reason: str | None = None,
        lock: bool = False,
    ) -> UnitContext:
        actor = rows.get_user(conn, actor_id)
        unit = rows.get_unit(conn, unit_id, lock=lock)
        event = rows.get_event(conn, unit.event_id)
        mine = tuple(rows.memberships_of(conn, user_id=actor_id))
        members = unit_members(
            rows.all_users(conn), rows.memberships_of(conn, category_id=event.category_id), event, unit
        )
        return UnitContext(
            actor=actor,
            event=event,
            unit=unit,
            role=unit_role(actor, mine, event, unit),
            memberships=mine,
            primaries=members.primaries,
            submitted=rows.submitted_in_round(conn, unit),
            progress=rows.progress_of(conn, actor_id, unit_id, unit.round),
            now=now,
            reason=reason,
            snapshots=evidence.current_shas(conn, unit),
        )

    def _view(self, ctx: UnitContext, with_allowed: bool) -> UnitView:
        if ctx.role is None:
            role = "state (read)" if ctx.actor.is_state and "read" in ctx.actor.rights else None
            kind, primary = role, False
        else:
            kind, primary = ctx.role.kind, ctx.role.primary
        closing = ctx.progress.get(CLOSE_STEP)
        facts = UserFacts(
            kind or "",
            ctx.unit.status,
            ctx.unit.requested_by == ctx.actor.id,
            ctx.actor.id in ctx.submitted,
            ctx.now.date() > ctx.unit.due(ctx.event),
            closed=closing is not None and closing.status == StepStatus.COMPLETED,
            event_live=ctx.event.status in LIVE_EVENT,
            started=ctx.now.date() >= ctx.event.start_date,
        )
        return UnitView(
            unit=ctx.unit,
            event=ctx.event,
            role=kind,
            primary=primary,
            user_status=derive_user_status(facts),
            buttons=row_buttons(facts),
            submitted=ctx.submitted,
            primaries=ctx.primaries,
            allowed=tuple(allowed_actions(ctx)) if with_allowed else (),
        )

    def unit_view(self, actor_id: str, unit_id: int, now: datetime) -> UnitView:
        """One unit as ``actor_id`` sees it, with the derived user status and every action's yes/no."""
        with self._read() as conn:
            ctx = self._context(conn, actor_id, unit_id, now)
            view = self._view(ctx, with_allowed=True)
            if view.role is None:
                raise Refused(
                    "view unit",
                    actor_id,
                    ctx.unit.status,
                    scope_refusal(ctx.actor, ctx.memberships, ctx.event, ctx.unit),
                )
            return view

    def allowed_actions(self, actor_id: str, unit_id: int, now: datetime) -> list[ActionCheck]:
        """What ``actor_id`` may do on ``unit_id`` now, and why not (for UIs)."""
        with self._read() as conn:
            return allowed_actions(self._context(conn, actor_id, unit_id, now))

    def allowed_wizard_actions(self, actor_id: str, unit_id: int, now: datetime) -> list[ActionCheck]:
        """What ``actor_id`` may do in the unit's wizard now (run reports, snapshots, resync, Close), and
        why not: the domain's wizard rights (:mod:`certlib.domain.wizard_rights`)."""
        with self._read() as conn:
            return allowed_wizard_actions(self._context(conn, actor_id, unit_id, now))

    def units_for(self, actor_id: str, now: datetime, event_id: int | None = None) -> list[UnitView]:
        """Every unit ``actor_id`` sees (through a matching membership), ordered by event then unit."""
        with self._read() as conn:
            actor = rows.get_user(conn, actor_id)
            mine = tuple(rows.memberships_of(conn, user_id=actor_id))
            users = rows.all_users(conn)
            q = sa.select(t.events).order_by(t.events.c.id)
            if event_id is not None:
                q = q.where(t.events.c.id == event_id)
            out: list[UnitView] = []
            for event in (rows.event_from(r) for r in conn.execute(q)):
                if not actor.is_state and event.status not in (
                    EventStatus.PUBLISHED,
                    EventStatus.UNPUBLISHED_CHANGES,
                    EventStatus.CLOSED,
                ):
                    continue
                cat_ms = rows.memberships_of(conn, category_id=event.category_id)
                units = self._units_of(conn, event.id)
                submitted = rows.submitted_by_unit(conn, units)
                closed = rows.closed_by_unit(conn, units, actor_id)
                for unit in units:
                    role = unit_role(actor, mine, event, unit)
                    if role is None and not (actor.is_state and "read" in actor.rights):
                        continue
                    members = unit_members(users, cat_ms, event, unit)
                    ctx = UnitContext(
                        actor,
                        event,
                        unit,
                        role,
                        mine,
                        members.primaries,
                        submitted[unit.id],
                        closed.get(unit.id, {}),
                        now,
                    )
                    out.append(self._view(ctx, with_allowed=False))
            return out

    # ---- unit transitions ----------------------------------------------------------------------

    def transition(
        self,
        action: str,
        actor_id: str,
        unit_id: int,
        now: datetime,
        reason: str | None = None,
        *,
        title: str | None = None,
        due_date: date | None = None,
    ) -> Unit:
        """Run one unit action (see :data:`certlib.domain.UNIT_TRANSITIONS`) in one transaction.

        A submit also records the certifier's attestation: the deployment's statement
        (``CERTLIB_ATTESTATION``), their name and ``title``."""
        with self._write(action, actor_id) as conn:
            ctx = replace(self._context(conn, actor_id, unit_id, now, reason, lock=True), new_due_date=due_date)
            new = decide(action, ctx)
            old = ctx.unit
            done = conn.execute(
                t.units.update()
                .where(t.units.c.id == unit_id, t.units.c.status == old.status.value, t.units.c.round == old.round)
                .values(
                    status=new.status.value,
                    round=new.round,
                    status_before_request=new.status_before_request.value if new.status_before_request else None,
                    requested_by=new.requested_by,
                    due_date=new.due_date,
                )
            ).rowcount
            if done != 1:  # only reachable without a write lock (never on SQLite IMMEDIATE / FOR UPDATE)
                raise Refused(action, actor_id, old.status, "concurrent change: the unit changed meanwhile; retry")
            snapshot = None
            details: dict[str, Any] = {"round": old.round}
            if action == "submit":
                snapshot = ctx.progress[3].snapshot_sha256
                conn.execute(
                    t.submissions.insert().values(
                        unit_id=unit_id, round=old.round, user_id=actor_id, at=now.isoformat(), snapshot_sha256=snapshot
                    )
                )
                details["primaries_missing"] = sorted(ctx.primaries - ctx.submitted - {actor_id})
                details["runs"] = {str(step): p.evidence_id for step, p in sorted(ctx.progress.items())}
                details["attestation"] = _attest(conn, ctx, title, now)
            if new.round != old.round:
                details["new_round"] = new.round
            if new.due_date != old.due_date:
                details["due_date"] = new.due_date.isoformat() if new.due_date else None
            details["alerts"] = self._transition_alerts(conn, action, ctx, new, now)
            details["units"] = audit.unit_states(conn, [unit_id])
            audit.append(
                conn,
                at=now,
                actor=actor_id,
                action=action,
                event_id=old.event_id,
                unit_id=unit_id,
                from_status=old.status,
                to_status=new.status,
                reason=(reason or None) if action != "submit" else None,
                details=details,
                snapshot_sha256=snapshot,
            )
            return new

    def _transition_alerts(self, conn: sa.Connection, action: str, ctx: UnitContext, new: Unit, now: datetime) -> int:
        members = unit_members(
            rows.all_users(conn), rows.memberships_of(conn, category_id=ctx.event.category_id), ctx.event, ctx.unit
        )
        name, where = ctx.event.name, alerts.unit_label(ctx.unit)
        common = {"now": now, "event_id": ctx.event.id, "unit_id": ctx.unit.id}
        if action == "submit" and new.status == UnitStatus.SENT:
            return alerts.post(
                conn,
                members.state_approvers,
                kind="sent",
                required=True,
                text=f"{where} sent its certification to the state for Data Certification Event: {name}",
                **common,
            )
        if action == "approve":
            return alerts.post(
                conn,
                members.members,
                kind="approved",
                text=f"{alerts.STATE_NAME} approved the certification for Data Certification Event: {name}",
                **common,
            )
        if action == "request_recert_state":
            return alerts.post(
                conn,
                members.members,
                kind="recert_requested_by_state",
                required=True,
                due_date=new.due(ctx.event),
                text=f"{alerts.STATE_NAME} requested a recertification for Data Certification Event: {name}: {ctx.reason}",
                **common,
            )
        if action == "request_recert_district":
            return alerts.post(
                conn,
                members.state_approvers,
                kind="recert_requested_by_district",
                required=True,
                text=f"{where} requested a recertification for Data Certification Event: {name}: {ctx.reason}",
                **common,
            )
        if action == "accept_request":
            return alerts.post(
                conn,
                members.members,
                kind="recert_accepted",
                required=True,
                due_date=new.due(ctx.event),
                text=f"{alerts.STATE_NAME} accepted the recertification request for Data Certification Event: {name}",
                **common,
            )
        if action == "deny_request":
            return alerts.post(
                conn,
                members.members,
                kind="recert_denied",
                text=f"{alerts.STATE_NAME} denied the recertification request for Data Certification Event: {name}: {ctx.reason}",
                **common,
            )
        return 0

    def submit(self, actor_id: str, unit_id: int, now: datetime, title: str | None = None) -> Unit:
        return self.transition("submit", actor_id, unit_id, now, title=title)

    def approve(self, actor_id: str, unit_id: int, now: datetime, reason: str | None = None) -> Unit:
        return self.transition("approve", actor_id, unit_id, now, reason)

    def request_recert(
        self, actor_id: str, unit_id: int, reason: str | None, now: datetime, due_date: date | None = None
    ) -> Unit:
        """State approvers send the unit back; district/school certifiers ask the state. ``due_date``:
        the unit's own due date for the new round (state only; default after the due date: see
        :data:`certlib.domain.unit_transitions.LATE_RECERT_DAYS`)."""
        return self.transition(self.recert_action_for(actor_id), actor_id, unit_id, now, reason, due_date=due_date)

    def recert_action_for(self, actor_id: str) -> str:
        return "request_recert_state" if self.user(actor_id).is_state else "request_recert_district"

    def accept_request(
        self, actor_id: str, unit_id: int, now: datetime, reason: str | None = None, due_date: date | None = None
    ) -> Unit:
        return self.transition("accept_request", actor_id, unit_id, now, reason, due_date=due_date)

    def deny_request(self, actor_id: str, unit_id: int, reason: str | None, now: datetime) -> Unit:
        return self.transition("deny_request", actor_id, unit_id, now, reason)

    # ---- wizard progress -----------------------------------------------------------------------

    def submissions(self, unit_id: int, round_: int | None = None) -> list[Submission]:
        with self._read() as conn:
            q = sa.select(t.submissions).where(t.submissions.c.unit_id == unit_id).order_by(t.submissions.c.id)
            if round_ is not None:
                q = q.where(t.submissions.c.round == round_)
            return [Submission(r.unit_id, r.round, r.user_id, r.at, r.snapshot_sha256) for r in conn.execute(q)]

    # ---- audit ---------------------------------------------------------------------------------

    def log(
        self,
        actor_id: str,
        action: str,
        now: datetime,
        *,
        event_id: int | None = None,
        unit_id: int | None = None,
        details: dict[str, Any] | None = None,
        snapshot_sha256: str | None = None,
    ) -> AuditRow:
        """Record an accepted action of another service (snapshot taken, resync...) in the audit chain."""
        with self._write(action, actor_id) as conn:
            rows.get_user(conn, actor_id)
            return audit.append(
                conn,
                at=now,
                actor=actor_id,
                action=action,
                event_id=event_id,
                unit_id=unit_id,
                details=details,
                snapshot_sha256=snapshot_sha256,
            )

    def record_recovery(
        self,
        action: str,
        now: datetime,
        *,
        unit_id: int | None = None,
        event_id: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditRow:
        """Audit what crash recovery found and did (actor ``system``)."""
        with self._write(action, "system") as conn:
            return audit.append(
                conn, at=now, actor="system", action=action, event_id=event_id, unit_id=unit_id, details=details
            )

    def dangling_resyncs(self) -> list[int]:
        """Units whose last resync row is "resync requested": the process died before the closing row."""
        q = (
            sa.select(t.audit.c.unit_id, t.audit.c.action)
            .where(t.audit.c.action.in_(RESYNC_ACTIONS))
            .order_by(t.audit.c.id)
        )
        with self._read() as conn:
            last = {r.unit_id: r.action for r in conn.execute(q)}
        return sorted(u for u, a in last.items() if a == "resync requested" and u is not None)

    def audit_rows(
        self, event_id: int | None = None, unit_id: int | None = None, limit: int | None = None
    ) -> list[AuditRow]:
        with self._read() as conn:
            return audit.rows(conn, event_id=event_id, unit_id=unit_id, limit=limit)

    def audit_count(self) -> int:
        with self._read() as conn:
            return audit.count(conn)

    def verify_audit(self, anchor: str | Path | None = None) -> VerifyResult:
        """Walk the audit chain with the deployment's audit key (if any), check it against the anchors of
        ``anchor`` (default: ``CERTLIB_AUDIT_ANCHOR`` when that file exists) and replay the units and
        submissions tables from it. See :func:`certlib.store.audit.verify`."""
        s = settings()
        path = Path(anchor) if anchor is not None else s.audit_anchor
        if anchor is None and path is not None and not path.exists():
            path = None
        anchors = audit.read_anchors(path) if path is not None else None
        with self._read() as conn:
            return audit.verify(conn, key=s.audit_key, anchors=anchors)

    def anchor(self, path: str | Path) -> audit.Anchor:
        """Append the current audit head to ``path`` (a file outside the store) and return it."""
        with self._read() as conn:
            head = audit.head_anchor(conn)
        fd = audit.open_anchor_file(Path(path))
        try:
            audit.write_anchor(fd, head)
        finally:
            os.close(fd)
        return head

    # ---- Message Center ------------------------------------------------------------------------

    def messages(self, user_id: str, unread_only: bool = False) -> list[Alert]:
        with self._read() as conn:
            rows.get_user(conn, user_id)
            return alerts.for_user(conn, user_id, unread_only)

    def mark_read(self, user_id: str, alert_id: int) -> Alert:
        with self._write("read message", user_id) as conn:
            rows.get_user(conn, user_id)
            return alerts.mark_read(conn, user_id, alert_id)

    def post_batch_complete(
        self, job_id: int, kind: str, title: str, user_id: str | None, unit_id: int, now: datetime
    ) -> int:
        """A queued state-validation report or snapshot finished: a *Batch Report Complete* alert to who
        queued it ("<title> Review Report" / "Review Snapshot"); a snapshot the state took for a unit is
        announced to the unit's district members as well (they Review State Snapshot at step 3).
        Posted once per job; returns how many alerts were created."""
        with self._write("batch report complete", "system") as conn:
            unit = rows.get_unit(conn, unit_id)
            event = rows.get_event(conn, unit.event_id)
            users = rows.all_users(conn)
            recipients = {user_id} if user_id in users else set()
            if kind == "snapshot" and user_id in users and users[user_id].is_state:
                recipients |= unit_members(
                    users, rows.memberships_of(conn, category_id=event.category_id), event, unit
                ).members
            what = "Review Snapshot" if kind == "snapshot" else "Review Report"
            return alerts.post(
                conn,
                recipients,
                kind=f"batch_{kind}",
                text=f"{title} {what}",
                now=now,
                event_id=event.id,
                unit_id=unit_id,
                dedupe=f"job:{job_id}",
                process=alerts.BATCH_PROCESS,
            )

    def sweep_alerts(self, now: datetime, days: int = 7) -> alerts.SweepResult:
        """Post due-soon (within ``days``) and overdue alerts; running it twice posts nothing new."""
        if days < 0:
            raise Refused("alerts sweep", "system", None, "days must be 0 or more")
        with self._write("alerts sweep", "system") as conn:
            return alerts.sweep(conn, now, days)


def _attest(conn: sa.Connection, ctx: UnitContext, title: str | None, now: datetime) -> dict[str, str]:
    """Record what the certifier attests to with the submission (inside the submit transaction)."""
    values = {
        "statement": settings().attestation,
        "name": ctx.actor.name,
        "title": (title or "").strip(),
        "at": now.isoformat(),
    }
    conn.execute(
        t.attestations.insert().values(unit_id=ctx.unit.id, round=ctx.unit.round, user_id=ctx.actor.id, **values)
    )
    return values


def refuse_lost_store(ws: Path) -> None:
    """StoreError when the workspace's ``certlib.db`` is missing or empty (0 bytes) but the workspace holds
    earlier work (snapshot versions, reports): its store was lost, and a new one would silently forget it."""
    db = Path(ws) / DB_FILE
    if db.exists() and not (db.is_file() and db.stat().st_size == 0):
        return
    left = _work_left(Path(ws))
    if left:
        state = "is missing" if not db.exists() else "is empty (0 bytes)"
        raise StoreError(
            f"{db} {state} but the workspace holds {left}: its workflow store was lost; restore "
            "certlib.db from a backup (certlib does not start a new, empty store over earlier work)"
        )


def _work_left(ws: Path) -> str:
    """What earlier work a workspace directory holds (snapshot versions, reports), or ""."""
    found = []
    snaps = ws / "snapshots"
    if snaps.is_dir() and any(
        v.name.isdigit() for u in snaps.iterdir() if u.is_dir() and u.name.isdigit() for v in u.iterdir()
    ):
        found.append("snapshots")
    reports = ws / "reports"
    if reports.is_dir() and any(reports.iterdir()):
        found.append("reports")
    return " and ".join(found)


def _refuse_over_anchor(location: str) -> None:
    """A new (empty) store while the configured anchor file records rows of one: refused."""
    path = settings().audit_anchor
    if path is None or not path.exists():
        return
    recorded = max((a.rows for a in audit.read_anchors(path)), default=0)
    if recorded:
        raise StoreError(
            f"the workflow store {location} is new but the audit anchor {path} records {recorded} rows of "
            "a store: it was lost or replaced; restore it from a backup (or point CERTLIB_AUDIT_ANCHOR at a "
            "new file for a new store)"
        )


def _event_values(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in fields.items():
        if k not in EDITABLE_EVENT_FIELDS:
            continue
        out[k] = json.dumps(list(v or ())) if k in ("groups", "districts") else v
    return out


__all__ = ["DB_FILE", "Store", "UserStatus", "SAME", "NEW"]
