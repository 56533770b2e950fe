"""The event publication machine (design §3.1): rights, statuses and guards from the table."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from certlib.domain import (
    EVENT_TRANSITIONS,
    EventContext,
    EventStatus,
    User,
    allowed_event_actions,
    decide_event,
)
from certlib.domain.event_transitions import DELETED, NEW, SAME
from certlib.errors import Refused

from .conftest import EVENT, NOW, USERS

E = EventStatus
ADMIN = USERS["sa"]
DETAILS = dict(
    name="X",
    reporting_year=2025,
    category_id="ATT",
    level="district",
    groups=["G"],
    start_date="2025-06-01",
    certification_opens="2025-06-10",
    end_date="2025-07-31",
)

EXPECTED = {
    "edit": {
        E.UNPUBLISHED: E.UNPUBLISHED,
        E.PUBLISHED: E.UNPUBLISHED_CHANGES,
        E.UNPUBLISHED_CHANGES: E.UNPUBLISHED_CHANGES,
    },
    "publish": {E.UNPUBLISHED: E.PUBLISHED, E.UNPUBLISHED_CHANGES: E.PUBLISHED},
    "copy": {s: NEW for s in E},
    "extend": {E.UNPUBLISHED: SAME, E.PUBLISHED: SAME, E.UNPUBLISHED_CHANGES: SAME},
    "close": {E.UNPUBLISHED: E.CLOSED, E.PUBLISHED: E.CLOSED, E.UNPUBLISHED_CHANGES: E.CLOSED},
    "delete": {E.UNPUBLISHED: DELETED},
}
CASES = [(a, s) for a in EXPECTED for s in E]


@pytest.mark.parametrize(("action", "status"), CASES)
def test_event_action_from_every_status(action, status):
    ctx = EventContext(
        ADMIN,
        replace(EVENT, status=status),
        NOW,
        {"name": "Renamed"} if action in ("edit", "copy") else {},
        date(2025, 8, 31) if action == "extend" else None,
    )
    expected = EXPECTED[action].get(status)
    if expected is None:
        with pytest.raises(Refused, match="wrong status"):
            decide_event(action, ctx)
    else:
        assert decide_event(action, ctx) == expected


RIGHTS = {
    "create": "add",
    "edit": "write",
    "publish": "add",
    "copy": "add",
    "extend": "write",
    "close": "delete",
    "delete": "delete",
}


@pytest.mark.parametrize("action", sorted(RIGHTS))
def test_each_action_needs_its_right(action):
    assert {t.action: t.right for t in EVENT_TRANSITIONS}[action] == RIGHTS[action]
    lacking = User("s2", "S2", "state", rights=frozenset({"read", "write", "add", "delete"}) - {RIGHTS[action]})
    event = None if action == "create" else replace(EVENT, status=E.UNPUBLISHED)
    with pytest.raises(Refused, match=f"missing right: {RIGHTS[action]} on certification events"):
        decide_event(action, EventContext(lacking, event, NOW, DETAILS, date(2025, 9, 1)))
    with pytest.raises(Refused, match="needs a state user"):
        decide_event(action, EventContext(USERS["c1"], event, NOW, DETAILS, date(2025, 9, 1)))


def test_guards():
    with pytest.raises(Refused, match="dates must satisfy"):
        decide_event("create", EventContext(ADMIN, None, NOW, {**DETAILS, "end_date": "2025-06-05"}))
    with pytest.raises(Refused, match="name is required"):
        decide_event("create", EventContext(ADMIN, None, NOW, {**DETAILS, "name": ""}))
    with pytest.raises(Refused, match="unknown field"):
        decide_event("create", EventContext(ADMIN, None, NOW, {**DETAILS, "colour": "red"}))
    with pytest.raises(Refused, match="category_id cannot change once the event was published"):
        decide_event("edit", EventContext(ADMIN, EVENT, NOW, {"category_id": "SPED"}))
    with pytest.raises(Refused, match="is not after 2025-07-31"):
        decide_event("extend", EventContext(ADMIN, EVENT, NOW, {}, date(2025, 7, 1)))
    assert decide_event("create", EventContext(ADMIN, None, NOW, DETAILS)) == E.UNPUBLISHED


def test_allowed_event_actions_for_a_published_event():
    checks = {c.action: c for c in allowed_event_actions(EventContext(ADMIN, EVENT, NOW))}
    assert checks["close"].allowed and checks["edit"].allowed and checks["extend"].allowed
    assert not checks["delete"].allowed and "wrong status" in checks["delete"].reason
    assert not checks["publish"].allowed


def test_may_i_create_answers_only_the_right():
    assert [c.as_dict() for c in allowed_event_actions(EventContext(ADMIN, None, NOW))] == [
        {"action": "create", "allowed": True, "reason": None, "says": ""}
    ]
    reader = User("rd", "Reader", "state", rights=frozenset({"read"}))
    (check,) = allowed_event_actions(EventContext(reader, None, NOW))
    assert not check.allowed and "missing right: add" in check.reason
