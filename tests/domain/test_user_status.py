"""Table-driven tests over the user-status table (design §3.3, as the help article's events grids show
the words), the allowed-pairs invariant, and the row's action (Start Certification / Review Data)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certlib.domain import (
    USER_STATUS_TABLE,
    UnitStatus,
    UserFacts,
    UserStatus,
    derive_user_status,
    pair_allowed,
)
from certlib.domain.statuses import RowAction
from certlib.domain.user_status import ROW_ACTION_TABLE, derive_row_action, row_buttons

S, U = UnitStatus, UserStatus

# role, unit status, asked, submitted, overdue, closed -> status
CASES = [
    ("reviewer", S.IN_PROGRESS, False, False, True, False, U.OPEN),
    ("reviewer", S.APPROVED, False, False, False, False, U.OPEN),
    ("reviewer", S.IN_PROGRESS, False, False, False, True, U.CLOSED),
    ("reviewer", S.SENT, False, False, True, True, U.CLOSED),
    ("state approver", S.SENT, False, False, False, False, U.NA),
    ("state reviewer", S.IN_PROGRESS, False, False, False, False, U.NA),
    # article: "If the state approves your certification ... a User Status of Certification Complete"
    ("certifier", S.APPROVED, False, True, False, False, U.CERTIFIED),
    ("certifier", S.APPROVED, False, False, True, False, U.CERTIFIED),  # the state approved before they submitted
    ("certifier", S.RECERT_REQUESTED, True, True, False, False, U.RECERT_PENDING),
    ("certifier", S.RECERT_REQUESTED, False, True, False, False, U.CERTIFIED),
    ("certifier", S.SENT, False, True, True, False, U.CERTIFIED),
    ("certifier", S.IN_PROGRESS, False, True, False, False, U.CERTIFIED),
    ("certifier", S.IN_PROGRESS, False, False, True, False, U.OVERDUE),
    ("certifier", S.RECERT_IN_PROGRESS, False, False, True, False, U.OVERDUE),
    ("certifier", S.IN_PROGRESS, False, False, False, False, U.INCOMPLETE),
    ("certifier", S.RECERT_IN_PROGRESS, False, False, False, False, U.INCOMPLETE),
]


@pytest.mark.parametrize(("role", "unit", "asked", "submitted", "overdue", "closed", "expected"), CASES)
def test_user_status_table(role, unit, asked, submitted, overdue, closed, expected):
    status = derive_user_status(UserFacts(role, unit, asked, submitted, overdue, closed=closed))
    assert status == expected
    assert pair_allowed(role, False, status, unit)


def test_vocabulary_is_exactly_the_articles_words():
    assert [s.value for s in UserStatus] == [
        "N/A",
        "Open",
        "Closed",
        "Recertification Request Pending",
        "Certification Complete",
        "Incomplete - Overdue",
        "Certification Incomplete",
    ]
    assert "Complete" not in {s.value for s in UserStatus}  # the first design's word is gone
    assert [s.value for s in UnitStatus] == [
        "In Progress",
        "Certification Sent to State",
        "Certification Approved by State",
        "Recertification Request Sent",
        "Recertification In Progress",
    ]
    assert {r.status for r in USER_STATUS_TABLE} == set(UserStatus)
    assert [a.value for a in RowAction] == ["Start Certification", "Review Data"]


def test_pairs_forbidden_by_design():
    assert not pair_allowed("certifier", False, U.RECERT_PENDING, S.APPROVED)
    assert not pair_allowed("certifier", True, U.INCOMPLETE, S.SENT)  # a primary cannot lag once sent
    assert pair_allowed("certifier", False, U.INCOMPLETE, S.SENT)  # a secondary can
    assert not pair_allowed("reviewer", False, U.CERTIFIED, S.SENT)
    assert not pair_allowed("reviewer", False, U.NA, S.SENT)
    assert not pair_allowed("certifier", False, U.NA, S.SENT)
    assert not pair_allowed("certifier", False, U.OPEN, S.IN_PROGRESS)
    assert not pair_allowed("state approver", False, U.OPEN, S.IN_PROGRESS)


facts = st.builds(
    UserFacts,
    st.sampled_from(["certifier", "reviewer", "state approver", "state reviewer", "state (read)"]),
    st.sampled_from(list(UnitStatus)),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    closed=st.booleans(),
    event_live=st.booleans(),
    started=st.booleans(),
)


@given(facts)
def test_derivation_is_total_and_stays_in_the_roles_vocabulary(f):
    status = derive_user_status(f)
    if f.role == "certifier" and f.asked_recert and f.unit_status == S.RECERT_REQUESTED:
        assert status == U.RECERT_PENDING
    if f.role == "reviewer":
        assert status == (U.CLOSED if f.closed else U.OPEN)
    primary = f.role == "certifier" and f.submitted  # a primary is never Incomplete once all submitted
    if not (f.role == "certifier" and f.unit_status in (S.SENT, S.RECERT_REQUESTED) and not f.submitted):
        assert pair_allowed(f.role, primary, status, f.unit_status)


# role, unit status, submitted, overdue, closed, event live, started -> action beside View
ACTION_CASES = [
    ("certifier", S.IN_PROGRESS, False, False, False, True, True, RowAction.START),
    ("certifier", S.RECERT_IN_PROGRESS, False, False, False, True, True, RowAction.START),
    ("certifier", S.IN_PROGRESS, True, False, False, True, True, RowAction.REVIEW),  # their part is done
    ("certifier", S.IN_PROGRESS, False, True, False, True, True, RowAction.REVIEW),  # overdue
    ("certifier", S.APPROVED, True, False, False, True, True, RowAction.REVIEW),  # approved
    ("certifier", S.SENT, False, False, False, True, True, RowAction.REVIEW),  # a secondary: the unit went on
    ("certifier", S.RECERT_REQUESTED, True, False, False, True, True, RowAction.REVIEW),
    ("certifier", S.IN_PROGRESS, False, False, False, False, True, RowAction.REVIEW),  # event closed
    ("certifier", S.IN_PROGRESS, False, False, False, True, False, RowAction.REVIEW),  # not started yet
    ("reviewer", S.IN_PROGRESS, False, False, False, True, True, RowAction.START),
    ("reviewer", S.IN_PROGRESS, False, False, True, True, True, RowAction.REVIEW),  # closed the wizard
    ("reviewer", S.APPROVED, False, False, False, True, True, RowAction.REVIEW),
    ("state approver", S.SENT, False, False, False, True, True, None),
]


@pytest.mark.parametrize(
    ("role", "unit", "submitted", "overdue", "closed", "live", "started", "expected"), ACTION_CASES
)
def test_row_action_table(role, unit, submitted, overdue, closed, live, started, expected):
    f = UserFacts(role, unit, False, submitted, overdue, closed=closed, event_live=live, started=started)
    assert derive_row_action(f) == expected
    assert row_buttons(f) == (("View",) if expected is None else ("View", str(expected)))


@given(facts)
def test_start_certification_only_while_the_user_can_act(f):
    """Start Certification never shows with a status that means the user's part is done or over."""
    if derive_row_action(f) == RowAction.START:
        assert derive_user_status(f) in (U.INCOMPLETE, U.OPEN)
        assert f.event_live and f.started and not f.overdue and f.unit_status in (S.IN_PROGRESS, S.RECERT_IN_PROGRESS)
    assert ROW_ACTION_TABLE[-1].action == RowAction.START  # the catch-all
