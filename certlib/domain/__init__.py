"""The pure core of certlib: entities, status vocabularies, transition and permission tables.

No I/O and no clock reads here: ``now`` is always passed in. The store builds the contexts inside
its transactions and asks :func:`decide` / :func:`decide_event`; UIs ask :func:`allowed_actions`.
"""

from certlib.domain.entities import (
    Alert,
    Category,
    District,
    Event,
    Membership,
    Progress,
    School,
    Submission,
    Unit,
    User,
)
from certlib.domain.event_transitions import (
    EVENT_TRANSITIONS,
    EventContext,
    EventTransition,
    allowed_event_actions,
    decide_event,
)
from certlib.domain.guards import ActionCheck, Guard
from certlib.domain.scope import UnitMembers, UnitRole, covers, sees_event, unit_members, unit_role
from certlib.domain.statuses import EventStatus, StepStatus, UnitStatus, UserStatus
from certlib.domain.unit_transitions import (
    UNIT_TRANSITIONS,
    Transition,
    UnitContext,
    all_primaries_submitted,
    allowed_actions,
    decide,
)
from certlib.domain.user_status import USER_STATUS_TABLE, UserFacts, derive_user_status, pair_allowed

__all__ = [
    "EVENT_TRANSITIONS",
    "UNIT_TRANSITIONS",
    "USER_STATUS_TABLE",
    "ActionCheck",
    "Alert",
    "Category",
    "District",
    "Event",
    "EventContext",
    "EventStatus",
    "EventTransition",
    "Guard",
    "Membership",
    "Progress",
    "School",
    "StepStatus",
    "Submission",
    "Transition",
    "Unit",
    "UnitContext",
    "UnitMembers",
    "UnitRole",
    "UnitStatus",
    "User",
    "UserFacts",
    "UserStatus",
    "all_primaries_submitted",
    "allowed_actions",
    "allowed_event_actions",
    "covers",
    "decide",
    "decide_event",
    "derive_user_status",
    "pair_allowed",
    "sees_event",
    "unit_members",
    "unit_role",
]
