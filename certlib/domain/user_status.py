"""User status per user and unit (DESIGN §3.3), derived by a table and never stored.

The first row whose role matches and whose condition holds gives the status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from certlib.domain.statuses import UnitStatus, UserStatus

S = UnitStatus


@dataclass(frozen=True)
class UserFacts:
    """What the user status depends on."""

    role: str  # "certifier", "reviewer", "state approver", "state reviewer"
    unit_status: UnitStatus
    asked_recert: bool  # this user sent the pending recertification request
    submitted: bool  # submitted in the unit's current round
    overdue: bool  # today is past the event's due date


@dataclass(frozen=True)
class UserStatusRow:
    role: str  # "certifier" or "*" (anyone else)
    condition: str
    holds: Callable[[UserFacts], bool]
    status: UserStatus


USER_STATUS_TABLE: tuple[UserStatusRow, ...] = (
    UserStatusRow("*", "not a certifier", lambda f: f.role != "certifier", UserStatus.NA),
    UserStatusRow("certifier", "unit Approved by State", lambda f: f.unit_status == S.APPROVED, UserStatus.COMPLETE),
    UserStatusRow(
        "certifier",
        "unit Recertification Request Sent and this user asked",
        lambda f: f.unit_status == S.RECERT_REQUESTED and f.asked_recert,
        UserStatus.RECERT_PENDING,
    ),
    UserStatusRow("certifier", "submitted in the current round", lambda f: f.submitted, UserStatus.CERTIFIED),
    UserStatusRow("certifier", "not submitted, past the due date", lambda f: f.overdue, UserStatus.OVERDUE),
    UserStatusRow("certifier", "not submitted", lambda f: True, UserStatus.INCOMPLETE),
)


def derive_user_status(facts: UserFacts) -> UserStatus:
    for row in USER_STATUS_TABLE:
        if row.holds(facts):
            return row.status
    raise AssertionError("the user status table has a catch-all row")  # pragma: no cover


#: Which unit statuses each user status may appear with (the invariant the tests check).
ALLOWED_PAIRS: dict[UserStatus, frozenset[UnitStatus]] = {
    UserStatus.NA: frozenset(UnitStatus),
    UserStatus.COMPLETE: frozenset({S.APPROVED}),
    UserStatus.RECERT_PENDING: frozenset({S.RECERT_REQUESTED}),
    UserStatus.CERTIFIED: frozenset({S.IN_PROGRESS, S.SENT, S.RECERT_REQUESTED, S.RECERT_IN_PROGRESS}),
    UserStatus.OVERDUE: frozenset({S.IN_PROGRESS, S.RECERT_IN_PROGRESS, S.SENT, S.RECERT_REQUESTED}),
    UserStatus.INCOMPLETE: frozenset({S.IN_PROGRESS, S.RECERT_IN_PROGRESS, S.SENT, S.RECERT_REQUESTED}),
}

#: A primary certifier cannot be incomplete once the unit went to the state (all primaries submitted).
PRIMARY_FORBIDDEN: dict[UserStatus, frozenset[UnitStatus]] = {
    UserStatus.OVERDUE: frozenset({S.SENT, S.RECERT_REQUESTED}),
    UserStatus.INCOMPLETE: frozenset({S.SENT, S.RECERT_REQUESTED}),
}


def pair_allowed(role: str, primary: bool, user_status: UserStatus, unit_status: UnitStatus) -> bool:
    """Is (user status, unit status) a pair DESIGN §3.3 permits for this role?"""
    if role != "certifier":
        return user_status == UserStatus.NA
    if user_status == UserStatus.NA:
        return False
    if unit_status not in ALLOWED_PAIRS[user_status]:
        return False
    return not (primary and unit_status in PRIMARY_FORBIDDEN.get(user_status, frozenset()))


#: The main action button per role ("Reviewers get Review Data, certifiers Start Certification").
ROLE_ACTIONS: dict[str, tuple[str, ...]] = {
    "certifier": ("View", "Start Certification"),
    "reviewer": ("View", "Review Data"),
    "state approver": ("View",),
    "state reviewer": ("View",),
}
