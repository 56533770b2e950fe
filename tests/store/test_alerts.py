"""Message Center: alerts posted by transitions and by the idempotent due-date sweep."""

from __future__ import annotations

from datetime import datetime

import pytest

from certlib.errors import NotFound, Refused

from .conftest import OPEN, complete_steps, db_bytes


def kinds(store, user):
    return sorted(a.kind for a in store.messages(user))


def test_transitions_alert_the_right_people(store, event_unit):
    _, unit = event_unit
    for c in ("c1", "c2"):
        complete_steps(store, c, unit)
        store.submit(c, unit, OPEN)
    assert kinds(store, "sa") == ["sent"]
    store.approve("sa", unit, OPEN)
    assert kinds(store, "r1") == ["approved", "published"]
    store.request_recert("c1", unit, "wrong calendar", OPEN)
    msg = next(a for a in store.messages("sa") if a.kind == "recert_requested_by_district")
    assert "wrong calendar" in msg.text and "district 1071" in msg.text and msg.required
    store.deny_request("sa", unit, "calendar is right", OPEN)
    assert "calendar is right" in next(a.text for a in store.messages("c1") if a.kind == "recert_denied")
    store.request_recert("sa", unit, "state found gaps", OPEN)
    assert "state found gaps" in next(a.text for a in store.messages("cs") if a.kind == "recert_requested_by_state")
    assert kinds(store, "south") == ["published"]  # other district's unit: nothing of this one


def test_sweep_due_soon_then_overdue_is_idempotent(store, event_unit):
    _, unit = event_unit
    complete_steps(store, "c1", unit)
    store.submit("c1", unit, OPEN)
    assert store.sweep_alerts(datetime(2025, 7, 1), days=7).as_dict() == {"due_soon": 0, "overdue": 0}
    first = store.sweep_alerts(datetime(2025, 7, 26), days=7)
    # c1 submitted; c2 and cs (1071) and south (2002) have not
    assert first.as_dict() == {"due_soon": 3, "overdue": 0}
    before = db_bytes(store)
    assert store.sweep_alerts(datetime(2025, 7, 27), days=7).as_dict() == {"due_soon": 0, "overdue": 0}
    assert db_bytes(store) == before
    late = store.sweep_alerts(datetime(2025, 8, 2), days=7)
    assert late.overdue == 3
    assert store.sweep_alerts(datetime(2025, 8, 3)).overdue == 0
    due = [a for a in store.messages("c2") if a.kind in ("due_soon", "overdue")]
    assert [a.kind for a in due] == ["overdue", "due_soon"] and all(a.required for a in due)
    assert not [a for a in store.messages("c1") if a.kind in ("due_soon", "overdue")]


def test_mark_read(store, event_unit):
    alert = store.messages("c1")[0]
    assert not alert.read
    assert store.mark_read("c1", alert.id).read
    assert store.messages("c1", unread_only=True) == []
    with pytest.raises(NotFound):
        store.mark_read("c1", 9999)
    with pytest.raises(Refused, match="belongs to another user"):
        store.mark_read("c2", alert.id)
