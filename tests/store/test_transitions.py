"""Store transitions: the full path, the derived statuses, and every bad input refused with the store
byte-for-byte unchanged."""

from __future__ import annotations

from datetime import datetime

import pytest

from certlib.domain import UnitStatus, UserStatus
from certlib.errors import CertlibError, NotFound, ReadOnlyError, Refused

from .conftest import OPEN, SETUP, SHA, complete_steps, db_bytes, publish, unit_of

S = UnitStatus


def status_of(store, user, unit_id, now=OPEN):
    view = next(v for v in store.units_for(user, now) if v.unit.id == unit_id)
    return view.user_status, view.unit.status


def test_full_path_with_derived_user_statuses(store, event_unit):
    _, unit = event_unit
    assert status_of(store, "c1", unit) == (UserStatus.INCOMPLETE, S.IN_PROGRESS)
    assert status_of(store, "r1", unit) == (UserStatus.OPEN, S.IN_PROGRESS)
    complete_steps(store, "c1", unit)
    assert store.submit("c1", unit, OPEN).status == S.IN_PROGRESS
    assert status_of(store, "c1", unit) == (UserStatus.CERTIFIED, S.IN_PROGRESS)
    assert status_of(store, "c2", unit, datetime(2025, 8, 2)) == (UserStatus.OVERDUE, S.IN_PROGRESS)
    complete_steps(store, "c2", unit)
    assert store.submit("c2", unit, OPEN).status == S.SENT
    assert [s.snapshot_sha256 for s in store.submissions(unit)] == [SHA, SHA]
    assert status_of(store, "cs", unit) == (UserStatus.INCOMPLETE, S.SENT)  # secondary not required
    store.approve("sa", unit, OPEN)
    assert status_of(store, "c1", unit) == (UserStatus.CERTIFIED, S.APPROVED)
    store.request_recert("c2", unit, "late enrollments found", OPEN)
    assert status_of(store, "c2", unit) == (UserStatus.RECERT_PENDING, S.RECERT_REQUESTED)
    assert status_of(store, "c1", unit) == (UserStatus.CERTIFIED, S.RECERT_REQUESTED)
    store.accept_request("sa", unit, OPEN)
    assert status_of(store, "c1", unit) == (UserStatus.INCOMPLETE, S.RECERT_IN_PROGRESS)
    assert store.unit(unit).round == 2
    with pytest.raises(Refused, match="step 1 District Validation is NOT STARTED in round 2"):
        store.submit("c1", unit, OPEN)
    rows = [r for r in store.audit_rows(unit_id=unit) if r.action != "snapshot taken"]
    assert [r.action for r in rows] == ["submit", "submit", "approve", "request_recert_district", "accept_request"]
    assert rows[1].snapshot_sha256 == SHA and rows[3].reason == "late enrollments found"
    assert store.verify_audit().ok


def test_deny_returns_to_status_before_request(store, event_unit):
    _, unit = event_unit
    for c in ("c1", "c2"):
        complete_steps(store, c, unit)
        store.submit(c, unit, OPEN)
    store.request_recert("c1", unit, "wrong file", OPEN)
    assert store.deny_request("sa", unit, "data is fine", OPEN).status == S.SENT
    assert store.unit(unit).requested_by is None


def test_school_level_event_has_a_unit_per_school(store):
    event_id = publish(store, level="school", name="School Level Test")
    units = store.units(event_id)
    assert sorted((u.district_number, u.school_code) for u in units) == [
        ("1071", "0588"),
        ("1071", "0600"),
        ("2002", "0700"),
    ]
    assert [v.unit.school_code for v in store.units_for("sc", OPEN)] == ["0588"]
    assert len(store.units_for("c1", OPEN)) == 2


def test_publish_alerts_every_member_in_scope_once(store):
    event_id = publish(store)
    got = {u: [a.kind for a in store.messages(u)] for u in ("c1", "c2", "cs", "r1", "south", "sc", "sped", "sa")}
    assert got == {
        "c1": ["published"],
        "c2": ["published"],
        "cs": ["published"],
        "r1": ["published"],
        "south": ["published"],
        "sc": [],
        "sped": [],
        "sa": [],
    }
    store.edit_event("sa", event_id, SETUP, name="EOY Attendance v2")
    assert store.event(event_id, "c1").name == "EOY Attendance"  # districts keep the published version
    assert store.event(event_id, "sa").name == "EOY Attendance v2"
    store.publish_event("sa", event_id, SETUP)
    assert store.event(event_id, "c1").name == "EOY Attendance v2"
    assert len(store.messages("c1")) == 1 and len(store.units(event_id)) == 2


