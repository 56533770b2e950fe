"""User status per user and unit (design §3.3), and the row's action, derived by tables and never stored.

The first row whose role matches and whose condition holds gives the status; the same for the
action button beside "View" (:data:`ROW_ACTION_TABLE`). Words as the help article's events grids show
them: reviewers are *Open* until they close the wizard in the current round, *Closed* after; a
certifier who submitted — and every certifier once the state approved — is *Certification Complete*.

>>> derive_user_status(UserFacts("reviewer", UnitStatus.IN_PROGRESS, False, False, False, closed=True))
<UserStatus.CLOSED: 'Closed'>
>>> derive_row_action(UserFacts("certifier", UnitStatus.APPROVED, False, True, False))
<RowAction.REVIEW: 'Review Data'>
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from certlib.domain.statuses import OPEN_FOR_SUBMISSION, RowAction, UnitStatus, UserStatus

S = UnitStatus
STATE_ROLES = frozenset({"state approver", "state reviewer", "state (read)", ""})


@dataclass(frozen=True)
class UserFacts:
    """What the user status and the row's action depend on."""

    role: str  # "certifier", "reviewer", "state approver", "state reviewer", "state (read)"
    unit_status: UnitStatus
    asked_recert: bool  # this user sent the pending recertification request
    submitted: bool  # submitted in the unit's current round
    overdue: bool  # today is past the unit's due date
    closed: bool = False  # a reviewer closed the wizard in the unit's current round
    event_live: bool = True  # the event is published (not closed)
    started: bool = True  # today is on or after the event's start date (the wizard may be walked)


@dataclass(frozen=True)
class UserStatusRow:
    role: str  # "certifier", "reviewer" or "state"
    condition: str
    holds: Callable[[UserFacts], bool]
    status: UserStatus


def _is_state(f: UserFacts) -> bool:
    return f.role in STATE_ROLES


USER_STATUS_TABLE: tuple[UserStatusRow, ...] = (
    UserStatusRow("state", "a state user (walks no wizard)", _is_state, UserStatus.NA),
    UserStatusRow(
        "reviewer",
        "closed the wizard in the current round",
        lambda f: f.role == "reviewer" and f.closed,
        UserStatus.CLOSED,
    ),
    UserStatusRow(
        "reviewer", "has not closed the wizard in the current round", lambda f: f.role == "reviewer", UserStatus.OPEN
    ),
    UserStatusRow("certifier", "unit Approved by State", lambda f: f.unit_status == S.APPROVED, UserStatus.CERTIFIED),
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
        if row.role in ("state", facts.role) and row.holds(facts):
            return row.status
    raise AssertionError("the user status table has a catch-all row")  # pragma: no cover


#: Which unit statuses each certifier status may appear with (the invariant the tests check).
ALLOWED_PAIRS: dict[UserStatus, frozenset[UnitStatus]] = {
    UserStatus.RECERT_PENDING: frozenset({S.RECERT_REQUESTED}),
    UserStatus.CERTIFIED: frozenset(UnitStatus),
    UserStatus.OVERDUE: frozenset({S.IN_PROGRESS, S.RECERT_IN_PROGRESS, S.SENT, S.RECERT_REQUESTED}),
    UserStatus.INCOMPLETE: frozenset({S.IN_PROGRESS, S.RECERT_IN_PROGRESS, S.SENT, S.RECERT_REQUESTED}),
}

#: A primary certifier cannot be incomplete once the unit went to the state (all primaries submitted).
PRIMARY_FORBIDDEN: dict[UserStatus, frozenset[UnitStatus]] = {
    UserStatus.OVERDUE: frozenset({S.SENT, S.RECERT_REQUESTED}),
    UserStatus.INCOMPLETE: frozenset({S.SENT, S.RECERT_REQUESTED}),
}

#: The statuses each kind of role can have.
ROLE_STATUSES: dict[str, frozenset[UserStatus]] = {
    "reviewer": frozenset({UserStatus.OPEN, UserStatus.CLOSED}),
    "certifier": frozenset(ALLOWED_PAIRS),
}


def pair_allowed(role: str, primary: bool, user_status: UserStatus, unit_status: UnitStatus) -> bool:
    """Is (user status, unit status) a pair design §3.3 permits for this role?"""
    if role in STATE_ROLES:
        return user_status == UserStatus.NA
    if user_status not in ROLE_STATUSES.get(role, frozenset()):
        return False
    if role == "reviewer":
        return True
    if unit_status not in ALLOWED_PAIRS[user_status]:
        return False
    return not (primary and unit_status in PRIMARY_FORBIDDEN.get(user_status, frozenset()))


# ---- the row's action (besides "View") ---------------------------------------------------------------


@dataclass(frozen=True)
class RowActionRow:
    condition: str
    holds: Callable[[UserFacts], bool]
    action: RowAction | None  # None: "View" only


#: "Start Certification" while the user can still act in the wizard; "Review Data" once their part is
#: done, the unit went on (sent, approved, a request pending), the due date passed or the event
#: closed — never a button that leads to a refusal. First row that holds wins.
ROW_ACTION_TABLE: tuple[RowActionRow, ...] = (
    RowActionRow("a state user (no wizard)", _is_state, None),
    RowActionRow("the event is closed", lambda f: not f.event_live, RowAction.REVIEW),
    RowActionRow("the event has not started", lambda f: not f.started, RowAction.REVIEW),
    RowActionRow(
        "the unit is not open for submission (sent, approved, request pending)",
        lambda f: f.unit_status not in OPEN_FOR_SUBMISSION,
        RowAction.REVIEW,
    ),
    RowActionRow("past the unit's due date", lambda f: f.overdue, RowAction.REVIEW),
    RowActionRow(
        "a certifier who submitted in this round", lambda f: f.role == "certifier" and f.submitted, RowAction.REVIEW
    ),
    RowActionRow(
        "a reviewer who closed the wizard in this round", lambda f: f.role == "reviewer" and f.closed, RowAction.REVIEW
    ),
    RowActionRow("the user can still certify / review", lambda f: True, RowAction.START),
)


def derive_row_action(facts: UserFacts) -> RowAction | None:
    """The button beside "View" on the user's row for this unit (None: "View" only)."""
    for row in ROW_ACTION_TABLE:
        if row.holds(facts):
            return row.action
    raise AssertionError("the row action table has a catch-all row")  # pragma: no cover


def row_buttons(facts: UserFacts) -> tuple[str, ...]:
    """The row's buttons: "View", then the derived action if any."""
    action = derive_row_action(facts)
    return ("View",) if action is None else ("View", str(action))
