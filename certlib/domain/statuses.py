"""The three status vocabularies of design §3, spelled exactly as users see them.

They are ``StrEnum`` members, so ``UnitStatus.SENT == "Certification Sent to State"`` and they
serialise to JSON as their user-visible text.
"""

from __future__ import annotations

from enum import StrEnum


class EventStatus(StrEnum):
    """Publication status of an event (state side, design §3.1)."""

    UNPUBLISHED = "Unpublished"
    PUBLISHED = "Published"
    UNPUBLISHED_CHANGES = "Unpublished Changes"
    CLOSED = "Closed"


class UnitStatus(StrEnum):
    """The "Event Status" a district or school sees for its unit (design §3.2)."""

    IN_PROGRESS = "In Progress"
    SENT = "Certification Sent to State"
    APPROVED = "Certification Approved by State"
    RECERT_REQUESTED = "Recertification Request Sent"
    RECERT_IN_PROGRESS = "Recertification In Progress"


class UserStatus(StrEnum):
    """A user's status on one unit; derived, never stored (design §3.3, as the article's grids show it)."""

    NA = "N/A"  # state users: they walk no wizard on a unit
    OPEN = "Open"  # a reviewer who has not closed the wizard in the current round
    CLOSED = "Closed"  # a reviewer who closed it after step 3
    RECERT_PENDING = "Recertification Request Pending"
    CERTIFIED = "Certification Complete"
    OVERDUE = "Incomplete - Overdue"
    INCOMPLETE = "Certification Incomplete"


class StepStatus(StrEnum):
    """Status of one wizard step (1 District, 2 State, 3 Snapshot Validation) for one user and round."""

    NOT_STARTED = "NOT STARTED"
    IN_PROGRESS = "IN PROGRESS"
    COMPLETED = "COMPLETED"


#: Unit statuses in which districts still certify (submissions are counted in these).
OPEN_FOR_SUBMISSION: frozenset[UnitStatus] = frozenset({UnitStatus.IN_PROGRESS, UnitStatus.RECERT_IN_PROGRESS})

#: Event statuses in which districts see the event and may act on its units.
LIVE_EVENT: frozenset[EventStatus] = frozenset({EventStatus.PUBLISHED, EventStatus.UNPUBLISHED_CHANGES})

#: The wizard steps checked before a submission, with their user-visible names.
WIZARD_STEPS: dict[int, str] = {1: "District Validation", 2: "State Validation", 3: "Snapshot Validation"}
#: The steps that read the state copy: a resync makes their runs (and step 3's snapshot) stale.
STATE_STEPS: tuple[int, ...] = (2, 3)


class JobKind(StrEnum):
    """What a background job does (the job queue's ``kind`` column; the runners are keyed by it)."""

    STATE_VALIDATION = "state_validation"  # wizard step 2: the rules over the state copy
    SNAPSHOT = "snapshot"  # wizard step 3 (and the reviewer's snapshot): freeze and validate the data


class JobStatus(StrEnum):
    """A background job's status: QUEUED → RUNNING → COMPLETED / FAILED."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class RowAction(StrEnum):
    """The action button of a row of the events grid besides "View" (design §3.3)."""

    START = "Start Certification"
    REVIEW = "Review Data"