def _refusal_cases():
    """(name, callable(store, unit, event), expected exception, text in the message)."""
    late = datetime(2025, 8, 1, 9)
    early = datetime(2025, 6, 5, 9)
    return [
        ("unknown unit", lambda s, u, e: s.submit("c1", 999, OPEN), NotFound, "unknown unit 999"),
        ("unknown user", lambda s, u, e: s.approve("ghost", u, OPEN), NotFound, "unknown user 'ghost'"),
        ("unknown event", lambda s, u, e: s.publish_event("sa", 999, OPEN), NotFound, "unknown event 999"),
        ("wrong status", lambda s, u, e: s.accept_request("sa", u, OPEN), Refused, "wrong status"),
        ("no right (reviewer)", lambda s, u, e: s.submit("r1", u, OPEN), Refused, "needs the certifier role"),
        ("no right (state reviewer)", lambda s, u, e: s.approve("sr", u, OPEN), Refused, "state approver role"),
        ("outside scope", lambda s, u, e: s.submit("south", u, OPEN), Refused, "outside scope"),
        ("other category", lambda s, u, e: s.submit("sped", u, OPEN), Refused, "no membership in category ATT"),
        ("steps not done", lambda s, u, e: s.submit("c2", u, OPEN), Refused, "steps 1-3 COMPLETED"),
        ("window not open", lambda s, u, e: s.submit("c1", u, early), Refused, "certification opens 2025-06-10"),
        ("past due", lambda s, u, e: s.submit("c1", u, late), Refused, "past the due date 2025-07-31"),
        ("event right", lambda s, u, e: s.close_event("c1", e, OPEN), Refused, "needs a state user"),
        ("delete published", lambda s, u, e: s.delete_event("sa", e, OPEN), Refused, "wrong status"),
        ("extend earlier", lambda s, u, e: s.extend_event("sa", e, "2025-07-01", OPEN), Refused, "is not after"),
        (
            "unknown category",
            lambda s, u, e: s.edit_event("sa", e, OPEN, name="x", category_id="NOPE"),
            Refused,
            "category",
        ),
        (
            "progress bad step",
            lambda s, u, e: s.record_progress("c1", u, 4, "COMPLETED", OPEN),
            Refused,
            "unknown step 4",
        ),
        (
            "run bad sha",
            lambda s, u, e: s.record_evidence(
                "c1", u, 3, OPEN, fatal_seen=False, error_seen=False, warnings=0, source="t", snapshot_sha256="xyz"
            ),
            Refused,
            "64 lowercase hex",
        ),
        (
            "run unregistered sha",
            lambda s, u, e: s.record_evidence(
                "c1", u, 3, OPEN, fatal_seen=False, error_seen=False, warnings=0, source="t", snapshot_sha256="ef" * 32
            ),
            Refused,
            "not a registered snapshot of unit",
        ),
        (
            "run without snapshot",
            lambda s, u, e: s.record_evidence(
                "c1", u, 3, OPEN, fatal_seen=False, error_seen=False, warnings=0, source="t"
            ),
            Refused,
            "must name the snapshot",
        ),
        (
            "run outsider",
            lambda s, u, e: s.record_evidence(
                "south", u, 1, OPEN, fatal_seen=False, error_seen=False, warnings=0, source="t"
            ),
            Refused,
            "outside scope",
        ),
        (
            "self-reported step",
            lambda s, u, e: s.record_progress("c2", u, 1, "COMPLETED", OPEN),
            Refused,
            "COMPLETED only by a validation run on record",
        ),
        (
            "unknown run",
            lambda s, u, e: s.record_progress("c2", u, 1, "COMPLETED", OPEN, evidence_id=999),
            Refused,
            "no validation run 999 on record",
        ),
        (
            "someone else's run",
            lambda s, u, e: s.record_progress("c2", u, 1, "COMPLETED", OPEN, evidence_id=1),
            Refused,
            "run 1 is c1's step 1",
        ),
        (
            "register bad sha",
            lambda s, u, e: s.register_snapshot("c1", u, 9, "nope", OPEN),
            Refused,
            "64 lowercase hex",
        ),
        (
            "register twice",
            lambda s, u, e: s.register_snapshot("c1", u, 1, "ef" * 32, OPEN),
            Refused,
            "already has a snapshot version 1",
        ),
        (
            "progress outsider",
            lambda s, u, e: s.record_progress("south", u, 1, "COMPLETED", OPEN),
            Refused,
            "outside scope",
        ),
        ("read other's message", lambda s, u, e: s.mark_read("c2", 1), Refused, "belongs to another user"),
        (
            "bad people",
            lambda s, u, e: s.load_people({"users": [{"id": "x", "level": "galaxy"}]}, OPEN),
            CertlibError,
            "level must be one of",
        ),
        (
            "duplicate district",
            lambda s, u, e: s.load_people({"districts": [{"number": "1071", "name": "Again"}]}, OPEN),
            CertlibError,
            "districts",
        ),
    ]


