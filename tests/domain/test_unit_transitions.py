"""Table-driven tests over the unit transition table (design §3.2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from certlib.domain import UNIT_TRANSITIONS, UnitStatus, allowed_actions, decide
from certlib.domain.statuses import EventStatus
from certlib.errors import Refused

from .conftest import EVENT, NOW, SHA, Progress, StepStatus, completed_steps, make_ctx

S = UnitStatus
ACTOR_FOR_ROLE = {"certifier": "c1", "state approver": "sa"}

# (action, from status, expected status) for every status: None = refused as wrong status.
EXPECTED = {
    "submit": {S.IN_PROGRESS: S.IN_PROGRESS, S.RECERT_IN_PROGRESS: S.RECERT_IN_PROGRESS},
    "approve": {S.SENT: S.APPROVED, S.IN_PROGRESS: S.APPROVED, S.RECERT_IN_PROGRESS: S.APPROVED},
    "request_recert_state": {S.SENT: S.RECERT_IN_PROGRESS, S.APPROVED: S.RECERT_IN_PROGRESS},
    "request_recert_district": {S.SENT: S.RECERT_REQUESTED, S.APPROVED: S.RECERT_REQUESTED},
    "accept_request": {S.RECERT_REQUESTED: S.RECERT_IN_PROGRESS},
    "deny_request": {S.RECERT_REQUESTED: S.SENT},  # returns to status_before_request (SENT here)
}
CASES = [(t.action, status) for t in UNIT_TRANSITIONS for status in UnitStatus]


@pytest.mark.parametrize(("action", "status"), CASES, ids=[f"{a}-{s}" for a, s in CASES])
def test_every_action_from_every_status(action, status):
    t = next(t for t in UNIT_TRANSITIONS if t.action == action)
    ctx = make_ctx(
        ACTOR_FOR_ROLE[t.actor_role],
        status,
        submitted={"c1", "c2"} if action != "submit" else (),
        status_before_request=S.SENT if status == S.RECERT_REQUESTED else None,
    )
    expected = EXPECTED[action].get(status)
    if expected is None:
        with pytest.raises(Refused, match="wrong status: allowed only from") as err:
            decide(action, ctx)
        assert err.value.status == status and err.value.action == action
    else:
        assert decide(action, ctx).status == expected


def test_table_matches_design_from_statuses():
    for t in UNIT_TRANSITIONS:
        assert t.from_statuses == frozenset(EXPECTED[t.action]), t.action


def test_last_primary_submit_sends_to_state_and_secondary_does_not_count():
    assert decide("submit", make_ctx("c1", submitted={"c2"})).status == S.SENT
    assert decide("submit", make_ctx("c1")).status == S.IN_PROGRESS
    assert decide("submit", make_ctx("cs", submitted={"c1"})).status == S.IN_PROGRESS
    assert decide("submit", make_ctx("cs", S.RECERT_IN_PROGRESS, submitted={"c1", "c2"})).status == S.SENT


def test_rounds_and_request_bookkeeping():
    assert decide("request_recert_state", make_ctx("sa", S.APPROVED)).round == 2
    asked = decide("request_recert_district", make_ctx("c1", S.APPROVED, submitted={"c1", "c2"}))
    assert (asked.status, asked.status_before_request, asked.requested_by) == (S.RECERT_REQUESTED, S.APPROVED, "c1")
    denied = decide(
        "deny_request", make_ctx("sa", S.RECERT_REQUESTED, status_before_request=S.APPROVED, requested_by="c1")
    )
    assert (denied.status, denied.round, denied.requested_by) == (S.APPROVED, 1, None)
    accepted = decide("accept_request", make_ctx("sa", S.RECERT_REQUESTED, status_before_request=S.SENT))
    assert (accepted.status, accepted.round, accepted.status_before_request) == (S.RECERT_IN_PROGRESS, 2, None)


# Each guard failing on its own, with the name the refusal must carry.
GUARD_CASES = [
    ("submit", dict(actor="c1", now=datetime(2025, 6, 5)), "certification window open", "opens 2025-06-10"),
    ("submit", dict(actor="c1", now=datetime(2025, 8, 1)), "certification window open", "past the due date"),
    ("submit", dict(actor="c1", submitted={"c1"}), "not yet submitted in this round", "already submitted"),
    ("submit", dict(actor="c1", progress={}), "steps 1-3 COMPLETED", "step 1 District Validation"),
    (
        "submit",
        dict(actor="c1", progress={**completed_steps("c1"), 2: Progress("c1", 3, 1, 2, StepStatus.IN_PROGRESS)}),
        "steps 1-3 COMPLETED",
        "step 2 State Validation is IN PROGRESS",
    ),
    ("submit", dict(actor="c1", progress=completed_steps("c1", fatal_seen=True)), "no fatal or rule error", "fatal"),
    (
        "submit",
        dict(actor="c1", progress=completed_steps("c1", error_seen=True)),
        "no fatal or rule error",
        "rule error",
    ),
    (
        "submit",
        dict(actor="c1", progress=completed_steps("c1", warnings=3)),
        "warnings acknowledged",
        "3 unacknowledged",
    ),
    (
        "submit",
        dict(
            actor="c1",
            progress={
                **completed_steps("c1"),
                3: Progress("c1", 3, 1, 3, StepStatus.COMPLETED, evidence_id=3, data_generation=0),
            },
        ),
        "snapshot pinned",
        "no snapshot",
    ),
    ("submit", dict(actor="c1", snapshots=("cd" * 32,)), "snapshot pinned", "not a registered snapshot"),
    ("submit", dict(actor="c1", snapshots=(SHA, "cd" * 32)), "snapshot pinned", "a newer snapshot of unit"),
    (
        "submit",
        dict(actor="c1", progress=completed_steps("c1", evidence_id=None)),
        "steps backed by runs on record",
        "step 1 District Validation has no validation run",
    ),
    (
        "submit",
        dict(actor="c1", data_generation=1),
        "steps backed by runs on record",
        "step 2 State Validation read the state copy before its last resync",
    ),
    (
        "submit",
        dict(
            actor="c1",
            progress={
                **completed_steps("c1"),
                2: Progress("c1", 3, 1, 2, StepStatus.COMPLETED, evidence_id=2, data_generation=1),
            },
        ),
        "steps backed by runs on record",
        "step 2 State Validation read the state copy before its last resync",
    ),
    (
        "submit",
        dict(
            actor="c1",
            progress={
                **completed_steps("c1"),
                3: Progress("c1", 3, 1, 3, StepStatus.COMPLETED, evidence_id=3, snapshot_sha256=SHA),
            },
        ),
        "steps backed by runs on record",
        "step 3 Snapshot Validation read the state copy before its last resync",
    ),
    ("submit", dict(actor="c1", event=replace(EVENT, status=EventStatus.CLOSED)), "event not closed", "Closed"),
    (
        "approve",
        dict(actor="sa", status=S.SENT, event=replace(EVENT, status=EventStatus.CLOSED)),
        "event not closed",
        "",
    ),
    ("request_recert_state", dict(actor="sa", status=S.SENT, reason="  "), "reason required", "required"),
    (
        "request_recert_district",
        dict(actor="c1", status=S.APPROVED, submitted={"c1"}),
        "every certifier certified",
        "c2",
    ),
    (
        "request_recert_district",
        dict(actor="c1", status=S.APPROVED, submitted={"c1", "c2"}, reason=None),
        "reason required",
        "",
    ),
    ("deny_request", dict(actor="sa", status=S.RECERT_REQUESTED, reason=""), "reason required", ""),
]


@pytest.mark.parametrize(
    ("action", "kw", "guard", "detail"), GUARD_CASES, ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(GUARD_CASES)]
)
def test_each_guard_refuses_with_its_name(action, kw, guard, detail):
    kw = dict(kw)
    actor = kw.pop("actor")
    status = kw.pop("status", S.IN_PROGRESS)
    with pytest.raises(Refused) as err:
        decide(action, make_ctx(actor, status, **kw))
    assert f"guard '{guard}' failed" in err.value.reason
    assert detail in err.value.reason
    assert err.value.actor == actor and err.value.status == status


ROLE_CASES = [
    ("submit", "r1", "missing right", "needs the certifier role; r1 is reviewer"),
    ("submit", "sa", "missing right", "needs the certifier role; sa is state approver"),
    ("submit", "other", "outside scope", "does not cover district 1071"),
    ("submit", "school", "outside scope", "does not cover district 1071"),
    ("submit", "nobody", "missing right", "no membership in category ATT"),
    ("approve", "sr", "missing right", "needs the state approver role; sr is state reviewer"),
    ("approve", "c1", "missing right", "needs the state approver role; c1 is certifier"),
    ("deny_request", "c2", "missing right", "state approver"),
]


@pytest.mark.parametrize(("action", "actor", "kind", "detail"), ROLE_CASES)
def test_wrong_actor_is_refused_naming_the_right(action, actor, kind, detail):
    with pytest.raises(Refused) as err:
        decide(action, make_ctx(actor, S.SENT if action == "approve" else S.IN_PROGRESS))
    assert err.value.reason.startswith(kind) and detail in err.value.reason
    assert str(err.value).startswith(f"{action} refused for {actor}")


def test_unknown_action_is_refused():
    with pytest.raises(Refused, match="unknown action"):
        decide("teleport", make_ctx("c1"))


def test_allowed_actions_answers_every_row_with_reasons():
    checks = {c.action: c for c in allowed_actions(make_ctx("sa", S.SENT, reason=None))}
    assert list(checks) == [t.action for t in UNIT_TRANSITIONS]
    assert checks["approve"].allowed and checks["request_recert_state"].allowed  # reason asked for by the UI
    assert not checks["submit"].allowed and "certifier" in checks["submit"].reason
    assert not checks["accept_request"].allowed and "wrong status" in checks["accept_request"].reason
    mine = {c.action: c for c in allowed_actions(make_ctx("c1", now=NOW))}
    assert mine["submit"].allowed and mine["submit"].reason is None


def test_a_retake_with_the_same_data_keeps_the_pinned_snapshot_current():
    """Versions with equal content have equal SHA-256: the pin is still the latest data."""
    assert decide("submit", make_ctx("c1", snapshots=(SHA, "cd" * 32, SHA))).status == S.IN_PROGRESS


# ---- issue 16.6: a recertification after the due date gives the unit its own due date -------------

LATE = datetime(2025, 8, 20, 9)  # EVENT ends 2025-07-31


@pytest.mark.parametrize(
    ("action", "status", "now", "chosen", "expected"),
    [
        ("accept_request", S.RECERT_REQUESTED, LATE, None, date(2025, 9, 3)),  # default: 14 days from today
        ("accept_request", S.RECERT_REQUESTED, LATE, date(2025, 9, 30), date(2025, 9, 30)),  # the state's choice
        ("request_recert_state", S.APPROVED, LATE, None, date(2025, 9, 3)),
        ("request_recert_state", S.SENT, NOW, None, None),  # before the due date: the event's end date holds
        ("request_recert_state", S.SENT, NOW, date(2025, 8, 10), date(2025, 8, 10)),
    ],
)
def test_a_new_round_after_the_due_date_gets_its_own_due_date(action, status, now, chosen, expected):
    ctx = replace(make_ctx("sa", status, now=now, status_before_request=S.SENT), new_due_date=chosen)
    unit = decide(action, ctx)
    assert unit.due_date == expected
    assert unit.due(EVENT) == (expected or EVENT.end_date)


def test_the_units_own_due_date_opens_its_window_and_nobody_elses():
    late_steps = make_ctx("c1", S.RECERT_IN_PROGRESS, now=LATE)
    with pytest.raises(Refused, match="past the due date 2025-07-31"):
        decide("submit", late_steps)
    own = make_ctx("c1", S.RECERT_IN_PROGRESS, now=LATE, due_date=date(2025, 9, 3))
    assert decide("submit", own).status == S.RECERT_IN_PROGRESS
    assert EVENT.end_date == date(2025, 7, 31)  # the event itself is not extended


def test_a_new_due_date_in_the_past_is_refused():
    ctx = replace(make_ctx("sa", S.RECERT_REQUESTED, now=LATE), new_due_date=date(2025, 8, 1))
    with pytest.raises(Refused, match="new due date not in the past.*2025-08-01 is in the past"):
        decide("accept_request", ctx)
