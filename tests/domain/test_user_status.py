"""Table-driven tests over the user-status table (DESIGN §3.3) and the allowed-pairs invariant."""

from __future__ import annotations

import pytest

from certlib.domain import (
    USER_STATUS_TABLE,
    UnitStatus,
    UserFacts,
    UserStatus,
    derive_user_status,
    pair_allowed,
)

S, U = UnitStatus, UserStatus

# role, unit status, asked, submitted, overdue -> status
CASES = [
    ("reviewer", S.IN_PROGRESS, False, False, True, U.NA),
    ("reviewer", S.APPROVED, False, False, False, U.NA),
    ("state approver", S.SENT, False, False, False, U.NA),
    ("certifier", S.APPROVED, False, False, True, U.COMPLETE),
    ("certifier", S.APPROVED, False, True, False, U.COMPLETE),
    ("certifier", S.RECERT_REQUESTED, True, True, False, U.RECERT_PENDING),
    ("certifier", S.RECERT_REQUESTED, False, True, False, U.CERTIFIED),
    ("certifier", S.SENT, False, True, True, U.CERTIFIED),
    ("certifier", S.IN_PROGRESS, False, True, False, U.CERTIFIED),
    ("certifier", S.IN_PROGRESS, False, False, True, U.OVERDUE),
    ("certifier", S.RECERT_IN_PROGRESS, False, False, True, U.OVERDUE),
    ("certifier", S.IN_PROGRESS, False, False, False, U.INCOMPLETE),
    ("certifier", S.RECERT_IN_PROGRESS, False, False, False, U.INCOMPLETE),
]


@pytest.mark.parametrize(("role", "unit", "asked", "submitted", "overdue", "expected"), CASES)
def test_user_status_table(role, unit, asked, submitted, overdue, expected):
    status = derive_user_status(UserFacts(role, unit, asked, submitted, overdue))
    assert status == expected
    assert pair_allowed(role, False, status, unit)


def test_vocabulary_is_exactly_the_users_words():
    assert [s.value for s in UserStatus] == [
        "N/A", "Complete", "Recertification Request Pending", "Certification Complete", "Incomplete - Overdue",
        "Certification Incomplete",
    ]
    assert [s.value for s in UnitStatus] == [
        "In Progress", "Certification Sent to State", "Certification Approved by State",
        "Recertification Request Sent", "Recertification In Progress",
    ]
    assert {r.status for r in USER_STATUS_TABLE} == set(UserStatus)


def test_pairs_forbidden_by_design():
    assert not pair_allowed("certifier", False, U.COMPLETE, S.SENT)
    assert not pair_allowed("certifier", False, U.RECERT_PENDING, S.APPROVED)
    assert not pair_allowed("certifier", True, U.INCOMPLETE, S.SENT)  # a primary cannot lag once sent
    assert pair_allowed("certifier", False, U.INCOMPLETE, S.SENT)  # a secondary can
    assert not pair_allowed("reviewer", False, U.CERTIFIED, S.SENT)
    assert not pair_allowed("certifier", False, U.NA, S.SENT)