CASES = _refusal_cases()


@pytest.mark.parametrize(("name", "call", "exc", "text"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_and_changes_nothing(store, event_unit, name, call, exc, text):
    event_id, unit = event_unit
    complete_steps(store, "c1", unit)
    before, audit_before = db_bytes(store), store.audit_count()
    with pytest.raises(exc) as err:
        call(store, unit, event_id)
    assert text in str(err.value)
    assert store.audit_count() == audit_before
    assert db_bytes(store) == before, f"{name}: the database file changed"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_missing_reason_is_refused_and_changes_nothing(store, event_unit, reason):
    _, unit = event_unit
    store.approve("sa", unit, OPEN)
    before = db_bytes(store)
    for call in (
        lambda: store.request_recert("sa", unit, reason, OPEN),
        lambda: store.request_recert("c1", unit, reason, OPEN),
    ):
        with pytest.raises(Refused) as err:
            call()
        assert "guard 'reason required' failed" in str(err.value) or "every certifier certified" in str(err.value)
    assert db_bytes(store) == before
    for c in ("c1", "c2"):
        complete_steps(store, c, unit)
    store.request_recert("sa", unit, "send back", OPEN)
    for c in ("c1", "c2"):
        complete_steps(store, c, unit)
        store.submit(c, unit, OPEN)
    before = db_bytes(store)
    with pytest.raises(Refused, match="guard 'reason required' failed"):
        store.request_recert("c1", unit, reason, OPEN)
    assert db_bytes(store) == before


def test_closed_event_freezes_units(store, event_unit):
    event_id, unit = event_unit
    complete_steps(store, "c1", unit)
    store.close_event("sa", event_id, OPEN)
    before = db_bytes(store)
    for call in (
        lambda: store.submit("c1", unit, OPEN),
        lambda: store.approve("sa", unit, OPEN),
        lambda: store.record_progress("c1", unit, 1, "COMPLETED", OPEN),
    ):
        with pytest.raises(Refused, match="event not closed"):
            call()
    assert db_bytes(store) == before


def test_read_only_deployment_refuses_mutations(store, event_unit, monkeypatch):
    _, unit = event_unit
    monkeypatch.setenv("CERTLIB_READ_ONLY", "1")
    before = db_bytes(store)
    with pytest.raises(ReadOnlyError, match="read-only"):
        store.approve("sa", unit, OPEN)
    with pytest.raises(ReadOnlyError):
        store.sweep_alerts(OPEN)
    assert store.units_for("c1", OPEN)  # reads still work
    assert db_bytes(store) == before


def test_event_lifecycle_copy_extend_delete(store, event_unit):
    event_id, _ = event_unit
    copy = store.copy_event("sa", event_id, OPEN)
    assert (copy.name, str(copy.status)) == ("EOY Attendance-COPY", "Unpublished")
    assert store.extend_event("sa", event_id, "2025-08-31", OPEN).end_date.isoformat() == "2025-08-31"
    assert [v.event.id for v in store.events_for("c1", OPEN)] == [event_id]  # unpublished copy invisible
    store.delete_event("sa", copy.id, OPEN)
    with pytest.raises(NotFound):
        store.event(copy.id)
    assert [r.action for r in store.audit_rows(event_id=copy.id)] == ["copy event", "delete event"]


def test_unit_of_helper_finds_the_district_unit(store, event_unit):
    event_id, unit = event_unit
    assert unit == unit_of(store, event_id) and store.unit(unit).district_number == "1071"
