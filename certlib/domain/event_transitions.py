"""The event publication machine of design §3.1, declared as a table of :class:`EventTransition` rows.

State users need event-management rights: read, write (edit, extend), add (create, publish, copy),
delete (delete an unpublished event, close a published one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from certlib.domain.entities import EDITABLE_EVENT_FIELDS, EVENT_LEVELS, Event, User, coerce_event_fields
from certlib.domain.guards import ActionCheck, Guard, Why
from certlib.domain.statuses import EventStatus
from certlib.errors import Refused

E = EventStatus
SAME = "(unchanged)"
DELETED = "(deleted)"
NEW = "(new event: Unpublished)"


@dataclass(frozen=True)
class EventContext:
    """An event decision's inputs. ``event`` is None for create; ``changes`` for create/edit/copy."""

    actor: User
    event: Event | None
    now: datetime
    changes: Mapping[str, Any] = field(default_factory=dict)
    new_end_date: date | None = None

    def proposed(self) -> dict[str, Any]:
        """The event fields after the change (draft included), for guards that check the result."""
        base: dict[str, Any] = {}
        if self.event is not None:
            base = {k: getattr(self.event.with_draft(), k) for k in EDITABLE_EVENT_FIELDS}
        base.update(coerce_event_fields(dict(self.changes)))
        return base


def _fields_known(ctx: EventContext) -> str | None:
    unknown = sorted(set(ctx.changes) - set(EDITABLE_EVENT_FIELDS))
    return f"unknown field(s) {', '.join(unknown)}" if unknown else None


def _details_valid(ctx: EventContext) -> str | None:
    p = ctx.proposed()
    for name in ("name", "reporting_year", "category_id", "level", "start_date", "certification_opens", "end_date"):
        if p.get(name) in (None, ""):
            return f"{name} is required"
    if p["level"] not in EVENT_LEVELS:
        return f"level must be district or school, not {p['level']!r}"
    if not (p["start_date"] <= p["certification_opens"] <= p["end_date"]):
        return "dates must satisfy start_date <= certification_opens <= end_date"
    return None


def _category_level_fixed(ctx: EventContext) -> str | None:
    if ctx.event is None or ctx.event.status == E.UNPUBLISHED:
        return None
    for name in ("category_id", "level", "districts"):
        if name in ctx.changes and coerce_event_fields({name: ctx.changes[name]})[name] != getattr(ctx.event, name):
            return f"{name} cannot change once the event was published"
    return None


def _end_later(ctx: EventContext) -> str | None:
    if ctx.event is None or ctx.new_end_date is None:
        return "a new end date is required"
    if ctx.new_end_date <= ctx.event.with_draft().end_date:
        return f"new end date {ctx.new_end_date.isoformat()} is not after {ctx.event.with_draft().end_date.isoformat()}"
    return None


FIELDS_KNOWN = Guard("known fields", _fields_known, "Only the event's own fields can be set.")
DETAILS_VALID = Guard(
    "details complete and dates in order",
    _details_valid,
    "Fill in every event detail, with the start date, the certification opening date and the due date in that order.",
)
CATEGORY_LEVEL_FIXED = Guard(
    "category, level and districts fixed once published",
    _category_level_fixed,
    "The category, level and districts cannot change once the event is published.",
)
END_LATER = Guard("end date extended", _end_later, "Choose a new end date after the current one.")


def _after_edit(ctx: EventContext) -> EventStatus:
    assert ctx.event is not None
    return E.UNPUBLISHED if ctx.event.status == E.UNPUBLISHED else E.UNPUBLISHED_CHANGES


@dataclass(frozen=True)
class EventTransition:
    action: str
    right: str
    from_statuses: frozenset[EventStatus | None]
    to: EventStatus | str | Callable[[EventContext], EventStatus]
    guards: tuple[Guard[EventContext], ...] = ()

    def target(self, ctx: EventContext) -> EventStatus | str:
        return self.to(ctx) if callable(self.to) else self.to


_OPEN = frozenset({E.UNPUBLISHED, E.PUBLISHED, E.UNPUBLISHED_CHANGES})

EVENT_TRANSITIONS: tuple[EventTransition, ...] = (
    EventTransition("create", "add", frozenset({None}), E.UNPUBLISHED, (FIELDS_KNOWN, DETAILS_VALID)),
    EventTransition("edit", "write", _OPEN, _after_edit, (FIELDS_KNOWN, CATEGORY_LEVEL_FIXED, DETAILS_VALID)),
    EventTransition("publish", "add", frozenset({E.UNPUBLISHED, E.UNPUBLISHED_CHANGES}), E.PUBLISHED, (DETAILS_VALID,)),
    EventTransition("copy", "add", frozenset(E), NEW, (FIELDS_KNOWN, DETAILS_VALID)),
    EventTransition("extend", "write", _OPEN, SAME, (END_LATER,)),
    EventTransition("close", "delete", _OPEN, E.CLOSED),
    EventTransition("delete", "delete", frozenset({E.UNPUBLISHED}), DELETED),
)

EVENT_TRANSITIONS_BY_ACTION: dict[str, EventTransition] = {t.action: t for t in EVENT_TRANSITIONS}


def event_refusal(t: EventTransition, ctx: EventContext) -> str | None:
    """Why ``t`` may not happen (right, then status, then guards), or None."""
    if not ctx.actor.is_state:
        return Why(
            f"missing right: {t.action} on events needs a state user with the {t.right} right",
            "Only state users manage certification events.",
        )
    if t.right not in ctx.actor.rights:
        return Why(
            f"missing right: {t.right} on certification events",
            f"You need the {t.right} right on certification events to {t.action} an event.",
        )
    status = ctx.event.status if ctx.event is not None else None
    if status not in t.from_statuses:
        allowed = ", ".join(sorted(s for s in t.from_statuses if s is not None)) or "(new event)"
        return Why(
            f"wrong status: allowed only from {allowed}",
            f"Not possible while the event is {status or 'not created yet'}.",
        )
    for guard in t.guards:
        failed = guard.failure(ctx)
        if failed:
            return failed
    return None


def decide_event(action: str, ctx: EventContext) -> EventStatus | str:
    """The event status after ``action`` (or SAME / DELETED / NEW); raises Refused naming the failure."""
    t = EVENT_TRANSITIONS_BY_ACTION.get(action)
    status = ctx.event.status if ctx.event is not None else None
    if t is None:
        raise Refused(
            action, ctx.actor.id, status, f"unknown event action; known: {', '.join(EVENT_TRANSITIONS_BY_ACTION)}"
        )
    why = event_refusal(t, ctx)
    if why:
        raise Refused(f"{action} event", ctx.actor.id, status, why)
    return t.target(ctx)


def allowed_event_actions(ctx: EventContext) -> list[ActionCheck]:
    """Every event action on ``ctx.event`` with allowed yes/no and why not. With ``event`` None only
    ``create`` is answered, and only for the right (the details are checked when they are given)."""
    if ctx.event is None:
        t = EVENT_TRANSITIONS_BY_ACTION["create"]
        why = event_refusal(EventTransition(t.action, t.right, t.from_statuses, t.to), ctx)
        return [ActionCheck("create", why is None, why)]
    out = []
    for t in EVENT_TRANSITIONS:
        if t.action == "create":
            continue
        probe = ctx
        if t.action == "extend" and ctx.new_end_date is None:
            probe = EventContext(ctx.actor, ctx.event, ctx.now, ctx.changes, date.max)
        why = event_refusal(t, probe)
        out.append(ActionCheck(t.action, why is None, why))
    return out
